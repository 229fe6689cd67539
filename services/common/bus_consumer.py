"""Durable pull consumers of the event bus: batches, per-message retry, dead letters and a lag gauge."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import nats.js.errors
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from prometheus_client import Counter, Gauge

from services.common.bus_errors import _UNAVAILABLE, BusError

if TYPE_CHECKING:
    from services.common.bus import EventBus

log = logging.getLogger("loom.bus")

_FETCH_ERRORS: tuple[type[BaseException], ...] = (*_UNAVAILABLE, nats.js.errors.APIError)

BatchHandler = Callable[[list[Msg]], Awaitable[None]]

BUS_CONSUMED = Counter("loom_bus_consumed_total", "Messages a consumer finished with, by outcome (ack, nak, "
                       "deadletter).", ["consumer", "outcome"])
BUS_PENDING = Gauge("loom_bus_consumer_pending", "Stream messages not yet delivered to the consumer.", ["consumer"])


@dataclass(eq=False)
class Consumer:
    """A running durable pull consumer; :meth:`stop` lets the batch in hand finish first."""

    bus: EventBus
    durable: str
    stream: str
    sub: JetStreamContext.PullSubscription
    handler: BatchHandler
    batch: int = 256
    max_deliver: int = 5
    retry_delay: float = 1.0
    max_retry_delay: float = 60.0
    fetch_timeout: float = 1.0
    pending_interval: float = 5.0
    _task: asyncio.Task[None] | None = field(default=None, init=False)
    _pending_task: asyncio.Task[None] | None = field(default=None, init=False)
    _stopping: bool = field(default=False, init=False)
    _fetching: bool = field(default=False, init=False)

    def start(self) -> None:
        """Starts the fetch loop and the pending-gauge refresher."""
        self._task = asyncio.create_task(self._run(), name=f"bus-consumer-{self.durable}")
        self._pending_task = asyncio.create_task(self._refresh_pending(), name=f"bus-pending-{self.durable}")

    @property
    def running(self) -> bool:
        """True while the fetch loop runs."""
        return self._task is not None and not self._task.done()

    async def stop(self, grace: float = 30.0) -> None:
        """Stops fetching, waits (up to ``grace`` seconds) for the batch in hand to be handled and acked."""
        self._stopping = True
        if self._pending_task is not None:
            self._pending_task.cancel()
        if self._task is not None and not self._task.done():
            if self._fetching:
                # Waiting for messages holds nothing: anything half-fetched is redelivered after ack_wait.
                self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, asyncio.TimeoutError):
                await asyncio.wait_for(asyncio.shield(self._task), grace)
            if not self._task.done():
                self._task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await self._task
        with contextlib.suppress(Exception):
            # Acks are fire-and-forget; flush so the last ones leave before the subscription goes.
            await self.bus.nc.flush(timeout=5)
            await self.sub.unsubscribe()
        if self in self.bus._consumers:
            self.bus._consumers.remove(self)

    async def _run(self) -> None:
        while not self._stopping:
            self._fetching = True
            try:
                msgs = await self.sub.fetch(self.batch, timeout=self.fetch_timeout)
            except TimeoutError:
                continue
            except _FETCH_ERRORS as exc:
                log.warning("consumer %s: fetch failed: %r", self.durable, exc)
                await asyncio.sleep(self.fetch_timeout)
                continue
            finally:
                self._fetching = False
            await self._process(msgs)

    async def _process(self, msgs: list[Msg]) -> None:
        if self.bus.prefix:
            for msg in msgs:
                msg.subject = self.bus.logical_subject(msg.subject)
        worn_out = [m for m in msgs if m.metadata.num_delivered > self.max_deliver]
        for msg in worn_out:
            # Delivered too often without an ack (crash loop, handler hanging past ack_wait): give up on it.
            await self._dead_letter(msg, "delivered too many times without an ack")
        msgs = [m for m in msgs if m.metadata.num_delivered <= self.max_deliver]
        if not msgs:
            return
        try:
            await self.handler(msgs)
        except Exception as exc:  # noqa: BLE001 - a handler error must never kill the consumer
            if len(msgs) == 1:
                await self._failed(msgs[0], exc)
                return
            log.warning("consumer %s: batch of %d failed (%r); retrying one by one", self.durable, len(msgs), exc)
            for msg in msgs:
                try:
                    await self.handler([msg])
                except Exception as one_exc:  # noqa: BLE001
                    await self._failed(msg, one_exc)
                else:
                    await self._ack([msg])
            return
        await self._ack(msgs)

    async def _ack(self, msgs: list[Msg]) -> None:
        for msg in msgs:
            with contextlib.suppress(nats.errors.MsgAlreadyAckdError):
                await msg.ack()
        BUS_CONSUMED.labels(self.durable, "ack").inc(len(msgs))

    async def _failed(self, msg: Msg, exc: BaseException) -> None:
        delivered = msg.metadata.num_delivered
        if delivered >= self.max_deliver:
            await self._dead_letter(msg, repr(exc))
            return
        delay = min(self.retry_delay * 2 ** (delivered - 1), self.max_retry_delay)
        log.warning("consumer %s: message %s failed (delivery %d): %r", self.durable, msg.subject, delivered, exc)
        await msg.nak(delay=delay)
        BUS_CONSUMED.labels(self.durable, "nak").inc()

    async def _dead_letter(self, msg: Msg, reason: str) -> None:
        meta = msg.metadata
        headers = {**(msg.headers or {}), "Loom-Original-Subject": msg.subject, "Loom-Error": reason[:512],
                   "Loom-Consumer": self.durable, "Loom-Deliveries": str(meta.num_delivered)}
        try:
            await self.bus.publish(f"loom.deadletter.{self.durable}", msg.data, headers=headers,
                                   msg_id=f"{meta.stream}:{meta.sequence.stream}:{self.durable}")
        except BusError as exc:
            # Never drop it: leave it with the stream and try again on a later delivery.
            log.error("consumer %s: dead-lettering failed (%s); will retry", self.durable, exc)
            await msg.nak(delay=self.max_retry_delay)
            BUS_CONSUMED.labels(self.durable, "nak").inc()
            return
        await msg.term()
        log.error("consumer %s: dead-lettered %s after %d deliveries: %s", self.durable, msg.subject,
                  meta.num_delivered, reason)
        BUS_CONSUMED.labels(self.durable, "deadletter").inc()

    async def _refresh_pending(self) -> None:
        while not self._stopping:
            with contextlib.suppress(Exception):
                info = await self.sub.consumer_info()
                BUS_PENDING.labels(self.durable).set(info.num_pending or 0)
            await asyncio.sleep(self.pending_interval)
