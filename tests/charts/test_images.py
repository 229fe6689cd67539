"""Image build plan: one image per runnable, every image the chart references is built."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]


def _plan() -> list[str]:
    proc = subprocess.run([str(REPO / "infra" / "scripts" / "images.sh"), "--print"], capture_output=True,
                          text=True, timeout=60, env={"PATH": "/usr/bin:/bin", "TAG": "0.1.0"})
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.splitlines()


def _tags(plan: list[str]) -> list[str]:
    tags = [m.group(1) for m in (re.search(r"-t (\S+)", line) for line in plan) if m]
    assert len(tags) == len(plan), "every planned command builds a tagged image"
    return tags


def test_images_sh_builds_one_tagged_image_per_runnable() -> None:
    tags = _tags(_plan())
    names = {t.rsplit(":", 1)[0].rsplit("/", 1)[1] for t in tags}
    assert len(tags) == len(set(tags)) == 8
    assert names == {f"loom-{r}" for r in ("ingestion", "identity", "consent", "prediction", "creative",
                                           "forwarding", "worker", "ray")}


def test_every_image_the_chart_uses_is_built(rendered: dict[str, list[dict[str, Any]]]) -> None:
    built = set(_tags(_plan()))
    used: set[str] = set()
    for obj in rendered["minimal"]:
        for container in re.findall(r"'image': '([^']+)'", repr(obj)):
            used.add(container)
    assert used and used <= built


def test_dockerfile_is_multi_stage_and_non_root() -> None:
    text = (REPO / "infra" / "docker" / "Dockerfile").read_text()
    assert text.count("\nFROM ") == 2
    assert "USER 10001:10001" in text
    assert "COPY --from=build /opt/loom /opt/loom" in text
