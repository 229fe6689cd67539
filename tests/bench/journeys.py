"""Journey throughput on one Temporal dev server in one run: a 3-step journey vs an empty workflow (the
ceiling), and a chunked broadcast to a synthetic audience.

Next to the rates it reports where a workflow's cost goes: CPU of this process (worker and client) per
workflow, and the history events and bytes of one run of each kind (a journey's service calls are local
activities, so they add marker events, not workflow tasks).

Service calls are the in-process fakes of `workflows.journeys.testing` (FakeJourneyServices), so the numbers
measure Temporal plus the journey interpreter, not identity/forwarding. The broadcast freezes its audience
into a real SQLite cohort table and sends through the real chunk activity.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

from temporalio import activity, workflow
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

with workflow.unsafe.imports_passed_through():
    from infra.local.procs import venv_bin
    from infra.local.temporal import sqlite_pragma_args
    from services.common.storage import Database
    from workflows.journeys import WORKFLOWS
    from workflows.journeys.cohort import CohortActivities
    from workflows.journeys.registry import JourneyRegistry, migrate_journeys
    from workflows.journeys.testing import FakeJourneyServices
    from workflows.journeys.types import CohortInput, CohortResult, JourneyEvent, JourneyInput, SnapshotRequest

JOURNEYS = int(os.environ.get("LOOM_BENCH_JOURNEYS", "400"))
BROADCAST = int(os.environ.get("LOOM_BENCH_BROADCAST", "1000000"))
THREE_STEPS = {"id": "bench", "entry": {"event": "Signed Up"},
               "steps": [{"id": "tag", "type": "update_trait", "traits": {"benched": True}},
                         {"id": "hello", "type": "send", "channel": "email", "touchpoint": "email_hero"},
                         {"id": "bye", "type": "exit"}]}


@workflow.defn(name="BenchEmpty")
class EmptyWorkflow:
    """The ceiling: a workflow that takes an input and returns."""

    @workflow.run
    async def run(self, params: JourneyInput) -> str:
        """Returns the user id."""
        return params.user_id


async def _completed_per_s(client: Client, task_queue: str, name: str, count: int,
                           profile: dict[str, Any] | None = None) -> float:
    """Starts ``count`` workflows at once and waits for all; completed workflows per second.

    With ``profile``, also records this process's CPU ms per workflow and one run's history size there.
    """
    run = uuid.uuid4().hex[:6]
    cpu, start = time.process_time(), time.perf_counter()
    handles = await asyncio.gather(*(client.start_workflow(
        name, JourneyInput("bench", 1, THREE_STEPS, f"u{i}", JourneyEvent("Signed Up", f"m{i}")),
        id=f"{name}-{run}-{i}", task_queue=task_queue) for i in range(count)))
    await asyncio.gather(*(h.result() for h in handles))
    rate = count / (time.perf_counter() - start)
    if profile is not None:
        history = await handles[0].fetch_history()
        profile.update(worker_cpu_ms_per_workflow=round((time.process_time() - cpu) / count * 1000, 2),
                       history_events=len(history.events),
                       history_bytes=sum(e.ByteSize() for e in history.events))
    return rate


async def _broadcast(client: Client, task_queue: str, fakes: FakeJourneyServices, size: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        db = Database.from_url(f"sqlite+aiosqlite:///{Path(tmp) / 'journeys.db'}")
        await migrate_journeys(db)
        registry = JourneyRegistry(db)

        @activity.defn(name="journeys.snapshot_cohort")
        async def synthetic_export(request: SnapshotRequest) -> int:
            """Stands in for identity's ExportAudience: synthetic members written to the real cohort table."""
            for start in range(0, size, 50_000):
                ids = [f"p{i}" for i in range(start, min(size, start + 50_000))]
                await registry.freeze_cohort(request.cohort_id, ids, start)
            return await registry.cohort_size(request.cohort_id)

        cohort = CohortActivities(identity=None, registry=registry, send=fakes.send_message)  # type: ignore[arg-type]
        spec = {"id": "newsletter", "mode": "broadcast", "entry": {"audience": "all"}, "holdout": {"percent": 5},
                "steps": [{"id": "send", "type": "send", "channel": "email", "touchpoint": "email_hero"}]}
        async with Worker(client, task_queue=f"{task_queue}-b", workflows=WORKFLOWS,
                          activities=[synthetic_export, cohort.broadcast_chunk]):
            start = time.perf_counter()
            result = await client.execute_workflow(
                "BroadcastCohortWorkflow", CohortInput("newsletter", 1, spec, f"c-{uuid.uuid4().hex[:6]}", "all",
                                                       chunk_size=10_000),
                id=f"bench-broadcast-{uuid.uuid4().hex[:6]}", task_queue=f"{task_queue}-b", result_type=CohortResult,
                execution_timeout=timedelta(minutes=30))
            seconds = time.perf_counter() - start
        await db.dispose()
    # Extrapolated linearly from the measured rate: chunks are independent and equal-sized.
    return {"customers": result.total, "seconds": round(seconds, 1), "customers_per_s": round(result.total / seconds),
            "counts": result.counts,
            "extrapolated_1m_seconds": round(1e6 / (result.total / seconds)),
            "extrapolated_150m_minutes_one_worker": round(150e6 / (result.total / seconds) / 60)}


async def run() -> dict[str, Any]:
    """Runs the journey and broadcast benchmarks against a fresh local dev server."""
    env = await WorkflowEnvironment.start_local(dev_server_existing_path=str(venv_bin("temporal")),
                                                dev_server_extra_args=sqlite_pragma_args())
    try:
        fakes = FakeJourneyServices()
        for i in range(JOURNEYS):
            fakes.add_customer(f"u{i}")
        queue = f"bench-{uuid.uuid4().hex[:6]}"
        async with Worker(env.client, task_queue=queue, workflows=[*WORKFLOWS, EmptyWorkflow],
                          activities=fakes.activities(), max_concurrent_workflow_tasks=200):
            await _completed_per_s(env.client, queue, "BenchEmpty", 50)  # warm-up
            empty_profile: dict[str, Any] = {}
            journey_profile: dict[str, Any] = {}
            empty = await _completed_per_s(env.client, queue, "BenchEmpty", JOURNEYS, empty_profile)
            journey = await _completed_per_s(env.client, queue, "JourneyWorkflow", JOURNEYS, journey_profile)
        broadcast = await _broadcast(env.client, queue, FakeJourneyServices(), BROADCAST)
    finally:
        await env.shutdown()
    return {"journeys": JOURNEYS, "three_step_journeys_per_s": round(journey, 1),
            "empty_workflows_per_s": round(empty, 1), "ratio_to_empty": round(journey / empty, 2),
            "profile": {"journey": journey_profile, "empty": empty_profile}, "broadcast": broadcast}


if __name__ == "__main__":
    import json

    print(json.dumps(asyncio.run(run()), indent=2))
