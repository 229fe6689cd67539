"""One destination's worker: its own durable JetStream consumer, its sender, retries and dead letters.

Each destination consumes the event stream through its own durable consumer and sends from its own task,
so a slow or failing destination never delays another. The consumer hands over one batch of bus messages
at a time and the worker finishes it (sent, or safely stored in the queue) before the next, which keeps
each user's events in order (a user's events share one partition, hence one ordered subject).

Fast path: a batch is filtered, consent-checked, mapped and sent straight away; the bus messages are acked
only after the destination accepted them. If sending fails, the deliveries are written to the durable
queue (the ``deliveries`` table) before the ack, and the queue loop retries them with backoff. While
anything of this destination waits in the queue, new events join the queue behind it so order is kept.
A kill -9 at any point leaves unacked messages on the bus: they are sent again with the same idempotency
keys (``<destination>:<message_id>``), which the peer deduplicates by.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from nats.aio.msg import Msg

from loom.forwarding.v1 import forwarding_pb2 as pb
from loom.ingestion.v1 import ingestion_pb2 as ingestion_pb
from services.common.bus import EventBus
from services.common.events import EVENTS_FILTER, decode_batches
from services.forwarding import metrics as m
from services.forwarding.consent import ConsentFilter
from services.forwarding.destinations import CompiledDestination
from services.forwarding.mapping import event_document
from services.forwarding.policy import CircuitBreaker, TokenBucket
from services.forwarding.senders import Outbound, Sender, SendResult
from services.forwarding.store import DestinationStore, new_delivery, now_utc

log = logging.getLogger("loom.forwarding")
QUEUE_POLL_S = 1.0
GAUGE_REFRESH_S = 5.0


def event_identifiers(event: ingestion_pb.Event) -> list[tuple[str, str]]:
    """Who an event is about, for consent checks: user id, anonymous id and the identifiers it carries."""
    found = [(i.type, i.value) for i in event.identifiers if i.value]
    if event.user_id:
        found.append(("user_id", event.user_id))
    if event.anonymous_id:
        found.append(("anonymous_id", event.anonymous_id))
    return found


def _events(rows: Sequence[dict[str, Any]]) -> int:
    return sum(1 for r in rows if r["kind"] == "event")


def consumer_name(destination_id: str) -> str:
    """The durable consumer of a destination."""
    return f"forwarding-{destination_id}"


class DestinationWorker:
    """Delivers the event stream (and queued journey messages) to one destination."""

    def __init__(self, dest: CompiledDestination, store: DestinationStore, consent: ConsentFilter,
                 sender: Sender | None = None, *, batch: int = 256, breaker: CircuitBreaker | None = None,
                 ack_wait: float = 30.0) -> None:
        self.dest = dest
        self.id = dest.destination_id
        self.store = store
        self.consent = consent
        self.sender = sender or dest.sender()
        rate = dest.proto.rate_limit
        self.bucket = TokenBucket(rate.per_second, rate.burst or max(1, int(rate.per_second)))
        self.breaker = breaker or CircuitBreaker()
        self.batch = batch
        self.ack_wait = ack_wait
        self.queued = 0
        self._wake = asyncio.Event()
        self._stopping = False
        self._queue_task: asyncio.Task[None] | None = None
        self._consumer: Any = None

    async def start(self, bus: EventBus) -> None:
        """Counts what waits in the queue, binds the durable consumer and starts the queue loop.

        The ack deadline outlasts a hanging request (twice the sender's timeout), so messages in hand are
        not redelivered while their send is still pending.
        """
        self.queued = await self.store.count_events(self.id)
        m.QUEUED.labels(self.id).set(self.queued)
        self._queue_task = asyncio.create_task(self._queue_loop(), name=f"forwarding-queue-{self.id}")
        self._consumer = await bus.consume(consumer_name(self.id), EVENTS_FILTER, self.handle, batch=self.batch,
                                           ack_wait=max(self.ack_wait, 2 * self.sender.timeout + 5))

    async def stop(self) -> None:
        """Stops consuming (finishing the batch in hand), stops the queue loop and closes the sender."""
        self._stopping = True
        if self._consumer is not None:
            await self._consumer.stop()
        if self._queue_task is not None:
            self._wake.set()
            self._queue_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._queue_task
        await self.sender.close()

    def wake(self) -> None:
        """Tells the queue loop that something new is due (a message, a replay, a resume)."""
        self._wake.set()

    def replace(self, dest: CompiledDestination) -> None:
        """Takes a new revision of the destination (state, mapping, policies) without a restart."""
        self.dest = dest
        self.wake()

    # Bus events

    async def outbound(self, msgs: Sequence[Msg]) -> list[tuple[Outbound, float]]:
        """Filtered, consent-checked, mapped deliveries of bus messages, each with its bus time."""
        dest = self.dest
        out: list[tuple[Outbound, float]] = []
        for msg in msgs:
            published = msg.metadata.timestamp
            if published is not None and published < dest.created_at:
                continue  # history from before the destination existed is not forwarded
            stamp = published.timestamp() if published is not None else 0.0
            for event in decode_batches([msg.data]):
                document = event_document(event)
                if not dest.mapping.accepts(document):
                    m.FILTERED.labels(self.id).inc()
                    continue
                profile = document["profile_key"]
                if not await self.consent.event_allowed(self.id, event_identifiers(event), event.consent,
                                                        dest.proto.required_purposes):
                    continue
                key = f"{self.id}:{event.message_id}"
                out.append((Outbound(key, profile, dest.mapping.apply(document)), stamp))
        return out

    async def handle(self, msgs: list[Msg]) -> None:
        """Bus handler: returns once every delivery of the batch is sent or stored in the queue.

        One request is in flight at a time, so a failure stops everything behind it (order); but while it is
        in flight the next chunk is already decoded and mapped, which keeps the CPU busy.
        """
        size = self.sender.max_batch
        buffer: list[tuple[Outbound, float]] = []
        in_flight: asyncio.Task[None] | None = None
        try:
            for msg in msgs:
                buffer.extend(await self.outbound([msg]))
                while len(buffer) >= size:
                    chunk, buffer = buffer[:size], buffer[size:]
                    if in_flight is not None:
                        await in_flight
                    in_flight = asyncio.create_task(self._deliver(chunk))
            if in_flight is not None:
                await in_flight
                in_flight = None
            if buffer:
                await self._deliver(buffer)
        finally:
            if in_flight is not None and not in_flight.done():
                in_flight.cancel()

    async def _deliver(self, chunk: list[tuple[Outbound, float]]) -> None:
        """Sends one chunk, or queues it when the destination cannot take it now or something waits ahead."""
        outbound = [o for o, _ in chunk]
        if self.dest.paused or self.queued or not self.breaker.allows():
            await self._enqueue(outbound)
            return
        await self.bucket.acquire(len(chunk))
        result = await self.sender.send(outbound)
        if result.ok:
            self._delivered(len(chunk), [s for _, s in chunk])
        elif result.permanent:
            self.breaker.success()  # the peer answered; it is the request that is wrong
            await self.store.dead_letter(self._rows(outbound, attempts=1, result=result), result.error, True,
                                         result.code)
            m.dead_lettered(self.id, len(chunk))
        else:
            self.breaker.failure()
            await self._enqueue_rows(self._rows(outbound, attempts=1, result=result))
            m.failed(self.id, len(chunk))

    def _rows(self, items: Sequence[Outbound], *, attempts: int = 0, result: SendResult | None = None,
              ) -> list[dict[str, Any]]:
        at = now_utc()
        extra: dict[str, Any] = {}
        if attempts:
            extra = {"attempts": attempts, "first_attempt_at": at,
                     "next_attempt_at": at + timedelta(seconds=self.dest.retry.backoff(attempts)),
                     "status": pb.DELIVERY_STATUS_RETRYING, "last_error": result.error if result else "",
                     "last_response_code": result.code if result else 0}
        return [new_delivery(destination_id=self.id, idempotency_key=o.idempotency_key, profile_id=o.profile_id,
                             payload=o.payload, message_id=o.idempotency_key.split(":", 1)[1], at=at, **extra)
                for o in items]

    async def _enqueue(self, items: Sequence[Outbound]) -> None:
        await self._enqueue_rows(self._rows(items))

    async def _enqueue_rows(self, rows: list[dict[str, Any]]) -> None:
        self.queued += await self.store.enqueue(rows)
        m.QUEUED.labels(self.id).set(self.queued)
        self.wake()

    def _delivered(self, count: int, stamps: Sequence[float]) -> None:
        self.breaker.success()
        m.delivered(self.id, count)
        now = now_utc().timestamp()
        histogram = m.LATENCY.labels(self.id)
        # Events of one bus message share its timestamp: one observation per message keeps the hot path cheap.
        for stamp in set(stamps):
            if stamp:
                histogram.observe(max(0.0, now - stamp))

    # The durable queue

    async def _queue_loop(self) -> None:
        refreshed = 0.0
        while not self._stopping:
            try:
                if time.monotonic() - refreshed > GAUGE_REFRESH_S:
                    # Replays, discards and deletes elsewhere change the count: read the truth periodically.
                    _, dead = await self.store.count(self.id)
                    m.DEAD_LETTERS.labels(self.id).set(dead)
                    refreshed = time.monotonic()
                progressed = await self.drain_once()
            except Exception:  # noqa: BLE001 - a database hiccup must not end the loop; the rows stay queued
                log.exception("destination %s: queue pass failed", self.id)
                progressed = False
            if progressed:
                continue
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), max(QUEUE_POLL_S, self.breaker.wait_s()))

    def _due(self, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Rows that may go now: events only up to the first one not due (order), messages when due."""
        now = now_utc()
        due: list[dict[str, Any]] = []
        events_blocked = False
        for row in rows:
            ready = row["next_attempt_at"] is None or row["next_attempt_at"] <= now
            if row["kind"] == "event":
                if events_blocked or not ready:
                    events_blocked = True
                    continue
            elif not ready:
                continue
            due.append(row)
            if len(due) >= self.sender.max_batch:
                break
        return due

    async def drain_once(self) -> bool:
        """Sends one batch of due queued deliveries; True when it did something."""
        if self.dest.paused or not self.breaker.allows():
            return False
        rows = await self.store.pending(self.id, max(self.sender.max_batch * 4, 64))
        events = sum(1 for r in rows if r["kind"] == "event")
        window_full = len(rows) >= max(self.sender.max_batch * 4, 64)
        self.queued = max(self.queued, events) if window_full else events
        m.QUEUED.labels(self.id).set(self.queued)
        due = self._due(rows)
        if not due:
            return False
        await self.bucket.acquire(len(due))
        items = [Outbound(r["idempotency_key"], r["profile_id"], r["payload"]) for r in due]
        result = await self.sender.send(items)
        if result.ok:
            await self.store.delivered([r["id"] for r in due], result.code)
            self._delivered(len(due), [r["created_at"].timestamp() for r in due])
            self.queued = max(0, self.queued - _events(due))
        elif result.permanent:
            self.breaker.success()
            await self.store.dead_letter(due, result.error, True, result.code)
            m.dead_lettered(self.id, len(due))
            self.queued = max(0, self.queued - _events(due))
        else:
            self.breaker.failure()
            await self._failed(due, result)
        m.CIRCUIT_OPEN.labels(self.id).set(0 if self.breaker.allows() else 1)
        m.QUEUED.labels(self.id).set(self.queued)
        return result.ok or result.permanent

    async def _failed(self, due: list[dict[str, Any]], result: SendResult) -> None:
        now = now_utc()
        retry, give_up = [], []
        for row in due:
            row["attempts"] += 1
            row["first_attempt_at"] = row["first_attempt_at"] or now
            row["last_error"], row["last_response_code"] = result.error[:2000], result.code
            if self.dest.retry.exhausted(row["attempts"], row["first_attempt_at"], now):
                give_up.append(row)
            else:
                row["next_attempt_at"] = now + timedelta(seconds=self.dest.retry.backoff(row["attempts"]))
                retry.append(row)
        if retry:
            await self.store.retry_later(retry)
            m.failed(self.id, len(retry))
        if give_up:
            await self.store.dead_letter(give_up, f"gave up after {give_up[0]['attempts']} attempts: {result.error}",
                                         False, result.code)
            m.dead_lettered(self.id, len(give_up))
            self.queued = max(0, self.queued - _events(give_up))
