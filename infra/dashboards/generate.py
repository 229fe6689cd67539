"""Grafana dashboards as code: `python -m infra.dashboards.generate` rewrites infra/dashboards/*.json.

The JSON files are committed (the chart ships them as ConfigMaps); tests/charts checks that they
match this generator and only query metric names declared in infra/telemetry/metrics.yaml.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DASHBOARD_DIR = Path(__file__).resolve().parent
SERVER_ERRORS = 'code=~"UNKNOWN|INTERNAL|UNAVAILABLE|DATA_LOSS|DEADLINE_EXCEEDED"'


@dataclass(frozen=True)
class Panel:
    """One time-series panel: a title, a unit and PromQL targets (legend -> expression)."""

    title: str
    unit: str
    targets: dict[str, str]
    description: str = ""


@dataclass(frozen=True)
class Dashboard:
    """A dashboard: stable uid, title, and panels laid out two per row."""

    uid: str
    title: str
    description: str
    panels: list[Panel] = field(default_factory=list)
    service_variable: bool = False


def _panel_json(panel: Panel, panel_id: int) -> dict[str, Any]:
    row, col = divmod(panel_id - 1, 2)
    return {
        "id": panel_id,
        "type": "timeseries",
        "title": panel.title,
        "description": panel.description,
        "datasource": {"type": "prometheus", "uid": "${datasource}"},
        "gridPos": {"h": 8, "w": 12, "x": col * 12, "y": row * 8},
        "fieldConfig": {"defaults": {"unit": panel.unit}, "overrides": []},
        "options": {"legend": {"displayMode": "table", "placement": "bottom"}},
        "targets": [
            {"refId": chr(ord("A") + i), "expr": expr, "legendFormat": legend}
            for i, (legend, expr) in enumerate(panel.targets.items())
        ],
    }


def dashboard_json(dashboard: Dashboard) -> dict[str, Any]:
    """Grafana's JSON model for `dashboard` (schemaVersion 39, Prometheus datasource variable)."""
    variables: list[dict[str, Any]] = [
        {"name": "datasource", "type": "datasource", "query": "prometheus", "label": "Data source"}
    ]
    if dashboard.service_variable:
        variables.append(
            {
                "name": "service",
                "type": "query",
                "label": "Service",
                "datasource": {"type": "prometheus", "uid": "${datasource}"},
                "query": "label_values(loom_grpc_server_requests_total, service)",
                "includeAll": True,
                "multi": True,
                "refresh": 2,
            }
        )
    return {
        "uid": dashboard.uid,
        "title": dashboard.title,
        "description": dashboard.description,
        "tags": ["loom"],
        "timezone": "utc",
        "schemaVersion": 39,
        "version": 1,
        "editable": False,
        "refresh": "30s",
        "time": {"from": "now-6h", "to": "now"},
        "templating": {"list": variables},
        "panels": [_panel_json(p, i) for i, p in enumerate(dashboard.panels, start=1)],
    }


SVC = 'service=~"$service"'
DASHBOARDS = [
    Dashboard(
        uid="loom-platform",
        title="Loom / Platform overview",
        description="Golden signals of every Loom gRPC service and the event bus.",
        service_variable=True,
        panels=[
            Panel("Requests per second", "reqps", {
                "{{service}}": f"sum by (service) (rate(loom_grpc_server_requests_total{{{SVC}}}[$__rate_interval]))"}),
            Panel("Server error ratio (SLO 0.1%)", "percentunit", {
                "{{service}}": f"sum by (service) (rate(loom_grpc_server_requests_total{{{SVC},{SERVER_ERRORS}}}"
                               f"[$__rate_interval])) / sum by (service) "
                               f"(rate(loom_grpc_server_requests_total{{{SVC}}}[$__rate_interval]))"}),
            Panel("p99 latency (SLO 300ms)", "s", {
                "{{service}}": "histogram_quantile(0.99, sum by (service, le) (rate("
                               f"loom_grpc_server_request_duration_seconds_bucket{{{SVC}}}[$__rate_interval])))"}),
            Panel("Serving replicas", "short", {
                "{{service}}": f"sum by (service) (loom_service_up{{{SVC}}})"}),
            Panel("In-flight requests", "short", {
                "{{service}}": f"sum by (service) (loom_grpc_server_in_flight{{{SVC}}})"}),
            Panel("Bus publish rate by stream", "short", {
                "{{stream}}": "sum by (stream) (rate(loom_bus_published_total[$__rate_interval]))"}),
            Panel("Consumer lag (pending messages)", "short", {
                "{{consumer}}": "max by (consumer) (loom_bus_consumer_pending)"}),
        ],
    ),
    Dashboard(
        uid="loom-ingestion",
        title="Loom / Ingestion and data quality",
        description="Events received per source, validation outcomes and data-plan violations.",
        panels=[
            Panel("Events per second by status", "short", {
                "{{status}}": "sum by (status) (rate(loom_ingestion_events_total[$__rate_interval]))"}),
            Panel("Rejected or quarantined share by source", "percentunit", {
                "{{source}}": 'sum by (source) (rate(loom_ingestion_events_total{status=~"rejected|quarantined"}'
                              "[$__rate_interval])) / sum by (source) "
                              "(rate(loom_ingestion_events_total[$__rate_interval]))"}),
            Panel("Violations by kind", "short", {
                "{{kind}}": "sum by (kind) (rate(loom_ingestion_violations_total[$__rate_interval]))"}),
            Panel("Top violating events", "short", {
                "{{source}} {{event}}": "topk(10, sum by (source, event) "
                                        "(increase(loom_ingestion_violations_total[1h])))"}),
            Panel("Rate-limited batches by source", "short", {
                "{{source}}": "sum by (source) (rate(loom_ingestion_rate_limited_total[$__rate_interval]))"}),
            Panel("Quarantine replays by outcome", "short", {
                "{{outcome}}": "sum by (outcome) (increase(loom_ingestion_replayed_total[1h]))"}),
            Panel("Archived events per second and archiver lag", "short", {
                "archived": "sum(rate(loom_ingestion_archived_events_total[$__rate_interval]))",
                "archiver lag": 'max(loom_bus_consumer_pending{consumer="ingestion-archiver"})'}),
            Panel("Identity merges by outcome", "short", {
                "{{outcome}}": "sum by (outcome) (rate(loom_identity_merges_total[$__rate_interval]))"}),
            Panel("Profiles", "short", {"profiles": "max(loom_identity_profiles_total)"}),
        ],
    ),
    Dashboard(
        uid="loom-journeys",
        title="Loom / Journeys",
        description="Campaign journeys on Temporal: customers inside, steps and failures.",
        panels=[
            Panel("Customers finishing a journey pass, by exit reason", "short", {
                "{{exit_reason}}": "sum by (exit_reason) (rate(loom_journeys_customers_total[$__rate_interval]))"}),
            Panel("Sends per second by status", "short", {
                "{{status}}": "sum by (status) (rate(loom_journeys_sends_total[$__rate_interval]))"}),
            Panel("Send failure ratio by journey", "percentunit", {
                "{{journey}}": 'sum by (journey) (rate(loom_journeys_sends_total{status="failed"}'
                               "[$__rate_interval])) / sum by (journey) "
                               "(rate(loom_journeys_sends_total[$__rate_interval]))"}),
            Panel("Conversions in window, treated vs holdout (24h)", "short", {
                "{{journey}} {{group}}": "sum by (journey, group) (increase(loom_journeys_conversions_total[24h]))"}),
            Panel("Uplift over holdout with 95% interval", "percentunit", {
                "{{journey}} {{variant}}": "max by (journey, variant) (loom_journeys_uplift)",
                "{{journey}} {{variant}} low": "max by (journey, variant) (loom_journeys_uplift_ci_low)",
                "{{journey}} {{variant}} high": "max by (journey, variant) (loom_journeys_uplift_ci_high)"}),
            Panel("Trigger actions", "short", {
                "{{action}}": "sum by (action) (rate(loom_journeys_trigger_total[$__rate_interval]))"}),
        ],
    ),
    Dashboard(
        uid="loom-models",
        title="Loom / Models",
        description="Online scoring through Ray Serve: latency per model and prediction service load.",
        panels=[
            Panel("Scoring p50 / p99 by model", "s", {
                "p50 {{model}}": "histogram_quantile(0.5, sum by (model, le) "
                                 "(rate(loom_model_score_latency_seconds_bucket[$__rate_interval])))",
                "p99 {{model}}": "histogram_quantile(0.99, sum by (model, le) "
                                 "(rate(loom_model_score_latency_seconds_bucket[$__rate_interval])))"}),
            Panel("Scores per second by model", "reqps", {
                "{{model}}": "sum by (model) (rate(loom_model_score_latency_seconds_count[$__rate_interval]))"}),
            Panel("Prediction RPCs by method", "reqps", {
                "{{method}}": 'sum by (method) (rate(loom_grpc_server_requests_total{service="prediction"}'
                              "[$__rate_interval]))"}),
        ],
    ),
    Dashboard(
        uid="loom-creative",
        title="Loom / Creative factory",
        description="Nightly creative factory output per market and creative-director verdicts.",
        panels=[
            Panel("Assets per hour by verdict", "short", {
                "{{verdict}}": "sum by (verdict) (increase(loom_creative_factory_assets_total[1h]))"}),
            Panel("Assets in the last 24h by market", "short", {
                "{{market}}": "sum by (market) (increase(loom_creative_factory_assets_total[24h]))"}),
            Panel("Rejected share by market", "percentunit", {
                "{{market}}": 'sum by (market) (increase(loom_creative_factory_assets_total{verdict="reject"}[24h]))'
                              " / sum by (market) (increase(loom_creative_factory_assets_total[24h]))"}),
            Panel("Creative service p99 latency", "s", {
                "p99": 'histogram_quantile(0.99, sum by (le) (rate(loom_grpc_server_request_duration_seconds_bucket'
                       '{service="creative"}[$__rate_interval])))'}),
        ],
    ),
    Dashboard(
        uid="loom-delivery",
        title="Loom / Delivery",
        description="Forwarding to destinations: throughput, failures and dead letters.",
        panels=[
            Panel("Deliveries per second by outcome", "short", {
                "{{outcome}}": "sum by (outcome) (rate(loom_forwarding_deliveries_total[$__rate_interval]))"}),
            Panel("Failure ratio by destination", "percentunit", {
                "{{destination}}": 'sum by (destination) (rate(loom_forwarding_deliveries_total{outcome="failed"}'
                                   "[$__rate_interval])) / sum by (destination) "
                                   "(rate(loom_forwarding_deliveries_total[$__rate_interval]))"}),
            Panel("Dead letters by destination", "short", {
                "{{destination}}": "max by (destination) (loom_forwarding_dead_letters)"}),
            Panel("Forwarding consumer lag", "short", {
                "{{consumer}}": 'max by (consumer) (loom_bus_consumer_pending{consumer=~"forwarding.*"})'}),
            Panel("Overdue data-subject requests", "short", {
                "overdue": "max(loom_consent_dsr_overdue)"}),
        ],
    ),
]


def render_all() -> dict[str, str]:
    """File name -> JSON text of every dashboard, formatted as committed."""
    return {
        f"{d.uid.removeprefix('loom-')}.json": json.dumps(dashboard_json(d), indent=2) + "\n"
        for d in DASHBOARDS
    }


def main() -> None:
    """Rewrite the committed dashboard JSON files."""
    for name, text in render_all().items():
        (DASHBOARD_DIR / name).write_text(text)
        print(f"wrote {DASHBOARD_DIR / name}")


if __name__ == "__main__":
    main()
