"""The journey trigger: durable JetStream consumers that start or signal per-customer journey workflows.

Two consumers share one `JourneyTrigger`: ``journeys-trigger`` on ``loom.events.>`` (customer events) and
``journeys-trigger-audience`` on ``loom.audience.>`` (identity's audience membership changes).
An entry event, or entering a journey's entry audience, signal-with-starts ``journey-<journey_id>-user-<user_id>``:
the first one starts the run, later ones only signal it. Goal, exit and awaited events, and leaving an audience
listed in ``exit.audiences``, only signal a running workflow (a closed or absent one is fine). The bus
redelivers, so everything is idempotent: the workflow counts a message id once, and "already started" (a
journey that does not allow re-entry) is success. Calls for one customer and journey run in bus order, so an
exit right behind an entry in the same batch never overtakes it.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from google.protobuf import json_format
from nats.aio.msg import Msg
from prometheus_client import Counter
from temporalio.client import Client
from temporalio.common import WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode

from loom.identity.v1 import identity_pb2
from loom.ingestion.v1 import ingestion_pb2 as pb
from services.common.bus import EventBus
from services.common.events import EVENTS_FILTER, decode_batches
from workflows.journeys.registry import JourneyRegistry
from workflows.journeys.spec import JourneySpec, audience_event_name
from workflows.journeys.types import EVENT_SIGNAL, TASK_QUEUE, JourneyEvent, JourneyInput

log = logging.getLogger("loom.journeys.trigger")
DURABLE = "journeys-trigger"
AUDIENCE_FILTER = "loom.audience.>"
TRIGGERS = Counter("loom_journeys_trigger_total", "Events the trigger turned into workflow starts or signals",
                   ["journey", "action"])


def workflow_id(journey_id: str, user_id: str) -> str:
    """The deterministic id of a customer's journey workflow."""
    return f"journey-{journey_id}-user-{user_id}"


def journey_event(event: pb.Event) -> JourneyEvent:
    """The workflow's view of a bus event."""
    occurred = event.timestamp.ToDatetime().isoformat() if event.HasField("timestamp") else ""
    return JourneyEvent(name=event.event, message_id=event.message_id, occurred_at=occurred,
                        properties=json_format.MessageToDict(event.properties))


def audience_user_id(change: identity_pb2.AudienceMembershipChange) -> str:
    """The ``user_id`` identifier of the profile that changed ("" when the profile has none)."""
    return next((i.value for i in change.identifiers if i.type == "user_id" and i.value), "")


def audience_journey_event(change: identity_pb2.AudienceMembershipChange) -> JourneyEvent:
    """The workflow's view of a membership change; its message id is stable across bus redeliveries."""
    changed = change.changed_at
    direction = "entered" if change.entered else "exited"
    return JourneyEvent(
        name=audience_event_name(change.audience_id, entered=change.entered),
        message_id=f"audience-{change.audience_id}-{change.profile_id}-{direction}-{changed.seconds}.{changed.nanos}",
        occurred_at=changed.ToDatetime().isoformat() if change.HasField("changed_at") else "",
        properties={"audience_id": change.audience_id, "profile_id": change.profile_id,
                    "revision": change.revision})


@dataclass
class ActiveJourney:
    """An active journey's current version, as the trigger routes to it."""

    version: int
    spec: JourneySpec
    raw: dict


class JourneyTrigger:
    """Routes customer events to journey workflows; `handle` is the bus batch handler."""

    def __init__(self, client: Client, registry: JourneyRegistry, *, task_queue: str = TASK_QUEUE,
                 global_control_percent: float = 0.0, refresh_s: float = 10.0, concurrency: int = 32) -> None:
        self._client = client
        self._registry = registry
        self._task_queue = task_queue
        self._global_control = global_control_percent
        self._refresh_s = refresh_s
        self._gate = asyncio.Semaphore(concurrency)
        self._journeys: list[ActiveJourney] = []
        self._loaded_at = float("-inf")

    async def journeys(self) -> list[ActiveJourney]:
        """Active journeys, re-read from the registry at most every ``refresh_s`` (pause takes effect then)."""
        if time.monotonic() - self._loaded_at >= self._refresh_s:
            self._journeys = [ActiveJourney(v, s, r) for v, s, r in await self._registry.active_specs()
                              if s.mode == "per_customer"]
            self._loaded_at = time.monotonic()
        return self._journeys

    async def handle(self, msgs: Sequence[Msg]) -> None:
        """Starts or signals workflows for every event in the batch; raising makes the bus redeliver."""
        await self.route(decode_batches(m.data for m in msgs))

    async def route(self, events: Sequence[pb.Event]) -> None:
        """Starts or signals workflows for ``events`` (only events with a user id can enter a journey)."""
        active = await self.journeys()
        calls: dict[str, list[Callable[[], Awaitable[None]]]] = defaultdict(list)
        for event in events:
            if not event.user_id or event.type != pb.EVENT_TYPE_TRACK:
                continue
            signal = journey_event(event)
            for journey in active:
                wid = workflow_id(journey.spec.id, event.user_id)
                if journey.spec.entry_event and event.event == journey.spec.entry_event:
                    calls[wid].append(self._entry_call(journey, event.user_id, signal))
                elif event.event in journey.spec.listened_events():
                    calls[wid].append(self._signal_call(journey, event.user_id, signal))
        await _run_in_order(calls)

    async def handle_audience(self, msgs: Sequence[Msg]) -> None:
        """Bus batch handler of the AUDIENCE stream; a payload that does not parse raises (and is dead-lettered)."""
        changes = []
        for msg in msgs:
            change = identity_pb2.AudienceMembershipChange()
            change.ParseFromString(msg.data)
            changes.append(change)
        await self.route_audience(changes)

    async def route_audience(self, changes: Sequence[identity_pb2.AudienceMembershipChange]) -> None:
        """Entering a journey's entry audience starts it; leaving an audience in ``exit.audiences`` signals it."""
        active = await self.journeys()
        calls: dict[str, list[Callable[[], Awaitable[None]]]] = defaultdict(list)
        for change in changes:
            entering = [j for j in active if change.entered and j.spec.entry_audience == change.audience_id]
            leaving = [j for j in active if not change.entered and change.audience_id in j.spec.exit_audiences]
            if not entering and not leaving:
                continue
            user_id = audience_user_id(change)
            if not user_id:
                # Journeys key customers by user id (workflow id, profile and consent lookups): skip, and count it.
                for journey in entering + leaving:
                    TRIGGERS.labels(journey.spec.id, "no_user_id").inc()
                continue
            signal = audience_journey_event(change)
            for journey in entering:
                calls[workflow_id(journey.spec.id, user_id)].append(self._entry_call(journey, user_id, signal))
            for journey in leaving:
                calls[workflow_id(journey.spec.id, user_id)].append(self._signal_call(journey, user_id, signal))
        await _run_in_order(calls)

    def _entry_call(self, journey: ActiveJourney, user_id: str, signal: JourneyEvent
                    ) -> Callable[[], Awaitable[None]]:
        return lambda: self._enter(journey, user_id, signal)

    def _signal_call(self, journey: ActiveJourney, user_id: str, signal: JourneyEvent
                     ) -> Callable[[], Awaitable[None]]:
        return lambda: self._signal(journey, user_id, signal)

    async def _enter(self, journey: ActiveJourney, user_id: str, signal: JourneyEvent) -> None:
        spec = journey.spec
        wid = workflow_id(spec.id, user_id)
        params = JourneyInput(spec.id, journey.version, journey.raw, user_id, signal, self._global_control)
        # "never" relies on Temporal keeping the closed run; cooldown keeps the run open until it ends.
        reuse = (WorkflowIDReusePolicy.REJECT_DUPLICATE if spec.reentry == "never"
                 else WorkflowIDReusePolicy.ALLOW_DUPLICATE)
        async with self._gate:
            try:
                await self._client.start_workflow(
                    "JourneyWorkflow", params, id=wid, task_queue=self._task_queue, id_reuse_policy=reuse,
                    start_signal=EVENT_SIGNAL, start_signal_args=[signal])
                TRIGGERS.labels(spec.id, "signal_with_start").inc()
            except WorkflowAlreadyStartedError:
                TRIGGERS.labels(spec.id, "already_started").inc()

    async def _signal(self, journey: ActiveJourney, user_id: str, signal: JourneyEvent) -> None:
        wid = workflow_id(journey.spec.id, user_id)
        async with self._gate:
            try:
                await self._client.get_workflow_handle(wid).signal(EVENT_SIGNAL, signal)
                TRIGGERS.labels(journey.spec.id, "signal").inc()
            except RPCError as exc:
                if exc.status != RPCStatusCode.NOT_FOUND:
                    raise
                TRIGGERS.labels(journey.spec.id, "not_in_journey").inc()


async def _run_in_order(calls: dict[str, list[Callable[[], Awaitable[None]]]]) -> None:
    """Runs each workflow's calls one after another, different workflows concurrently."""

    async def serially(chain: list[Callable[[], Awaitable[None]]]) -> None:
        for call in chain:
            await call()

    await asyncio.gather(*(serially(chain) for chain in calls.values()))


async def start_trigger(bus: EventBus, trigger: JourneyTrigger, durable: str = DURABLE
                        ) -> Callable[[], Awaitable[None]]:
    """Starts both durable consumers: ``durable`` on the event stream, ``<durable>-audience`` on the AUDIENCE
    stream; returns one coroutine function that stops both."""
    events = await bus.consume(durable, EVENTS_FILTER, trigger.handle, batch=256)
    try:
        audience = await bus.consume(f"{durable}-audience", AUDIENCE_FILTER, trigger.handle_audience, batch=256)
    except BaseException:
        await events.stop()
        raise

    async def stop() -> None:
        await events.stop()
        await audience.stop()

    return stop
