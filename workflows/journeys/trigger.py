"""The journey trigger: a durable JetStream consumer that starts or signals per-customer journey workflows.

An entry event signal-with-starts ``journey-<journey_id>-user-<user_id>``: the first one starts the run, later
ones only signal it. Goal, exit and awaited events only signal a running workflow (a closed or absent one is
fine). The bus redelivers, so everything is idempotent: the workflow counts a message id once, and "already
started" (a journey that does not allow re-entry) is success.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from google.protobuf import json_format
from nats.aio.msg import Msg
from prometheus_client import Counter
from temporalio.client import Client
from temporalio.common import WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode

from loom.ingestion.v1 import ingestion_pb2 as pb
from services.common.bus import EventBus
from services.common.events import EVENTS_FILTER, decode_batches
from workflows.journeys.registry import JourneyRegistry
from workflows.journeys.spec import JourneySpec
from workflows.journeys.types import EVENT_SIGNAL, TASK_QUEUE, JourneyEvent, JourneyInput

log = logging.getLogger("loom.journeys.trigger")
DURABLE = "journeys-trigger"
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
                              if s.mode == "per_customer" and s.entry_event]
            self._loaded_at = time.monotonic()
        return self._journeys

    async def handle(self, msgs: Sequence[Msg]) -> None:
        """Starts or signals workflows for every event in the batch; raising makes the bus redeliver."""
        await self.route(decode_batches(m.data for m in msgs))

    async def route(self, events: Sequence[pb.Event]) -> None:
        """Starts or signals workflows for ``events`` (only events with a user id can enter a journey)."""
        active = await self.journeys()
        calls: list[Awaitable[None]] = []
        for event in events:
            if not event.user_id or event.type != pb.EVENT_TYPE_TRACK:
                continue
            for journey in active:
                if event.event == journey.spec.entry_event:
                    calls.append(self._enter(journey, event))
                elif event.event in journey.spec.listened_events():
                    calls.append(self._signal(journey, event))
        await asyncio.gather(*calls)

    async def _enter(self, journey: ActiveJourney, event: pb.Event) -> None:
        spec = journey.spec
        wid = workflow_id(spec.id, event.user_id)
        signal = journey_event(event)
        params = JourneyInput(spec.id, journey.version, journey.raw, event.user_id, signal, self._global_control)
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

    async def _signal(self, journey: ActiveJourney, event: pb.Event) -> None:
        wid = workflow_id(journey.spec.id, event.user_id)
        async with self._gate:
            try:
                await self._client.get_workflow_handle(wid).signal(EVENT_SIGNAL, journey_event(event))
                TRIGGERS.labels(journey.spec.id, "signal").inc()
            except RPCError as exc:
                if exc.status != RPCStatusCode.NOT_FOUND:
                    raise
                TRIGGERS.labels(journey.spec.id, "not_in_journey").inc()


async def start_trigger(bus: EventBus, trigger: JourneyTrigger, durable: str = DURABLE
                        ) -> Callable[[], Awaitable[None]]:
    """Starts the durable consumer on the event stream; returns its stop coroutine function."""
    consumer = await bus.consume(durable, EVENTS_FILTER, trigger.handle, batch=256)
    return consumer.stop

