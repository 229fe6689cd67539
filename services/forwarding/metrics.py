"""Prometheus metrics of the forwarding service, per destination (declared in infra/telemetry/metrics.yaml)."""

from prometheus_client import Counter, Gauge, Histogram

# Outcomes: "delivered"; "failed" (an attempt failed and will be retried); "dead_lettered" (permanent error or
# retries spent). The alert on failed / all relies on these three only.
DELIVERIES = Counter("loom_forwarding_deliveries", "Deliveries to destinations, by outcome.",
                     ["destination", "outcome"])
DEAD_LETTERS = Gauge("loom_forwarding_dead_letters", "Messages parked in a destination's dead-letter queue.",
                     ["destination"])
FILTERED = Counter("loom_forwarding_filtered_total", "Events the destination's filter did not take.",
                   ["destination"])
LATENCY = Histogram("loom_forwarding_delivery_latency_seconds",
                    "From a bus message (one batch of events) reaching the bus to the destination accepting it.",
                    ["destination"],
                    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 3600))
QUEUED = Gauge("loom_forwarding_queued", "Deliveries waiting in the durable queue.", ["destination"])
CIRCUIT_OPEN = Gauge("loom_forwarding_circuit_open", "1 while the destination's circuit breaker is open.",
                     ["destination"])


def delivered(destination: str, count: int) -> None:
    """Counts deliveries the destination accepted."""
    DELIVERIES.labels(destination, "delivered").inc(count)


def failed(destination: str, count: int) -> None:
    """Counts failed attempts that will be retried."""
    DELIVERIES.labels(destination, "failed").inc(count)


def dead_lettered(destination: str, count: int) -> None:
    """Counts deliveries moved to dead letters."""
    DELIVERIES.labels(destination, "dead_lettered").inc(count)
    DEAD_LETTERS.labels(destination).inc(count)
