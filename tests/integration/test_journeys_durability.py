"""Versioning, worker crashes and replay of saved histories for JourneyWorkflow."""

from __future__ import annotations

import asyncio
import json
import os
from datetime import timedelta
from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Replayer

from workflows.journeys import WORKFLOWS
from workflows.journeys.testing import FakeJourneyServices, start_journey

pytestmark = pytest.mark.integration
HISTORIES = Path(__file__).resolve().parents[1] / "journeys" / "histories"


def _spec(touchpoint: str) -> dict:
    return {"id": "durable", "entry": {"event": "Signed Up"}, "goal": {"event": "Order Completed", "within": "3d"},
            "steps": [{"id": "hello", "type": "send", "channel": "email", "touchpoint": touchpoint},
                      {"id": "pause", "type": "wait", "duration": "1d"},
                      {"id": "again", "type": "send", "channel": "push", "touchpoint": touchpoint}]}


async def test_in_flight_customer_finishes_on_the_version_it_entered(
        temporal_time_skipping_env: WorkflowEnvironment, task_queue: str) -> None:
    env = temporal_time_skipping_env
    fakes = FakeJourneyServices()
    fakes.add_customer("early")
    fakes.add_customer("late")
    async with fakes.worker(env.client, task_queue):
        early = await start_journey(env.client, _spec("v1_hero"), "early", task_queue, version=1)
        await env.sleep(timedelta(hours=1))
        late = await start_journey(env.client, _spec("v2_hero"), "late", task_queue, version=2)
        first, second = await early.result(), await late.result()
    assert {r.touchpoint for r in fakes.delivered("early")} == {"v1_hero"} and first.version == 1
    assert {r.touchpoint for r in fakes.delivered("late")} == {"v2_hero"} and second.version == 2


async def test_worker_killed_mid_journey_resumes_without_a_duplicate_send(
        temporal_time_skipping_env: WorkflowEnvironment, task_queue: str) -> None:
    env = temporal_time_skipping_env
    fakes = FakeJourneyServices()
    fakes.add_customer("u1")
    # The first send reaches forwarding but its answer is lost, as when a worker dies mid-call.
    fakes.lose_result_once.add("hello")
    # No workflow cache: the dead worker's sticky queue would otherwise hold the next task until it times out.
    async with fakes.worker(env.client, task_queue, max_cached_workflows=0):
        handle = await start_journey(env.client, _spec("hero"), "u1", task_queue)
        for _ in range(200):
            if len(fakes.send_calls) >= 2:  # the lost attempt and its retry
                break
            await asyncio.sleep(0.05)
        await asyncio.sleep(1)  # lets the workflow task that records the send complete
    # Worker gone while the customer waits out the day; a fresh worker (empty cache) replays and continues.
    async with fakes.worker(env.client, task_queue):
        outcome = await handle.result()
        history = await handle.fetch_history()
    assert [r.step_id for r in fakes.send_calls] == ["hello", "hello", "again"]
    assert [r.step_id for r in fakes.delivered("u1")] == ["hello", "again"] and outcome.sends == 2
    if os.environ.get("LOOM_SAVE_JOURNEY_HISTORIES"):
        (HISTORIES / "send-wait-send.json").write_text(json.dumps(history.to_json_dict(), indent=1))


@pytest.mark.parametrize("name", sorted(p.name for p in HISTORIES.glob("*.json")))
async def test_saved_histories_replay_deterministically(name: str) -> None:
    history = WorkflowHistory.from_json("saved", (HISTORIES / name).read_text())
    result = await Replayer(workflows=WORKFLOWS).replay_workflow(history, raise_on_replay_failure=False)
    assert result.replay_failure is None, f"{name}: {result.replay_failure}"
