"""Assembles the forwarding service.

Its RPCs answer UNIMPLEMENTED, naming the capability that brings them, until that capability lands;
the service already runs on the shared runtime so the stack, probes, dashboards and clients are in place.
"""

from __future__ import annotations

from dataclasses import dataclass

from loom.forwarding.v1 import forwarding_pb2 as pb
from loom.forwarding.v1 import forwarding_pb2_grpc as pb_grpc
from services.common.config import DataServiceConfig, setting
from services.common.server import Registration, ServiceApp
from services.common.unimplemented import fill_unimplemented

FULL_NAME = pb.DESCRIPTOR.services_by_name["ForwardingService"].full_name


@dataclass(frozen=True, kw_only=True)
class ForwardingConfig(DataServiceConfig):
    """Settings of the forwarding service."""

    grpc_port: int = setting(50056, help="gRPC port")
    metrics_port: int = setting(9106, help="/metrics port")
    db_url: str = setting("sqlite+aiosqlite:///.loom/data/forwarding.db", help="database URL")


class ForwardingServicer(pb_grpc.ForwardingServiceServicer):
    """Every RPC of the v1 contract; implementations arrive with forwarding to destinations (issue #6)."""


fill_unimplemented(
    ForwardingServicer,
    pb.DESCRIPTOR.services_by_name["ForwardingService"],
    {"*": "forwarding to destinations (issue #6)"},
)


async def build(config: ForwardingConfig) -> ServiceApp:
    """The forwarding service app."""
    registration = Registration(pb_grpc.add_ForwardingServiceServicer_to_server, ForwardingServicer(), FULL_NAME)
    return ServiceApp(name="forwarding", registrations=[registration])
