"""The contracts pass `buf lint` (STANDARD + COMMENTS) with the real buf CLI from npm."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.integration
def test_buf_lint_passes() -> None:
    if shutil.which("npm") is None and not (REPO / ".tools" / "buf").exists():
        pytest.skip("npm is not installed, so the buf CLI cannot be installed")
    result = subprocess.run([str(REPO / "infra" / "scripts" / "buflint.sh")], cwd=REPO, capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
