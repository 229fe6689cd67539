"""JourneyWorkflow in simulated time: every step type, goals, holdouts and the shipped example journeys."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from temporalio.testing import WorkflowEnvironment

from workflows.journeys.registry import load_spec_file
from workflows.journeys.rules import measurement_group
from workflows.journeys.testing import FakeJourneyServices, start_journey
from workflows.journeys.types import JourneyEvent

pytestmark = pytest.mark.integration
EXAMPLES = Path(__file__).resolve().parents[2] / "workflows" / "journeys" / "examples"


def _treated_user(journey_id: str, percent: float = 10.0) -> str:
    return next(f"u{i}" for i in range(1000) if measurement_group(f"u{i}", journey_id, percent, 0) == "treatment")


def _held_out_user(journey_id: str, percent: float = 10.0) -> str:
    return next(f"u{i}" for i in range(1000) if measurement_group(f"u{i}", journey_id, percent, 0) == "holdout")


async def test_card_nudge_buyer_on_day_2_exits_before_the_day_3_reminder(
        temporal_time_skipping_env: WorkflowEnvironment, task_queue: str) -> None:
    env = temporal_time_skipping_env
    spec = load_spec_file(EXAMPLES / "card-signup-nudge.yaml")
    user = _treated_user("card-signup-nudge")
    fakes = FakeJourneyServices()
    fakes.add_customer(user, predictive={"propensity_card": 0.8}, timezone="America/New_York")
    fakes.consent[(user, "marketing_email")] = True
    async with fakes.worker(env.client, task_queue):
        handle = await start_journey(env.client, spec, user, task_queue)
        await env.sleep(timedelta(days=2))
        await handle.signal("event", JourneyEvent("Card Activated", "buy-1"))
        outcome = await handle.result()
    assert [r.step_id for r in fakes.delivered(user)] == ["offer"]
    assert outcome.converted and outcome.exit_reason == "goal" and outcome.group == "treatment"


async def test_card_nudge_non_buyer_gets_the_reminder_and_low_propensity_gets_nothing(
        temporal_time_skipping_env: WorkflowEnvironment, task_queue: str) -> None:
    env = temporal_time_skipping_env
    spec = load_spec_file(EXAMPLES / "card-signup-nudge.yaml")
    keen, unlikely = _treated_user("card-signup-nudge"), "u-low"
    assert measurement_group(unlikely, "card-signup-nudge", 10, 0) == "treatment"
    fakes = FakeJourneyServices()
    fakes.add_customer(keen, predictive={"propensity_card": 0.8})
    fakes.add_customer(unlikely, predictive={"propensity_card": 0.1})
    fakes.consent[(keen, "marketing_email")] = True
    fakes.consent[(unlikely, "marketing_email")] = True
    async with fakes.worker(env.client, task_queue):
        first = await start_journey(env.client, spec, keen, task_queue)
        second = await start_journey(env.client, spec, unlikely, task_queue)
        kept, dropped = await first.result(), await second.result()
    assert [r.step_id for r in fakes.delivered(keen)] == ["offer", "reminder"]
    assert fakes.delivered(unlikely) == [] and dropped.sends == 0
    assert kept.sends == 2 and not kept.converted and kept.exit_reason == "completed"


async def test_holdout_customer_is_never_messaged_but_conversion_is_measured(
        temporal_time_skipping_env: WorkflowEnvironment, task_queue: str) -> None:
    env = temporal_time_skipping_env
    spec = load_spec_file(EXAMPLES / "card-signup-nudge.yaml")
    user = _held_out_user("card-signup-nudge")
    fakes = FakeJourneyServices()
    fakes.add_customer(user, predictive={"propensity_card": 0.9})
    fakes.consent[(user, "marketing_email")] = True
    async with fakes.worker(env.client, task_queue):
        handle = await start_journey(env.client, spec, user, task_queue)
        await env.sleep(timedelta(days=5))
        await handle.signal("event", JourneyEvent("Card Activated", "buy-1"))
        outcome = await handle.result()
    assert outcome.group == "holdout" and outcome.converted and fakes.send_calls == []


async def test_every_wait_split_event_and_trait_step(
        temporal_time_skipping_env: WorkflowEnvironment, task_queue: str) -> None:
    env = temporal_time_skipping_env
    spec = load_spec_file(EXAMPLES / "replenishment-reminder.yaml")
    spec["holdout"] = {"percent": 0}
    fakes = FakeJourneyServices()
    # One customer has a prediction and buys after the reminder; two never buy and get the A/B/n nudge.
    fakes.add_customer("buyer")
    fakes.add_customer("idle-a")
    fakes.add_customer("idle-b")
    async with fakes.worker(env.client, task_queue):
        now = await env.get_current_time()
        fakes.predicted["p-buyer"] = now + timedelta(days=10)
        buyer = await start_journey(env.client, spec, "buyer", task_queue)
        idle = [await start_journey(env.client, spec, u, task_queue) for u in ("idle-a", "idle-b")]
        await env.sleep(timedelta(days=9, hours=12))
        await buyer.signal("event", JourneyEvent("Order Completed", "order-2"))
        bought = await buyer.result()
        idles = [await h.result() for h in idle]
    remind = fakes.delivered("buyer")[0]
    assert [r.step_id for r in fakes.delivered("buyer")] == ["remind"]
    # The reminder went out a day before the predicted purchase; the goal then ended the journey.
    assert bought.converted and bought.exit_reason == "goal"
    assert remind.idempotency_key.endswith("-remind")
    for outcome, user in zip(idles, ("idle-a", "idle-b"), strict=True):
        steps = [r.step_id for r in fakes.delivered(user)]
        assert steps[0] == "remind" and steps[1] in ("nudge-push", "nudge-sms")
        assert outcome.variant == {"nudge-push": "push", "nudge-sms": "sms"}[steps[1]]
        assert fakes.profiles[user].traits == {"replenishment_reminded": True}


async def test_wait_for_event_arrival_takes_the_next_branch(
        temporal_time_skipping_env: WorkflowEnvironment, task_queue: str) -> None:
    env = temporal_time_skipping_env
    spec = load_spec_file(EXAMPLES / "replenishment-reminder.yaml")
    spec.update(holdout={"percent": 0}, goal={"event": "Review Written", "within": "60d", "exit_on_goal": False})
    fakes = FakeJourneyServices()
    fakes.add_customer("u1")
    async with fakes.worker(env.client, task_queue):
        handle = await start_journey(env.client, spec, "u1", task_queue)
        await env.sleep(timedelta(days=22))  # fallback wait of 21d, then the reminder
        await handle.signal("event", JourneyEvent("Order Completed", "order-2"))
        outcome = await handle.result()
    assert [r.step_id for r in fakes.delivered("u1")] == ["remind"]
    assert fakes.profiles["u1"].traits == {"replenishment_reminded": True} and not outcome.converted


async def test_unknown_customer_and_exit_event(
        temporal_time_skipping_env: WorkflowEnvironment, task_queue: str) -> None:
    env = temporal_time_skipping_env
    spec = load_spec_file(EXAMPLES / "card-signup-nudge.yaml")
    user = _treated_user("card-signup-nudge")
    fakes = FakeJourneyServices()
    fakes.add_customer(user, predictive={"propensity_card": 0.8})
    fakes.consent[(user, "marketing_email")] = True
    async with fakes.worker(env.client, task_queue):
        ghost = await start_journey(env.client, spec, "nobody", task_queue)
        leaver = await start_journey(env.client, spec, user, task_queue)
        await env.sleep(timedelta(hours=12))
        await leaver.signal("event", JourneyEvent("Account Closed", "close-1"))
        assert (await ghost.result()).exit_reason == "not_found"
        assert (await leaver.result()).exit_reason == "exit_event"
    assert fakes.send_calls == []
