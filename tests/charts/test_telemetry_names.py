"""Dashboards and alert rules query only metric names and labels declared in infra/telemetry."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from infra.dashboards import generate
from infra.telemetry import catalog

REPO = Path(__file__).resolve().parents[2]
RULES = REPO / "infra" / "alerts" / "loom.rules.yaml"
DASHBOARDS = sorted((REPO / "infra" / "dashboards").glob("*.json"))
# Grafana's variables are not PromQL; substitute what Grafana would before parsing.
GRAFANA_VARS = {"$__rate_interval": "5m", "$__interval": "1m", "$__range": "1h"}


def _grafana_to_promql(expr: str) -> str:
    for var, value in GRAFANA_VARS.items():
        expr = expr.replace(var, value)
    return re.sub(r"\$\{?\w+\}?", "x", expr)


def _rule_expressions() -> dict[str, str]:
    groups = yaml.safe_load(RULES.read_text())["groups"]
    return {r.get("alert") or r["record"]: r["expr"] for g in groups for r in g["rules"]}


def _recorded() -> dict[str, tuple[str, ...]]:
    """Recording rule name -> labels it keeps (from its outer `by (...)`)."""
    groups = yaml.safe_load(RULES.read_text())["groups"]
    out: dict[str, tuple[str, ...]] = {}
    for g in groups:
        for r in g["rules"]:
            if "record" in r:
                by = re.search(r"by \(([^)]*)\)", r["expr"])
                out[r["record"]] = tuple(s.strip() for s in by.group(1).split(",")) if by else ()
    return out


def _dashboard_expressions() -> dict[str, str]:
    exprs: dict[str, str] = {}
    for path in DASHBOARDS:
        board = json.loads(path.read_text())
        for panel in board["panels"]:
            for target in panel["targets"]:
                exprs[f"{path.name}: {panel['title']} {target['refId']}"] = _grafana_to_promql(target["expr"])
        for var in board["templating"]["list"]:
            if var["type"] == "query":
                metric = re.search(r"label_values\((\w+),", var["query"])
                assert metric, var
                exprs[f"{path.name}: ${var['name']}"] = metric.group(1)
    return exprs


def test_catalog_is_well_formed() -> None:
    metrics = catalog.load()
    for metric in metrics:
        assert metric.name.startswith("loom_")
        if metric.type == "counter":
            assert metric.name.endswith("_total"), f"{metric.name}: prometheus-client exposes counters as *_total"
        assert metric.help and metric.service


def test_catalog_declares_the_shared_runtime_metrics() -> None:
    declared = {m.name: m for m in catalog.load()}
    assert declared["loom_grpc_server_requests_total"].labels == ("service", "method", "code")
    assert declared["loom_grpc_server_request_duration_seconds"].type == "histogram"
    assert "loom_grpc_server_request_duration_seconds_bucket" in catalog.exposed_names(list(declared.values()))


def test_there_are_six_dashboards_matching_their_generator() -> None:
    assert {p.stem for p in DASHBOARDS} == {"platform", "ingestion", "journeys", "models", "creative", "delivery"}
    for name, text in generate.render_all().items():
        assert (REPO / "infra" / "dashboards" / name).read_text() == text, \
            f"{name} is stale: run python -m infra.dashboards.generate"


@pytest.mark.parametrize(("where", "expr"), sorted({**_rule_expressions(), **_dashboard_expressions()}.items()))
def test_promql_uses_only_declared_metrics_and_labels(where: str, expr: str) -> None:
    declared = catalog.exposed_names(catalog.load())
    recorded = _recorded()
    selectors = catalog.selectors(expr)
    assert selectors, f"{where}: no metric selector in {expr!r}"
    for selector in selectors:
        if selector.name in recorded:
            allowed = set(recorded[selector.name])
        else:
            assert selector.name in declared, f"{where}: {selector.name} is not in infra/telemetry/metrics.yaml"
            allowed = set(declared[selector.name])
        unknown = selector.labels - allowed - catalog.TARGET_LABELS
        assert not unknown, f"{where}: {selector.name} has no label(s) {sorted(unknown)}"


def test_the_checker_catches_an_undeclared_name() -> None:
    declared = catalog.exposed_names(catalog.load())
    names = {s.name for s in catalog.selectors("sum(rate(loom_ingestion_event_total[5m]))")}
    assert names == {"loom_ingestion_event_total"} and not names <= set(declared)
