"""Prometheus metrics of the shared runtime. Names are declared in infra/telemetry/metrics.yaml."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram, start_http_server

# Buckets tuned for in-cluster RPCs: sub-millisecond profile reads up to multi-second batch jobs.
LATENCY_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

GRPC_REQUESTS = Counter(
    "loom_grpc_server_requests_total",
    "gRPC calls handled, by final status code.",
    ["service", "method", "code"],
)
GRPC_LATENCY = Histogram(
    "loom_grpc_server_request_duration_seconds",
    "Time from receiving a gRPC call to sending its status.",
    ["service", "method"],
    buckets=LATENCY_BUCKETS,
)
GRPC_IN_FLIGHT = Gauge(
    "loom_grpc_server_in_flight",
    "gRPC calls being handled now.",
    ["service", "method"],
)
SERVICE_INFO = Gauge(
    "loom_service_up",
    "1 while the service is serving, 0 while it drains.",
    ["service"],
)


def serve_metrics(port: int, host: str = "0.0.0.0") -> int:
    """Starts the /metrics HTTP endpoint in a background thread; returns the bound port."""
    server, _thread = start_http_server(port, addr=host)
    return int(server.server_address[1])
