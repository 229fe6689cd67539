"""promtool check + unit tests of infra/alerts, with a real promtool when one is installed."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
ALERTS = REPO / "infra" / "alerts"


def _promtool() -> str:
    found = shutil.which("promtool", path=f"{REPO / '.tools' / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}")
    if found is None:
        pytest.skip("promtool not installed: it ships in Debian's `prometheus` package (2.42); "
                    "extract it to .tools/bin/promtool to run the alert-rule unit tests")
    return found


def test_rule_file_is_valid() -> None:
    proc = subprocess.run([_promtool(), "check", "rules", "loom.rules.yaml"], cwd=ALERTS,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "SUCCESS" in proc.stdout


def test_alert_rules_fire_as_specified() -> None:
    proc = subprocess.run([_promtool(), "test", "rules", "loom.rules.test.yaml"], cwd=ALERTS,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
