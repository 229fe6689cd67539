"""Run the real helm binary against charts/loom, offline.

Chart.yaml declares the official NATS and Temporal charts as optional dependencies. They cannot be
fetched offline and helm refuses to lint or render a chart whose declared dependencies are missing
from charts/, even when their `condition:` is false. So helm runs on a copy of the chart with the
`dependencies:` block removed; that is only sound while the variant keeps every dependency
disabled, which `render` checks first. Symlinks (dashboards, alert rules, serve config) are copied
as the files they point to, exactly as `helm package` would include them.

`python -m tests.charts.chart_tools` rewrites charts/loom/rendered/<variant>.yaml.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[2]
CHART = REPO / "charts" / "loom"
HELM = REPO / ".tools" / "bin" / "helm"
RELEASE = "loom"
NAMESPACE = "loom"
KUBE_VERSION = "1.31.0"


def variants() -> dict[str, Path]:
    """Variant name -> values file, from charts/loom/ci/<variant>-values.yaml."""
    return {p.name.removesuffix("-values.yaml"): p for p in sorted((CHART / "ci").glob("*-values.yaml"))}


def declared_dependencies() -> list[dict[str, Any]]:
    """The dependencies block of the real Chart.yaml."""
    return yaml.safe_load((CHART / "Chart.yaml").read_text()).get("dependencies", [])


def offline_chart_copy(dest: Path) -> Path:
    """Copy charts/loom to dest/loom, symlinks resolved, without rendered examples or dependencies."""
    target = dest / "loom"
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(CHART, target, symlinks=False, ignore=shutil.ignore_patterns("rendered"))
    chart_yaml = target / "Chart.yaml"
    meta = yaml.safe_load(chart_yaml.read_text())
    meta.pop("dependencies", None)
    chart_yaml.write_text(yaml.safe_dump(meta, sort_keys=False))
    return target


def _enabled(values: dict[str, Any], condition: str) -> bool:
    node: Any = values
    for part in condition.split("."):
        if not isinstance(node, dict) or part not in node:
            return False
        node = node[part]
    return bool(node)


def check_dependencies_disabled(values_file: Path) -> None:
    """Refuse to render a variant that turns on a dependency (its objects would be missing)."""
    merged = yaml.safe_load((CHART / "values.yaml").read_text())
    override = yaml.safe_load(values_file.read_text()) or {}
    for dep in declared_dependencies():
        cond = dep["condition"]
        if _enabled(override, cond) or (cond not in _flatten_keys(override) and _enabled(merged, cond)):
            raise ValueError(f"{values_file.name} enables {dep['name']} ({cond}); offline renders need it off")


def _flatten_keys(values: dict[str, Any], prefix: str = "") -> set[str]:
    keys: set[str] = set()
    for k, v in values.items():
        keys.add(prefix + k)
        if isinstance(v, dict):
            keys |= _flatten_keys(v, f"{prefix}{k}.")
    return keys


def helm(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run .tools/bin/helm with args; never raises on a non-zero exit (callers assert)."""
    env = {**os.environ, "HELM_CACHE_HOME": "/tmp/loom-helm/cache", "HELM_CONFIG_HOME": "/tmp/loom-helm/config",
           "HELM_DATA_HOME": "/tmp/loom-helm/data"}
    return subprocess.run([str(HELM), *args], capture_output=True, text=True, cwd=cwd, env=env, timeout=120)


def template(chart_dir: Path, values_file: Path | None, *extra: str) -> subprocess.CompletedProcess[str]:
    """`helm template` the offline chart copy as release loom in namespace loom."""
    args = ["template", RELEASE, str(chart_dir), "--namespace", NAMESPACE, "--kube-version", KUBE_VERSION]
    if values_file is not None:
        args += ["--values", str(values_file)]
    return helm(*args, *extra)


def render(chart_dir: Path, values_file: Path) -> str:
    """Rendered manifests of one variant (raises with helm's stderr on failure)."""
    check_dependencies_disabled(values_file)
    proc = template(chart_dir, values_file)
    if proc.returncode != 0:
        raise RuntimeError(f"helm template {values_file.name} failed:\n{proc.stderr}")
    return proc.stdout


def documents(manifest: str) -> list[dict[str, Any]]:
    """Non-empty YAML documents of a rendered manifest."""
    return [d for d in yaml.safe_load_all(manifest) if d]


def main() -> None:
    """Rewrite charts/loom/rendered/<variant>.yaml from the current chart."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        chart_dir = offline_chart_copy(Path(tmp))
        out = CHART / "rendered"
        out.mkdir(exist_ok=True)
        for name, values_file in variants().items():
            (out / f"{name}.yaml").write_text(render(chart_dir, values_file))
            print(f"wrote {out / f'{name}.yaml'}")


if __name__ == "__main__":
    main()
