"""Campaign journeys on Temporal: specs, the generic JourneyWorkflow, broadcast cohorts and the trigger.

The worker wiring: ``Worker(client, task_queue=TASK_QUEUE, workflows=WORKFLOWS, activities=make_activities(config))``.
"""

from __future__ import annotations

from typing import Any, Protocol

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from workflows.journeys.types import TASK_QUEUE

# The workflow classes are imported on first use, not here: the sandbox re-executes this package for every
# workflow run it starts, and eagerly importing both workflow modules made each JourneyWorkflow run load
# (and, without a bytecode cache, compile) the cohort module too. See `__getattr__`.
_LAZY = ("WORKFLOWS", "JourneyWorkflow", "BroadcastCohortWorkflow")


def __getattr__(name: str) -> Any:
    """``WORKFLOWS``, ``JourneyWorkflow`` and ``BroadcastCohortWorkflow``, imported when first asked for."""
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from workflows.journeys.cohort import BroadcastCohortWorkflow
    from workflows.journeys.workflow import JourneyWorkflow

    values = {"WORKFLOWS": [JourneyWorkflow, BroadcastCohortWorkflow], "JourneyWorkflow": JourneyWorkflow,
              "BroadcastCohortWorkflow": BroadcastCohortWorkflow}
    globals().update(values)
    return values[name]


class JourneyWorkerConfig(Protocol):
    """The settings `make_activities` reads (workflows.worker.WorkerConfig has them, read-only)."""

    @property
    def identity_addr(self) -> str: ...
    @property
    def consent_addr(self) -> str: ...
    @property
    def prediction_addr(self) -> str: ...
    @property
    def creative_addr(self) -> str: ...
    @property
    def forwarding_addr(self) -> str: ...
    @property
    def service_token(self) -> str: ...
    @property
    def db_url(self) -> str: ...


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
