"""Entry by audience: identity's membership changes on real NATS start and end per-customer journeys."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from prometheus_client import REGISTRY
from temporalio.client import WorkflowExecutionStatus
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment

from loom.common.v1 import common_pb2
from loom.identity.v1 import identity_pb2
from services.common.bus import EventBus, Outgoing
from services.common.storage import Database
from workflows.journeys.registry import JourneyRegistry, migrate_journeys
from workflows.journeys.testing import FakeJourneyServices
from workflows.journeys.trigger import JourneyTrigger, start_trigger, workflow_id
from workflows.journeys.types import JourneyOutcome

pytestmark = pytest.mark.integration
SPEC = {"id": "vip-welcome", "entry": {"audience": "vip"}, "exit": {"audiences": ["vip"]},
        "steps": [{"id": "settle", "type": "wait", "duration": "1d"},
                  {"id": "hello", "type": "send", "channel": "email", "touchpoint": "email_hero"}]}


def _change(user: str | None, entered: bool, second: int) -> identity_pb2.AudienceMembershipChange:
    idents = [common_pb2.Identifier(type="email", value=f"{user or 'anon'}@example.com")]
    if user:
        idents.append(common_pb2.Identifier(type="user_id", value=user))
    change = identity_pb2.AudienceMembershipChange(audience_id="vip", profile_id=f"p-{user or 'anon'}",
                                                   entered=entered, revision=1, identifiers=idents)
    change.changed_at.FromDatetime(datetime(2026, 5, 1, 9, 0, second, tzinfo=UTC))
    return change


def _outgoing(change: identity_pb2.AudienceMembershipChange, n: int) -> Outgoing:
    subject = f"loom.audience.vip.{'entered' if change.entered else 'exited'}"
    return Outgoing(subject, change.SerializeToString(), msg_id=f"audience-outbox-{n}")


def _skipped() -> float:
    return REGISTRY.get_sample_value("loom_journeys_trigger_total",
                                     {"journey": "vip-welcome", "action": "no_user_id"}) or 0.0


async def test_audience_entry_starts_journeys_and_audience_exit_ends_them(
        temporal_time_skipping_env: WorkflowEnvironment, task_queue: str, bus: EventBus, tmp_path: Path) -> None:
    env = temporal_time_skipping_env
    db = Database.from_url(f"sqlite+aiosqlite:///{tmp_path / 'j.db'}")
    await migrate_journeys(db)
    registry = JourneyRegistry(db)
    await registry.apply(SPEC)
    fakes = FakeJourneyServices(registry)
    for user in ("stays", "leaves"):
        fakes.add_customer(user)
    trigger = JourneyTrigger(env.client, registry, task_queue=task_queue)
    skipped_before = _skipped()
    stop = await start_trigger(bus, trigger, durable="journeys-audience-test")
    try:
        async with fakes.worker(env.client, task_queue):
            # Enter and exit of "leaves" arrive in one batch: the exit must not overtake the start.
            await bus.publish_many([_outgoing(_change("stays", True, 1), 1), _outgoing(_change("leaves", True, 2), 2),
                                    _outgoing(_change(None, True, 3), 3), _outgoing(_change("leaves", False, 4), 4)])
            for _ in range(200):
                if any(o.user_id == "leaves" for o in fakes.outcomes):
                    break
                await asyncio.sleep(0.05)
            # The same change again (a redelivery, or the customer re-entering) is "already started".
            await trigger.route_audience([_change("stays", True, 1)])
            await env.sleep(timedelta(days=2))  # past the wait (handles from get_workflow_handle do not skip time)
            stays = await env.client.get_workflow_handle(workflow_id("vip-welcome", "stays"),
                                                         result_type=JourneyOutcome).result()
            leaves = await env.client.get_workflow_handle(workflow_id("vip-welcome", "leaves"),
                                                          result_type=JourneyOutcome).result()
            latest = await env.client.get_workflow_handle(workflow_id("vip-welcome", "stays")).describe()
    finally:
        await stop()
        await db.dispose()
    assert (stays.exit_reason, stays.sends) == ("completed", 1)
    assert (leaves.exit_reason, leaves.sends) == ("audience_exit", 0)
    # One run only: the latest run is the one that finished, and it recorded one outcome.
    assert latest.run_id == stays.run_id and latest.status == WorkflowExecutionStatus.COMPLETED
    assert [o.user_id for o in fakes.outcomes].count("stays") == 1
    assert [r.profile_id for r in fakes.delivered()] == ["p-stays"]
    # A profile without a user id cannot be keyed: counted and skipped, no workflow.
    assert _skipped() == skipped_before + 1
    with pytest.raises(RPCError):
        await env.client.get_workflow_handle(workflow_id("vip-welcome", "")).describe()
