"""Privacy workflows: data-subject access and erasure requests across every Loom store.

The worker serves ``TASK_QUEUE`` with ``WORKFLOWS`` and ``make_activities(config)``; the consent service starts
``DataSubjectRequest`` workflows (id ``dsr-<request_id>``) on that queue.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from workflows.privacy.types import TASK_QUEUE
from workflows.privacy.workflows import DataSubjectRequestWorkflow

__all__ = ["TASK_QUEUE", "WORKFLOWS", "make_activities"]

WORKFLOWS: list[type] = [DataSubjectRequestWorkflow]

# Where each service listens when the worker config names no address (the local stack's ports).
DEFAULT_ADDRS = {"ingestion": "127.0.0.1:50051", "identity": "127.0.0.1:50052", "consent": "127.0.0.1:50053",
                 "prediction": "127.0.0.1:50054", "creative": "127.0.0.1:50055", "forwarding": "127.0.0.1:50056"}


def make_activities(config: Any) -> list[Callable[..., Any]]:
    """The privacy activities wired to the services named by ``config`` (``<svc>_addr``, ``service_token``,
    ``export_dir``; missing fields fall back to the local stack's defaults)."""
    from loom.consent.v1 import consent_pb2, consent_pb2_grpc
    from loom.creative.v1 import creative_pb2, creative_pb2_grpc
    from loom.forwarding.v1 import forwarding_pb2, forwarding_pb2_grpc
    from loom.identity.v1 import identity_pb2, identity_pb2_grpc
    from loom.ingestion.v1 import ingestion_pb2, ingestion_pb2_grpc
    from loom.prediction.v1 import prediction_pb2, prediction_pb2_grpc
    from services.common.client import channel
    from workflows.privacy.activities import PrivacyActivities, StoreApi

    token = getattr(config, "service_token", "")

    def ch(name: str) -> Any:
        return channel(getattr(config, f"{name}_addr", DEFAULT_ADDRS[name]), token)

    consent = consent_pb2_grpc.ConsentServiceStub(ch("consent"))
    identity = identity_pb2_grpc.IdentityServiceStub(ch("identity"))
    stores = {
        "identity": StoreApi(identity, "ErasePerson", identity_pb2.ErasePersonRequest, "ExportPerson",
                             identity_pb2.ExportPersonRequest),
        "ingestion": StoreApi(ingestion_pb2_grpc.IngestionServiceStub(ch("ingestion")), "ErasePerson",
                              ingestion_pb2.ErasePersonRequest, "ExportPerson", ingestion_pb2.ExportPersonRequest),
        "forwarding": StoreApi(forwarding_pb2_grpc.ForwardingServiceStub(ch("forwarding")), "ErasePerson",
                               forwarding_pb2.ErasePersonRequest, "ExportPerson", forwarding_pb2.ExportPersonRequest),
        "prediction": StoreApi(prediction_pb2_grpc.PredictionServiceStub(ch("prediction")), "ErasePerson",
                               prediction_pb2.ErasePersonRequest, "ExportPerson", prediction_pb2.ExportPersonRequest),
        "creative": StoreApi(creative_pb2_grpc.CreativeServiceStub(ch("creative")), "ErasePersonalisations",
                             creative_pb2.ErasePersonalisationsRequest, "ExportPersonalisations",
                             creative_pb2.ExportPersonalisationsRequest),
        "consent": StoreApi(consent, "ErasePerson", consent_pb2.ErasePersonRequest, "ExportPerson",
                            consent_pb2.ExportPersonRequest),
    }
    export_dir = Path(getattr(config, "export_dir", Path(getattr(config, "home", ".loom")) / "exports"))
    return PrivacyActivities(stores, identity, consent, export_dir).activities()
