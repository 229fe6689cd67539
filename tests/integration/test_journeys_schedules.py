"""Entry by schedule on the Temporal dev server: apply creates/updates the Schedule, pause/resume/archive
follow the registry, a fire broadcasts to its own cohort, and ``loom journeys broadcast`` starts one now."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path
from typing import Any

import pytest
from temporalio import activity
from temporalio.client import Client, ScheduleActionExecutionStartWorkflow, ScheduleActionStartWorkflow
from temporalio.service import RPCError, RPCStatusCode
from temporalio.testing import WorkflowEnvironment
from typer.testing import CliRunner

from services.cli.journeys import app
from services.common.errors import FailedPrecondition, InvalidArgument
from services.common.storage import Database
from workflows.journeys.cohort import CohortActivities
from workflows.journeys.registry import JourneyRegistry, load_spec_file, migrate_journeys
from workflows.journeys.schedules import schedule_id, start_broadcast, sync_schedule
from workflows.journeys.testing import FakeJourneyServices
from workflows.journeys.types import CohortResult, SnapshotRequest

pytestmark = pytest.mark.integration
EXAMPLE = Path(__file__).resolve().parents[2] / "workflows" / "journeys" / "examples" / "weekly-newsletter.yaml"


def _spec(**changes: Any) -> dict[str, Any]:
    """The weekly newsletter example under an id unique to the test (schedules live in the shared server)."""
    return {**load_spec_file(EXAMPLE), "id": f"news-{uuid.uuid4().hex[:8]}", **changes}


async def _described(client: Client, journey_id: str) -> tuple[bool, Any, Any]:
    """(paused, the schedule's spec, action input) of a journey's schedule."""
    desc = await client.get_schedule_handle(schedule_id(journey_id)).describe()
    action = desc.schedule.action
    assert isinstance(action, ScheduleActionStartWorkflow)
    (arg,) = await client.data_converter.decode(action.args)  # type: ignore[arg-type]
    return desc.schedule.state.paused, desc.schedule.spec, arg


async def test_schedule_follows_apply_pause_resume_and_archive(temporal_env: WorkflowEnvironment) -> None:
    client = temporal_env.client
    raw = _spec()
    created = await sync_schedule(client, 1, raw)
    paused, spec, arg = await _described(client, raw["id"])
    assert (created.action, paused, arg["version"], arg["audience_id"], arg["cohort_id"]) == (
        "created", False, 1, "newsletter-subscribers", "")
    # The server stores the cron as a calendar: Mondays at 09:00 in the journey's zone.
    (calendar,) = spec.calendars
    assert (calendar.hour[0].start, calendar.minute[0].start, calendar.day_of_week[0].start) == (9, 0, 1)
    assert spec.time_zone_name == "UTC"
    changed = {**raw, "entry": {"audience": "newsletter-subscribers", "schedule": "30 7 * * FRI"}}
    updated = await sync_schedule(client, 2, changed)
    paused, spec, arg = await _described(client, raw["id"])
    assert (updated.action, arg["version"], arg["spec"]["entry"]["schedule"]) == ("updated", 2, "30 7 * * FRI")
    assert (spec.calendars[0].hour[0].start, spec.calendars[0].day_of_week[0].start) == (7, 5)
    assert (await sync_schedule(client, 2, changed, state="paused")).paused
    assert (await _described(client, raw["id"]))[0] is True
    await sync_schedule(client, 2, changed, state="active")
    assert (await _described(client, raw["id"]))[0] is False
    assert (await sync_schedule(client, 2, changed, state="archived")).action == "deleted"
    with pytest.raises(RPCError) as gone:
        await client.get_schedule_handle(schedule_id(raw["id"])).describe()
    assert gone.value.status == RPCStatusCode.NOT_FOUND
    assert (await sync_schedule(client, 2, changed, state="archived")).action == "absent"


async def test_invalid_cron_and_unscheduled_journeys_are_refused(temporal_env: WorkflowEnvironment) -> None:
    with pytest.raises(InvalidArgument) as bad:
        await sync_schedule(temporal_env.client, 1, _spec(entry={"audience": "all", "schedule": "0 99 * * *"}))
    assert [v.field for v in bad.value.violations] == ["entry.schedule"]
    with pytest.raises(InvalidArgument, match="no entry.schedule"):
        await sync_schedule(temporal_env.client, 1, _spec(entry={"audience": "all"}))


async def test_fires_and_manual_broadcasts_each_send_to_their_own_cohort(
        temporal_env: WorkflowEnvironment, task_queue: str, tmp_path: Path) -> None:
    client = temporal_env.client
    db = Database.from_url(f"sqlite+aiosqlite:///{tmp_path / 'j.db'}")
    await migrate_journeys(db)
    registry = JourneyRegistry(db)
    members = [f"p{i}" for i in range(300)]

    @activity.defn(name="journeys.snapshot_cohort")
    async def fake_export(request: SnapshotRequest) -> int:
        """FakeIdentity ExportAudience: freezes a fixed member list into the real cohort table."""
        await registry.freeze_cohort(request.cohort_id, members, 0)
        return await registry.cohort_size(request.cohort_id)

    fakes = FakeJourneyServices()
    cohort = CohortActivities(identity=None, registry=registry, send=fakes.send_message)  # type: ignore[arg-type]
    raw = _spec(holdout={"percent": 0})
    with pytest.raises(FailedPrecondition, match="resume it"):
        await start_broadcast(client, 1, raw, state="paused", task_queue=task_queue)
    with pytest.raises(FailedPrecondition, match="per-customer"):
        await start_broadcast(client, 1, {"id": "pc", "entry": {"event": "E"}, "steps": raw["steps"]},
                              task_queue=task_queue)
    try:
        async with fakes.worker(client, task_queue, extra=[fake_export, cohort.broadcast_chunk]):
            await sync_schedule(client, 1, raw, task_queue=task_queue)
            handle = client.get_schedule_handle(schedule_id(raw["id"]))
            await handle.trigger()
            fired: list[str] = []
            for _ in range(100):
                fired = [a.action.workflow_id for a in (await handle.describe()).info.recent_actions
                         if isinstance(a.action, ScheduleActionExecutionStartWorkflow)]
                if fired:
                    break
                await asyncio.sleep(0.1)
            scheduled = await client.get_workflow_handle(fired[0], result_type=CohortResult).result()
            manual_id = await start_broadcast(client, 1, raw, task_queue=task_queue)
            manual = await client.get_workflow_handle(manual_id, result_type=CohortResult).result()
            await handle.delete()
    finally:
        await db.dispose()
    assert scheduled.cohort_id == fired[0] and manual.cohort_id == manual_id != fired[0]
    assert scheduled.counts == manual.counts == {"queued": 300}
    # Each broadcast sends once per member under its own cohort's idempotency keys.
    assert len(fakes.deliveries) == 600 == len(fakes.send_calls)


def test_cli_apply_pause_broadcast_archive(temporal_env: WorkflowEnvironment, tmp_path: Path) -> None:
    address = temporal_env.client.service_client.config.target_host
    spec_file = tmp_path / "news.yaml"
    raw = _spec()
    spec_file.write_text(EXAMPLE.read_text().replace("id: weekly-newsletter", f"id: {raw['id']}"))
    common = ["--db-url", f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}", "--temporal", address]
    runner = CliRunner()
    applied = runner.invoke(app, ["apply", str(spec_file), *common])
    paused = runner.invoke(app, ["pause", raw["id"], *common])
    refused = runner.invoke(app, ["broadcast", raw["id"], *common])
    archived = runner.invoke(app, ["archive", raw["id"], *common])
    other = tmp_path / "other.yaml"
    other.write_text(spec_file.read_text().replace(f"id: {raw['id']}", "id: unreachable-news"))
    unreachable = runner.invoke(app, ["apply", str(other), common[0], common[1], "--temporal", "127.0.0.1:1"])
    assert applied.exit_code == 0 and f"schedule {schedule_id(raw['id'])} created" in applied.output
    assert paused.exit_code == 0 and "updated (paused)" in paused.output
    assert refused.exit_code == 1 and "resume it before broadcasting" in refused.output
    assert archived.exit_code == 0 and "deleted" in archived.output
    assert unreachable.exit_code == 1 and "cannot reach Temporal at 127.0.0.1:1" in unreachable.output
