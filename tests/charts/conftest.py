"""Fixtures for the chart tests: the real helm binary and each variant rendered once per session."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from tests.charts import chart_tools


@pytest.fixture(scope="session")
def helm_bin() -> Path:
    """The helm installed by infra/scripts/install_helm.sh; missing fails in CI, skips locally."""
    if not chart_tools.HELM.is_file():
        message = f"{chart_tools.HELM} is missing: run infra/scripts/install_helm.sh (make install)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return chart_tools.HELM


@pytest.fixture(scope="session")
def offline_chart(helm_bin: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """charts/loom copied without its (unfetchable) dependency declarations; see chart_tools."""
    return chart_tools.offline_chart_copy(tmp_path_factory.mktemp("chart"))


@pytest.fixture(scope="session")
def rendered_text(offline_chart: Path) -> dict[str, str]:
    """Variant -> rendered manifest text."""
    return {name: chart_tools.render(offline_chart, f) for name, f in chart_tools.variants().items()}


@pytest.fixture(scope="session")
def rendered(rendered_text: dict[str, str]) -> dict[str, list[dict[str, Any]]]:
    """Variant -> rendered objects."""
    return {name: chart_tools.documents(text) for name, text in rendered_text.items()}
