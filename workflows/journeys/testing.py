"""Journey-as-code testing: fakes of the services a journey calls, registered under the real activity names.

Authors run their journey in simulated time (Temporal's time-skipping test server) against these fakes:

    fakes = FakeJourneyServices()
    fakes.add_customer("u1", timezone="Europe/Stockholm")
    async with fakes.worker(env.client, task_queue):
        handle = await start_journey(env.client, spec_dict, "u1", task_queue)
        await env.sleep(timedelta(days=2)); await handle.signal("event", JourneyEvent("Order Completed", "m1"))
        outcome = await handle.result()

Identity, consent, prediction, creative and forwarding are fakes (FakeJourneyServices) because a journey
test should not need those services running; the outcome store is the real registry when one is given.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

from temporalio import activity
from temporalio.client import Client, WorkflowHandle
from temporalio.worker import Worker

from workflows.journeys import WORKFLOWS
from workflows.journeys.registry import JourneyRegistry
from workflows.journeys.rules import next_local_time_activity
from workflows.journeys.trigger import workflow_id
from workflows.journeys.types import (
    EVENT_SIGNAL,
    ConsentAnswer,
    ConsentRequest,
    JourneyEvent,
    JourneyInput,
    JourneyOutcome,
    PredictedTime,
    PredictRequest,
    ProfileView,
    SendRequest,
    SendResult,
    TraitUpdate,
)


class FakeJourneyServices:
    """In-memory identity, consent, prediction, creative and forwarding for journey tests."""

    def __init__(self, registry: JourneyRegistry | None = None) -> None:
        self.registry = registry
        self.profiles: dict[str, ProfileView] = {}
        self.consent: dict[tuple[str, str], bool] = {}
        self.predicted: dict[str, datetime] = {}
        self.send_calls: list[SendRequest] = []
        # Forwarding's contract: a repeated idempotency key returns the first delivery, sends nothing.
        self.deliveries: dict[str, SendRequest] = {}
        self.trait_updates: dict[str, TraitUpdate] = {}
        self.outcomes: list[JourneyOutcome] = []
        # Sends that fail once after being delivered, as if the worker died before recording the result.
        self.lose_result_once: set[str] = set()

    def add_customer(self, user_id: str, **fields: Any) -> ProfileView:
        """Adds a profile (profile id ``p-<user_id>``); ``fields`` set ProfileView attributes."""
        profile = ProfileView(profile_id=f"p-{user_id}", found=True, **fields)
        self.profiles[user_id] = profile
        return profile

    @activity.defn(name="journeys.get_profile")
    async def get_profile(self, user_id: str) -> ProfileView:
        """Fake identity GetProfile."""
        return self.profiles.get(user_id, ProfileView(profile_id="", found=False))

    @activity.defn(name="journeys.check_consent")
    async def check_consent(self, request: ConsentRequest) -> ConsentAnswer:
        """Fake consent CheckPurposes (unknown purposes are denied, like the real service)."""
        return ConsentAnswer({p: self.consent.get((request.user_id, p), False) for p in request.purposes})

    @activity.defn(name="journeys.predict_time")
    async def predict_time(self, request: PredictRequest) -> PredictedTime:
        """Fake prediction Score of a repeat-purchase-timing model."""
        at = self.predicted.get(request.profile_id)
        return PredictedTime(True, at.isoformat()) if at else PredictedTime(False)

    @activity.defn(name="journeys.send_message")
    async def send_message(self, request: SendRequest) -> SendResult:
        """Fake creative choice + forwarding SendMessage with idempotency."""
        self.send_calls.append(request)
        duplicate = request.idempotency_key in self.deliveries
        self.deliveries.setdefault(request.idempotency_key, request)
        if request.step_id in self.lose_result_once:
            self.lose_result_once.discard(request.step_id)
            raise RuntimeError("connection lost after the send")
        return SendResult(f"d-{len(self.deliveries)}", "queued", f"asset-{request.touchpoint}", duplicate)

    @activity.defn(name="journeys.update_traits")
    async def update_traits(self, update: TraitUpdate) -> None:
        """Fake identity UpdateTraits (idempotent by key)."""
        self.trait_updates.setdefault(update.idempotency_key, update)
        for profile in self.profiles.values():
            if profile.profile_id == update.profile_id:
                profile.traits.update(update.traits)

    @activity.defn(name="journeys.record_outcome")
    async def record_outcome(self, outcome: JourneyOutcome) -> None:
        """Keeps the outcome, and stores it in the real registry when one was given."""
        self.outcomes.append(outcome)
        if self.registry is not None:
            await self.registry.record_outcome(outcome)

    def activities(self) -> list[Any]:
        """The fakes, for Worker(activities=...)."""
        return [self.get_profile, self.check_consent, self.predict_time, self.send_message, self.update_traits,
                self.record_outcome, next_local_time_activity]

    def delivered(self, user_id: str | None = None) -> list[SendRequest]:
        """Unique deliveries (one per idempotency key), optionally for one customer."""
        wanted = self.profiles[user_id].profile_id if user_id else None
        return [r for r in self.deliveries.values() if wanted is None or r.profile_id == wanted]

    @asynccontextmanager
    async def worker(self, client: Client, task_queue: str, extra: list[Any] | None = None,
                     **options: Any) -> AsyncIterator[Worker]:
        """A worker on ``task_queue`` with the journey workflows and these fakes (``options`` go to Worker)."""
        async with Worker(client, task_queue=task_queue, workflows=WORKFLOWS,
                          activities=self.activities() + (extra or []), **options) as worker:
            yield worker


async def start_journey(client: Client, spec: dict[str, Any], user_id: str, task_queue: str, *, version: int = 1,
                        entry: JourneyEvent | None = None, global_control_percent: float = 0.0
                        ) -> WorkflowHandle[Any, JourneyOutcome]:
    """Signal-with-starts a customer's journey workflow, as the trigger does."""
    entry = entry or JourneyEvent(name=spec.get("entry", {}).get("event", "entry"), message_id=f"entry-{user_id}")
    params = JourneyInput(spec["id"], version, spec, user_id, entry, global_control_percent)
    return await client.start_workflow(
        "JourneyWorkflow", params, id=workflow_id(spec["id"], user_id), task_queue=task_queue,
        start_signal=EVENT_SIGNAL, start_signal_args=[entry], result_type=JourneyOutcome)
