"""Entry by schedule: a journey with ``entry.schedule`` owns one Temporal Schedule that starts its broadcast.

`sync_schedule` creates or updates ``journey-<id>-schedule`` so that it always matches the registry: the
current version's spec in the action's input, the cron in the journey's time zone, paused exactly when the
journey is not active. Calling it again is harmless, so `loom journeys apply|pause|resume` simply re-sync
(a schedule lost or never created because Temporal was down is recreated by the next call). Archiving deletes
the schedule. `start_broadcast` starts one broadcast now (``loom journeys broadcast``).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from prometheus_client import Counter
from temporalio.client import (
    Client,
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleAlreadyRunningError,
    ScheduleOverlapPolicy,
    SchedulePolicy,
    ScheduleSpec,
    ScheduleState,
    ScheduleUpdate,
    ScheduleUpdateInput,
)
from temporalio.service import RPCError, RPCStatusCode

from services.common.errors import FailedPrecondition, InvalidArgument, Violations
from workflows.journeys.spec import JourneySpec, parse_spec
from workflows.journeys.types import TASK_QUEUE, CohortInput

SCHEDULE_CHANGES = Counter("loom_journeys_schedule_changes_total", "Journey schedules created, updated or deleted",
                           ["action"])
BROADCASTS_STARTED = Counter("loom_journeys_broadcasts_started_total", "Broadcasts started on demand", ["journey"])


def schedule_id(journey_id: str) -> str:
    """The deterministic id of a journey's Temporal Schedule."""
    return f"journey-{journey_id}-schedule"


@dataclass
class ScheduleSync:
    """What `sync_schedule` did: ``created``, ``updated``, ``deleted`` or ``absent`` (nothing to delete)."""

    schedule_id: str
    action: str
    paused: bool = False


def _schedule(spec: JourneySpec, version: int, raw: dict[str, Any], *, paused: bool, task_queue: str,
              global_control_percent: float) -> Schedule:
    # cohort_id "" makes every fire use its own workflow id (schedule id + fire time) as the cohort.
    params = CohortInput(spec.id, version, raw, "", spec.entry_audience,
                         global_control_percent=global_control_percent)
    state = "paused" if paused else "active"
    return Schedule(
        action=ScheduleActionStartWorkflow("BroadcastCohortWorkflow", params, id=f"broadcast-{spec.id}",
                                           task_queue=task_queue),
        spec=ScheduleSpec(cron_expressions=[spec.entry_schedule], time_zone_name=spec.default_timezone),
        # A broadcast still sending when the next fire comes is not doubled up: that fire is skipped.
        policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP),
        state=ScheduleState(paused=paused, note=f"journey {spec.id} v{version} is {state}"),
    )


def _invalid_schedule(spec: JourneySpec, exc: RPCError) -> InvalidArgument:
    v = Violations()
    v.add("entry.schedule", f"Temporal refused the schedule {spec.entry_schedule!r}: {exc.message}")
    return InvalidArgument(v.items)


async def sync_schedule(client: Client, version: int, raw: dict[str, Any], *, state: str = "active",
                        task_queue: str = TASK_QUEUE, global_control_percent: float = 0.0) -> ScheduleSync:
    """Creates or updates the schedule of a scheduled journey (``state`` is the registry state).

    An archived journey's schedule is deleted. Raises InvalidArgument when the spec has no schedule or
    Temporal rejects the cron expression.
    """
    spec = parse_spec(raw)
    if not spec.entry_schedule:
        raise InvalidArgument([], f"journey {spec.id!r} has no entry.schedule")
    sid = schedule_id(spec.id)
    if state == "archived":
        return await delete_schedule(client, spec.id)
    paused = state != "active"
    schedule = _schedule(spec, version, raw, paused=paused, task_queue=task_queue,
                         global_control_percent=global_control_percent)
    try:
        await client.create_schedule(sid, schedule)
        SCHEDULE_CHANGES.labels("created").inc()
        return ScheduleSync(sid, "created", paused)
    except ScheduleAlreadyRunningError:
        pass
    except RPCError as exc:
        if exc.status == RPCStatusCode.INVALID_ARGUMENT:
            raise _invalid_schedule(spec, exc) from exc
        raise

    def replace(_: ScheduleUpdateInput) -> ScheduleUpdate:
        return ScheduleUpdate(schedule=schedule)

    try:
        await client.get_schedule_handle(sid).update(replace)
    except RPCError as exc:
        if exc.status == RPCStatusCode.INVALID_ARGUMENT:
            raise _invalid_schedule(spec, exc) from exc
        raise
    SCHEDULE_CHANGES.labels("updated").inc()
    return ScheduleSync(sid, "updated", paused)


async def delete_schedule(client: Client, journey_id: str) -> ScheduleSync:
    """Deletes a journey's schedule; one that does not exist is already what was asked for."""
    sid = schedule_id(journey_id)
    try:
        await client.get_schedule_handle(sid).delete()
    except RPCError as exc:
        if exc.status != RPCStatusCode.NOT_FOUND:
            raise
        return ScheduleSync(sid, "absent")
    SCHEDULE_CHANGES.labels("deleted").inc()
    return ScheduleSync(sid, "deleted")


async def start_broadcast(client: Client, version: int, raw: dict[str, Any], *, state: str = "active",
                          task_queue: str = TASK_QUEUE, global_control_percent: float = 0.0,
                          now: datetime | None = None) -> str:
    """Starts one broadcast of a journey's version now; returns the workflow id (which is also the cohort id).

    Only an active broadcast journey can be sent (FailedPrecondition otherwise): a paused journey must not
    message anyone, and a per-customer journey has no single send to broadcast.
    """
    spec = parse_spec(raw)
    if spec.mode != "broadcast":
        raise FailedPrecondition(f"journey {spec.id!r} is per-customer; only mode: broadcast journeys broadcast")
    if state != "active":
        raise FailedPrecondition(f"journey {spec.id!r} is {state}; resume it before broadcasting")
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    wid = f"broadcast-{spec.id}-manual-{stamp}-{uuid.uuid4().hex[:6]}"
    await client.start_workflow("BroadcastCohortWorkflow",
                                CohortInput(spec.id, version, raw, wid, spec.entry_audience,
                                            global_control_percent=global_control_percent),
                                id=wid, task_queue=task_queue)
    BROADCASTS_STARTED.labels(spec.id).inc()
    return wid
