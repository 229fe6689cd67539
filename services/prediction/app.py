"""Assembles the prediction service.

Its RPCs answer UNIMPLEMENTED, naming the capability that brings them, until that capability lands;
the service already runs on the shared runtime so the stack, probes, dashboards and clients are in place.
"""

from __future__ import annotations

from dataclasses import dataclass

from loom.prediction.v1 import prediction_pb2 as pb
from loom.prediction.v1 import prediction_pb2_grpc as pb_grpc
from services.common.config import DataServiceConfig, setting
from services.common.server import Registration, ServiceApp
from services.common.unimplemented import fill_unimplemented

FULL_NAME = pb.DESCRIPTOR.services_by_name["PredictionService"].full_name


@dataclass(frozen=True, kw_only=True)
class PredictionConfig(DataServiceConfig):
    """Settings of the prediction service."""

    grpc_port: int = setting(50054, help="gRPC port")
    metrics_port: int = setting(9104, help="/metrics port")
    db_url: str = setting("sqlite+aiosqlite:///.loom/data/prediction.db", help="database URL")


class PredictionServicer(pb_grpc.PredictionServiceServicer):
    """Every RPC of the v1 contract; implementations arrive with prediction on Ray Serve (issue #8)."""


fill_unimplemented(
    PredictionServicer, pb.DESCRIPTOR.services_by_name["PredictionService"], {"*": "prediction on Ray Serve (issue #8)"}
)


async def build(config: PredictionConfig) -> ServiceApp:
    """The prediction service app."""
    registration = Registration(pb_grpc.add_PredictionServiceServicer_to_server, PredictionServicer(), FULL_NAME)
    return ServiceApp(name="prediction", registrations=[registration])
