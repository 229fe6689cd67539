"""Campaign journeys on Temporal: specs, the generic JourneyWorkflow, broadcast cohorts and the trigger.

The worker wiring: ``Worker(client, task_queue=TASK_QUEUE, workflows=WORKFLOWS, activities=make_activities(config))``.
"""

from __future__ import annotations

from typing import Any, Protocol

from workflows.journeys.cohort import BroadcastCohortWorkflow
from workflows.journeys.types import TASK_QUEUE
from workflows.journeys.workflow import JourneyWorkflow

WORKFLOWS: list[type] = [JourneyWorkflow, BroadcastCohortWorkflow]


class JourneyWorkerConfig(Protocol):
    """The settings `activities` reads (workflows.worker.WorkerConfig grows these fields)."""

    identity_addr: str
    consent_addr: str
    prediction_addr: str
    creative_addr: str
    forwarding_addr: str
    service_token: str
    db_url: str


def make_activities(config: JourneyWorkerConfig) -> list[Any]:
    """Every journey activity, bound to gRPC channels and the journeys database named in ``config``.

    The database is opened here and lives as long as the worker process; its tables are migrated by
    `workflows.journeys.registry.migrate_journeys` (or ``python -m services.common.migrate journeys``).
    """
    from loom.consent.v1 import consent_pb2_grpc
    from loom.creative.v1 import creative_pb2_grpc
    from loom.forwarding.v1 import forwarding_pb2_grpc
    from loom.identity.v1 import identity_pb2_grpc
    from loom.prediction.v1 import prediction_pb2_grpc
    from services.common.client import channel
    from services.common.storage import Database
    from workflows.journeys.activities import JourneyActivities
    from workflows.journeys.cohort import CohortActivities
    from workflows.journeys.registry import JourneyRegistry

    token = config.service_token
    identity = identity_pb2_grpc.IdentityServiceStub(channel(config.identity_addr, token))
    registry = JourneyRegistry(Database.from_url(config.db_url, application_name="loom-journeys"))
    journey = JourneyActivities(
        identity=identity,
        consent=consent_pb2_grpc.ConsentServiceStub(channel(config.consent_addr, token)),
        prediction=prediction_pb2_grpc.PredictionServiceStub(channel(config.prediction_addr, token)),
        creative=creative_pb2_grpc.CreativeServiceStub(channel(config.creative_addr, token)),
        forwarding=forwarding_pb2_grpc.ForwardingServiceStub(channel(config.forwarding_addr, token)),
        registry=registry,
    )
    cohort = CohortActivities(identity=identity, registry=registry, send=journey.send_message)
    return journey.all() + cohort.all()


__all__ = ["TASK_QUEUE", "WORKFLOWS", "BroadcastCohortWorkflow", "JourneyWorkflow", "make_activities"]
