"""The registry on SQLite/PostgreSQL, the bus trigger (signal-with-start) and the chunked broadcast cohort."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from temporalio import activity
from temporalio.client import WorkflowExecutionStatus
from temporalio.testing import WorkflowEnvironment

from loom.ingestion.v1 import ingestion_pb2 as pb
from services.common.bus import EventBus, Outgoing
from services.common.errors import FailedPrecondition, InvalidArgument
from services.common.storage import Database
from workflows.journeys.cohort import CohortActivities
from workflows.journeys.registry import JourneyRegistry, load_spec_file, migrate_journeys
from workflows.journeys.testing import FakeJourneyServices
from workflows.journeys.trigger import JourneyTrigger, start_trigger, workflow_id
from workflows.journeys.types import CohortInput, CohortResult, JourneyOutcome, SnapshotRequest

pytestmark = pytest.mark.integration
EXAMPLES = Path(__file__).resolve().parents[2] / "workflows" / "journeys" / "examples"
SPEC = {"id": "welcome", "entry": {"event": "Signed Up"}, "goal": {"event": "Order Completed", "within": "2d"},
        "steps": [{"id": "hello", "type": "send", "channel": "email", "touchpoint": "email_hero"}]}


@pytest.fixture
async def registry(db_url: str) -> AsyncIterator[JourneyRegistry]:
    db = Database.from_url(db_url)
    await migrate_journeys(db)
    await migrate_journeys(db)  # idempotent
    try:
        yield JourneyRegistry(db)
    finally:
        await db.dispose()


async def test_apply_versions_and_lifecycle(registry: JourneyRegistry) -> None:
    first = await registry.apply(SPEC)
    again = await registry.apply(SPEC)
    changed = await registry.apply({**SPEC, "name": "Welcome v2"})
    assert (first.version, first.created, again.version, again.created, changed.version) == (1, True, 1, False, 2)
    record, spec = await registry.get("welcome", version=1)
    assert record.current_version == 2 and spec == SPEC
    with pytest.raises(InvalidArgument) as bad:
        await registry.apply({"id": "x", "entry": {"event": "E"}, "steps": [{"id": "a", "type": "wait"}]})
    assert [v.field for v in bad.value.violations] == ["steps[0].duration"]
    await registry.set_state("welcome", "paused")
    assert await registry.active_specs() == []
    await registry.set_state("welcome", "archived")
    with pytest.raises(FailedPrecondition):
        await registry.set_state("welcome", "active")


def _event(user: str, name: str, message_id: str) -> Outgoing:
    event = pb.Event(message_id=message_id, type=pb.EVENT_TYPE_TRACK, event=name, user_id=user)
    return Outgoing("loom.events.00.track", pb.EventBatch(events=[event]).SerializeToString(), msg_id=message_id)


async def test_bus_events_signal_with_start_and_redelivery_is_harmless(
        temporal_time_skipping_env: WorkflowEnvironment, task_queue: str, bus: EventBus, tmp_path: Path) -> None:
    env = temporal_time_skipping_env
    db = Database.from_url(f"sqlite+aiosqlite:///{tmp_path / 'j.db'}")
    await migrate_journeys(db)
    registry = JourneyRegistry(db)
    await registry.apply(SPEC)
    fakes = FakeJourneyServices(registry)
    for user in ("a", "b"):
        fakes.add_customer(user)
    trigger = JourneyTrigger(env.client, registry, task_queue=task_queue)
    stop = await start_trigger(bus, trigger, durable="journeys-test")
    try:
        async with fakes.worker(env.client, task_queue):
            await bus.publish_many([_event("a", "Signed Up", "m1"), _event("b", "Signed Up", "m2"),
                                    _event("a", "Signed Up", "m3"), _event("c", "Order Completed", "m4")])
            for _ in range(200):
                if len(fakes.delivered()) == 2:
                    break
                await asyncio.sleep(0.05)
            handle = env.client.get_workflow_handle(workflow_id("welcome", "a"), result_type=JourneyOutcome)
            await bus.publish_many([_event("a", "Order Completed", "m5")])
            outcome = await handle.result()
            # The same entry delivered again (a bus redelivery) is "already started": success, no new run.
            await trigger.route([pb.Event(message_id="m1", type=pb.EVENT_TYPE_TRACK, event="Signed Up", user_id="a")])
            await env.sleep(timedelta(days=3))  # past b's conversion window
            other = await env.client.get_workflow_handle(workflow_id("welcome", "b"), result_type=JourneyOutcome
                                                         ).result()
            status = (await handle.describe()).status
    finally:
        await stop()
        await db.dispose()
    assert outcome.converted and not other.converted and status == WorkflowExecutionStatus.COMPLETED
    assert sorted(r.profile_id for r in fakes.delivered()) == ["p-a", "p-b"]
    counts = await JourneyRegistry(Database.from_url(f"sqlite+aiosqlite:///{tmp_path / 'j.db'}")).outcome_counts(
        "welcome")
    assert sorted(counts) == [("treatment", "", 2, 1)]


async def test_broadcast_sends_once_per_member_in_chunks(
        temporal_time_skipping_env: WorkflowEnvironment, task_queue: str, registry: JourneyRegistry) -> None:
    env = temporal_time_skipping_env
    members = [f"p{i}" for i in range(2_345)]

    @activity.defn(name="journeys.snapshot_cohort")
    async def fake_export(request: SnapshotRequest) -> int:
        """FakeIdentity ExportAudience: freezes a fixed member list into the real cohort table."""
        for start in range(0, len(members), 1000):
            await registry.freeze_cohort(request.cohort_id, members[start:start + 1000], start)
        return await registry.cohort_size(request.cohort_id)

    fakes = FakeJourneyServices()
    cohort = CohortActivities(identity=None, registry=registry, send=fakes.send_message)  # type: ignore[arg-type]
    spec = load_spec_file(EXAMPLES / "weekly-newsletter.yaml")
    async with fakes.worker(env.client, task_queue, extra=[fake_export, cohort.broadcast_chunk]):
        result = await env.client.execute_workflow(
            "BroadcastCohortWorkflow", CohortInput("weekly-newsletter", 1, spec, "c1", "newsletter-subscribers",
                                                   chunk_size=500, global_control_percent=2),
            id="broadcast-c1", task_queue=task_queue, result_type=CohortResult,
            execution_timeout=timedelta(minutes=5))
    assert result.total == len(members) and sum(result.counts.values()) == len(members)
    assert result.counts["queued"] == len(fakes.delivered()) == len(fakes.send_calls)
    assert 0.03 < (result.counts["holdout"] + result.counts["global_control"]) / len(members) < 0.1
