"""The declared telemetry names (infra/telemetry/metrics.yaml) and the PromQL that uses them.

Used by tests to prove dashboards and alert rules only query declared metrics and labels, and
usable by a test against a live /metrics page (`exposed_names`).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

CATALOG = Path(__file__).resolve().parent / "metrics.yaml"
METRIC_TYPES = {"counter", "gauge", "histogram", "summary"}
# Series a histogram or summary exposes besides its base name (prometheus-client naming).
SUFFIXES = {"histogram": ("_bucket", "_sum", "_count"), "summary": ("_sum", "_count"), "counter": (), "gauge": ()}
# Labels the scrape adds to every series; a query may match on them without a declaration.
TARGET_LABELS = {"job", "instance", "namespace", "pod", "container", "endpoint"}


@dataclass(frozen=True)
class Metric:
    """One declared metric."""

    name: str
    type: str
    labels: tuple[str, ...]
    help: str
    service: str
    planned: bool = False

    def series_names(self) -> dict[str, tuple[str, ...]]:
        """Series name -> labels it carries (a histogram's _bucket adds `le`, a summary `quantile`)."""
        names: dict[str, tuple[str, ...]] = {}
        if self.type in ("counter", "gauge"):
            names[self.name] = self.labels
        for suffix in SUFFIXES[self.type]:
            names[self.name + suffix] = self.labels + (("le",) if suffix == "_bucket" else ())
        if self.type == "summary":
            names[self.name] = self.labels + ("quantile",)
        return names


def load(path: Path = CATALOG) -> list[Metric]:
    """Parse metrics.yaml; raises ValueError on a malformed or duplicate entry."""
    raw: dict[str, Any] = yaml.safe_load(path.read_text())
    metrics: list[Metric] = []
    seen: set[str] = set()
    for entry in raw["metrics"]:
        metric = Metric(
            name=entry["name"],
            type=entry["type"],
            labels=tuple(entry.get("labels") or ()),
            help=entry["help"],
            service=entry["service"],
            planned=bool(entry.get("planned", False)),
        )
        if metric.type not in METRIC_TYPES:
            raise ValueError(f"{metric.name}: unknown type {metric.type!r}")
        if metric.name in seen:
            raise ValueError(f"{metric.name} declared twice")
        seen.add(metric.name)
        metrics.append(metric)
    return metrics


def exposed_names(metrics: list[Metric]) -> dict[str, tuple[str, ...]]:
    """Every series name the declared metrics expose -> its labels."""
    names: dict[str, tuple[str, ...]] = {}
    for metric in metrics:
        names.update(metric.series_names())
    return names


@dataclass(frozen=True)
class Selector:
    """A metric selector found in a PromQL expression: series name and the labels it matches on."""

    name: str
    labels: frozenset[str]


def selectors(expr: str) -> list[Selector]:
    """Every vector selector of a PromQL expression (needs the promql-parser package)."""
    import promql_parser  # dev dependency, only needed where PromQL is checked

    found: list[Selector] = []
    for node in _walk(promql_parser.parse(expr), promql_parser):
        labels = frozenset(m.name for m in node.matchers.matchers if m.name != "__name__")
        found.append(Selector(node.name or "", labels))
    return found


def _walk(node: Any, pp: Any) -> Iterator[Any]:
    if isinstance(node, pp.VectorSelector):
        yield node
    elif isinstance(node, pp.MatrixSelector):
        yield node.vector_selector
    elif isinstance(node, pp.BinaryExpr):
        yield from _walk(node.lhs, pp)
        yield from _walk(node.rhs, pp)
    elif isinstance(node, pp.AggregateExpr):
        yield from _walk(node.expr, pp)
        if node.param is not None:
            yield from _walk(node.param, pp)
    elif isinstance(node, pp.Call):
        for arg in node.args:
            yield from _walk(arg, pp)
    elif isinstance(node, (pp.ParenExpr, pp.SubqueryExpr, pp.UnaryExpr)):
        yield from _walk(node.expr, pp)
