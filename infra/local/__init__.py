"""The local stack: real NATS, Temporal, services and worker as background processes (``python -m infra.local``)."""

from infra.local.config import SERVICES, StackPorts
from infra.local.nats import NatsServer
from infra.local.stack import ComponentStatus, LocalStack, StackStartError
from infra.local.temporal import TemporalDevServer

__all__ = [
    "SERVICES",
    "ComponentStatus",
    "LocalStack",
    "NatsServer",
    "StackPorts",
    "StackStartError",
    "TemporalDevServer",
]
