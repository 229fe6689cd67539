"""Assembles the creative service.

Its RPCs answer UNIMPLEMENTED, naming the capability that brings them, until that capability lands;
the service already runs on the shared runtime so the stack, probes, dashboards and clients are in place.
"""

from __future__ import annotations

from dataclasses import dataclass

from loom.creative.v1 import creative_pb2 as pb
from loom.creative.v1 import creative_pb2_grpc as pb_grpc
from services.common.config import DataServiceConfig, setting
from services.common.server import Registration, ServiceApp
from services.common.unimplemented import fill_unimplemented

FULL_NAME = pb.DESCRIPTOR.services_by_name["CreativeService"].full_name


@dataclass(frozen=True, kw_only=True)
class CreativeConfig(DataServiceConfig):
    """Settings of the creative service."""

    grpc_port: int = setting(50055, help="gRPC port")
    metrics_port: int = setting(9105, help="/metrics port")
    db_url: str = setting("sqlite+aiosqlite:///.loom/data/creative.db", help="database URL")


class CreativeServicer(pb_grpc.CreativeServiceServicer):
    """Every RPC of the v1 contract; implementations arrive with the creative factory (issue #9)."""


fill_unimplemented(
    CreativeServicer, pb.DESCRIPTOR.services_by_name["CreativeService"], {"*": "the creative factory (issue #9)"}
)


async def build(config: CreativeConfig) -> ServiceApp:
    """The creative service app."""
    registration = Registration(pb_grpc.add_CreativeServiceServicer_to_server, CreativeServicer(), FULL_NAME)
    return ServiceApp(name="creative", registrations=[registration])
