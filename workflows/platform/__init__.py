"""Platform workflows: the thin end-to-end slice that reads profiles over gRPC."""

from __future__ import annotations

from typing import Any

from workflows.platform.types import TASK_QUEUE
from workflows.platform.workflows import SegmentCustomerWorkflow

WORKFLOWS = [SegmentCustomerWorkflow]


def make_activities(config: Any) -> list[Any]:
    """The activity callables of this queue, bound to clients built from the worker config."""
    from loom.identity.v1 import identity_pb2_grpc
    from services.common.client import channel
    from workflows.platform.activities import ProfileActivities

    identity = identity_pb2_grpc.IdentityServiceStub(channel(config.identity_addr, config.service_token))
    return [ProfileActivities(identity).get_profile]


__all__ = ["TASK_QUEUE", "WORKFLOWS", "make_activities"]
