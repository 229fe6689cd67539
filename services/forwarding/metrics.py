"""Prometheus metrics of the forwarding service, per destination."""

from prometheus_client import Counter, Gauge, Histogram

DELIVERED = Counter("loom_forwarding_delivered_total", "Deliveries the destination accepted.", ["destination"])
RETRIED = Counter("loom_forwarding_retried_total", "Failed attempts that will be retried.", ["destination"])
DEAD_LETTERED = Counter("loom_forwarding_dead_lettered_total", "Deliveries moved to dead letters.",
                        ["destination", "permanent"])
FILTERED = Counter("loom_forwarding_filtered_total", "Events the destination's filter did not take.",
                   ["destination"])
LATENCY = Histogram("loom_forwarding_delivery_latency_seconds",
                    "From a bus message (one batch of events) reaching the bus to the destination accepting it.",
                    ["destination"],
                    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 3600))
QUEUED = Gauge("loom_forwarding_queued", "Deliveries waiting in the durable queue.", ["destination"])
CIRCUIT_OPEN = Gauge("loom_forwarding_circuit_open", "1 while the destination's circuit breaker is open.",
                     ["destination"])
