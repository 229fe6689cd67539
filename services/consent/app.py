"""Assembles the consent service.

Its RPCs answer UNIMPLEMENTED, naming the capability that brings them, until that capability lands;
the service already runs on the shared runtime so the stack, probes, dashboards and clients are in place.
"""

from __future__ import annotations

from dataclasses import dataclass

from loom.consent.v1 import consent_pb2 as pb
from loom.consent.v1 import consent_pb2_grpc as pb_grpc
from services.common.config import DataServiceConfig, setting
from services.common.server import Registration, ServiceApp
from services.common.unimplemented import fill_unimplemented

FULL_NAME = pb.DESCRIPTOR.services_by_name["ConsentService"].full_name


@dataclass(frozen=True, kw_only=True)
class ConsentConfig(DataServiceConfig):
    """Settings of the consent service."""

    grpc_port: int = setting(50053, help="gRPC port")
    metrics_port: int = setting(9103, help="/metrics port")
    db_url: str = setting("sqlite+aiosqlite:///.loom/data/consent.db", help="database URL")


class ConsentServicer(pb_grpc.ConsentServiceServicer):
    """Every RPC of the v1 contract; implementations arrive with consent, governance and privacy requests (issue #5)."""


fill_unimplemented(
    ConsentServicer,
    pb.DESCRIPTOR.services_by_name["ConsentService"],
    {"*": "consent, governance and privacy requests (issue #5)"},
)


async def build(config: ConsentConfig) -> ServiceApp:
    """The consent service app."""
    registration = Registration(pb_grpc.add_ConsentServiceServicer_to_server, ConsentServicer(), FULL_NAME)
    return ServiceApp(name="consent", registrations=[registration])
