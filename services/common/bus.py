"""The event bus: NATS JetStream streams, partitioned publishing and durable pull consumers.

Streams are declared here as code and created idempotently at start-up. Events go to
``loom.events.p<NN>.<type>`` where NN is a stable hash of the profile key, so one customer's events stay in
one partition and a consumer filtering on a partition sees them in publish order. Publishing carries a
``Nats-Msg-Id`` so a retried publish inside the stream's duplicate window is stored once.

A bus may carry a ``prefix``: every subject and stream name is then namespaced by it on the wire, while
callers and handlers keep using the plain ``loom.*`` subjects. Tests use it to share one server safely.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import zlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import nats
import nats.errors
import nats.js.errors
from nats.aio.client import Client as NatsClient
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, PubAck, RetentionPolicy, StorageType, StreamConfig
from prometheus_client import Counter

from services.common.bus_consumer import BatchHandler, Consumer
from services.common.bus_errors import _UNAVAILABLE, BusError, BusUnavailable

log = logging.getLogger("loom.bus")

DAY = 86_400.0
MSG_ID_HEADER = "Nats-Msg-Id"
_CONNECT_ERRORS: tuple[type[BaseException], ...] = (*_UNAVAILABLE, nats.errors.NoServersError, OSError)
_TOKEN_OK = re.compile(r"[^a-z0-9_-]")
_PREFIX_OK = re.compile(r"^[A-Za-z0-9_-]*$")
BUS_PUBLISHED = Counter("loom_bus_published_total", "Messages stored by JetStream (duplicates excluded).", ["stream"])


@dataclass(frozen=True)
class StreamSpec:
    """A JetStream stream Loom relies on."""

    name: str
    subjects: tuple[str, ...]
    description: str
    max_age: float = 7 * DAY
    duplicate_window: float = 120.0
    storage: StorageType = StorageType.FILE
    max_bytes: int = -1
    retention: RetentionPolicy = RetentionPolicy.LIMITS

    def config(self, prefix: str = "") -> StreamConfig:
        """The server-side config, namespaced by ``prefix``."""
        return StreamConfig(
            name=stream_name(self.name, prefix),
            description=self.description,
            subjects=[wire_subject(s, prefix) for s in self.subjects],
            storage=self.storage,
            max_age=self.max_age,
            max_bytes=self.max_bytes,
            duplicate_window=self.duplicate_window,
            retention=self.retention,
        )


EVENTS = StreamSpec("EVENTS", ("loom.events.>",), "Customer events, partitioned by profile key.")
AUDIENCE = StreamSpec("AUDIENCE", ("loom.audience.>",), "Audience membership changes.")
CONSENT = StreamSpec("CONSENT", ("loom.consent.>",), "Consent record changes and data-subject requests.")
DELIVERIES = StreamSpec("DELIVERIES", ("loom.deliveries.>",), "Outbound deliveries and their status.")
DEADLETTER = StreamSpec("DEADLETTER", ("loom.deadletter.>",), "Messages a consumer gave up on, kept for replay.",
                        max_age=30 * DAY)

# Work queue: a batch leaves the stream once the consent service has appended it to the audit log.
AUDIT = StreamSpec("AUDIT", ("loom.audit.>",), "Audit entries of the services on their way to the consent "
                   "service's audit log.", max_age=30 * DAY, retention=RetentionPolicy.WORK_QUEUE)


def default_streams(duplicate_window: float = 120.0) -> tuple[StreamSpec, ...]:
    """Every stream Loom uses; ``duplicate_window`` (seconds) applies to EVENTS, where clients retry."""
    return (replace(EVENTS, duplicate_window=duplicate_window), AUDIENCE, CONSENT, DELIVERIES, DEADLETTER, AUDIT)


def wire_subject(subject: str, prefix: str = "") -> str:
    """The subject as sent to NATS: ``<prefix>.<subject>`` when a prefix is set."""
    return f"{prefix}.{subject}" if prefix else subject


def stream_name(name: str, prefix: str = "") -> str:
    """The stream name on the server: ``<PREFIX>_<NAME>`` when a prefix is set."""
    return f"{prefix.upper()}_{name}" if prefix else name


def subject_token(value: str) -> str:
    """``value`` made safe as one subject token: lower case, anything but [a-z0-9_-] becomes '_'."""
    return _TOKEN_OK.sub("_", value.lower()) or "_"


def partition_of(profile_key: str, partitions: int = 16) -> int:
    """Stable partition of a profile key (CRC-32, identical across processes and restarts)."""
    return zlib.crc32(profile_key.encode()) % partitions


@dataclass(frozen=True)
class Outgoing:
    """One message for :meth:`EventBus.publish_many`."""

    subject: str
    data: bytes
    msg_id: str | None = None
    headers: Mapping[str, str] | None = None




class EventBus:
    """A connection to NATS with Loom's streams, publishing and consumers. Create with :meth:`connect`."""

    def __init__(self, nc: NatsClient, *, prefix: str = "", partitions: int = 16, publish_timeout: float = 5.0,
                 streams: Sequence[StreamSpec] | None = None, max_pending_publishes: int = 4096) -> None:
        if not _PREFIX_OK.match(prefix):
            raise BusError(f"bus prefix {prefix!r} may hold only letters, digits, '_' and '-'")
        if partitions < 1:
            raise BusError(f"partitions must be at least 1, got {partitions}")
        self.nc = nc
        self.prefix = prefix
        self.partitions = partitions
        self.publish_timeout = publish_timeout
        self.streams = tuple(streams) if streams is not None else default_streams()
        self.js: JetStreamContext = nc.jetstream(timeout=publish_timeout,
                                                 publish_async_max_pending=max_pending_publishes)
        self._consumers: list[Consumer] = []
        self._width = max(2, len(str(partitions - 1)))

    @classmethod
    async def connect(cls, url: str, *, name: str = "loom", connect_timeout: float = 5.0,
                      reconnect_wait: float = 1.0, **options: Any) -> EventBus:
        """Connects to ``url``; afterwards reconnects forever, but the first connect fails fast.

        Raises BusUnavailable when no connection is made within ``connect_timeout`` seconds. ``options`` go to
        the EventBus constructor (prefix, partitions, publish_timeout, streams).
        """
        last_error: list[BaseException] = []

        async def on_error(exc: Exception) -> None:
            last_error[:] = [exc]
            log.warning("nats error: %s", exc)

        async def on_disconnect() -> None:
            if not (nc.is_closed or nc.is_draining):
                log.warning("disconnected from nats; reconnecting")

        async def on_reconnect() -> None:
            log.info("reconnected to nats")

        nc = NatsClient()
        try:
            await asyncio.wait_for(
                nc.connect(servers=[url], name=name, allow_reconnect=True, max_reconnect_attempts=-1,
                           connect_timeout=max(1, int(connect_timeout)),
                           reconnect_time_wait=reconnect_wait,  # type: ignore[arg-type]  # floats work; stub says int
                           error_cb=on_error, disconnected_cb=on_disconnect, reconnected_cb=on_reconnect),
                connect_timeout,
            )
        except _CONNECT_ERRORS as exc:
            with contextlib.suppress(Exception):
                await nc.close()
            cause = last_error[0] if last_error else exc
            raise BusUnavailable(f"cannot connect to NATS at {url} within {connect_timeout:.0f}s: {cause!r}") from exc
        return cls(nc, **options)

    def subject(self, subject: str) -> str:
        """The wire subject for a logical ``loom.*`` subject (adds the prefix)."""
        return wire_subject(subject, self.prefix)

    def logical_subject(self, subject: str) -> str:
        """The logical subject of a wire subject (strips the prefix)."""
        head = self.prefix + "."
        return subject[len(head):] if self.prefix and subject.startswith(head) else subject

    def wire_stream(self, name: str) -> str:
        """The server-side name of a declared stream (``EVENTS`` -> ``<PREFIX>_EVENTS`` under a prefix)."""
        return stream_name(name, self.prefix)

    def event_subject(self, profile_key: str, event_type: str) -> str:
        """``loom.events.p<NN>.<type>`` for a profile: same key, same partition, every time."""
        part = partition_of(profile_key, self.partitions)
        return f"loom.events.p{part:0{self._width}d}.{subject_token(event_type)}"

    def partition_filter(self, partition: int) -> str:
        """Filter subject of one events partition, for a consumer that owns it."""
        return f"loom.events.p{partition:0{self._width}d}.>"

    async def ensure_streams(self) -> None:
        """Creates every stream, or updates it to the declared config (idempotent, safe to race)."""
        for spec in self.streams:
            config = spec.config(self.prefix)
            try:
                await self.js.add_stream(config)
            except nats.js.errors.BadRequestError:
                # Already there with another config: bring it to the declared one.
                try:
                    await self.js.update_stream(config)
                except nats.js.errors.APIError as exc:
                    raise BusError(f"stream {config.name}: cannot update to the declared config: {exc}") from exc
            except _UNAVAILABLE as exc:
                raise BusUnavailable(f"stream {config.name}: JetStream did not answer: {exc!r}") from exc

    async def delete_streams(self) -> None:
        """Deletes this bus's streams (tests clean their prefix up with it)."""
        for spec in self.streams:
            with contextlib.suppress(nats.js.errors.NotFoundError):
                await self.js.delete_stream(stream_name(spec.name, self.prefix))

    @staticmethod
    def _headers(msg_id: str | None, headers: Mapping[str, str] | None) -> dict[str, str] | None:
        if msg_id is None and not headers:
            return None
        return {**(headers or {}), **({MSG_ID_HEADER: msg_id} if msg_id is not None else {})}

    def _count(self, ack: PubAck) -> None:
        if not ack.duplicate:
            BUS_PUBLISHED.labels(self._logical_stream(ack.stream)).inc()

    def _logical_stream(self, name: str) -> str:
        head = f"{self.prefix.upper()}_"
        return name[len(head):] if self.prefix and name.startswith(head) else name

    async def publish(self, subject: str, data: bytes, *, msg_id: str | None = None,
                      headers: Mapping[str, str] | None = None, ack_timeout: float | None = None) -> PubAck:
        """Publishes and waits until JetStream stored it; ``msg_id`` makes retries idempotent.

        Raises BusUnavailable when the server is unreachable or does not confirm in time, BusError if refused.
        """
        if not self.nc.is_connected:
            raise BusUnavailable(f"not connected to NATS (publishing {subject})")
        try:
            ack = await self.js.publish(self.subject(subject), data, timeout=ack_timeout or self.publish_timeout,
                                        headers=self._headers(msg_id, headers))
        except _UNAVAILABLE as exc:
            raise BusUnavailable(f"publish to {subject} not confirmed: {exc!r}") from exc
        except nats.js.errors.APIError as exc:
            raise BusError(f"publish to {subject} refused: {exc}") from exc
        self._count(ack)
        return ack

    async def publish_many(self, items: Iterable[Outgoing], *, ack_timeout: float | None = None) -> list[PubAck]:
        """Publishes many messages pipelined on the connection and returns their acks in order.

        Messages go out back to back without waiting for each ack (bounded by ``max_pending_publishes``);
        one deadline covers the whole batch. If any publish is not confirmed, raises BusUnavailable carrying
        the acks that did arrive: retrying the whole batch with the same msg_ids stores nothing twice.
        """
        if not self.nc.is_connected:
            raise BusUnavailable("not connected to NATS (publishing a batch)")
        budget = ack_timeout or self.publish_timeout
        futures: list[asyncio.Future[PubAck]] = []
        try:
            for item in items:
                futures.append(await self.js.publish_async(
                    self.subject(item.subject), item.data, wait_stall=budget,
                    headers=self._headers(item.msg_id, item.headers)))
            if futures:
                await asyncio.wait(futures, timeout=budget)
        except _UNAVAILABLE as exc:
            self._abandon(futures)
            raise BusUnavailable(f"batch publish interrupted: {exc!r}", self._acks(futures)) from exc
        acks = self._acks(futures)
        self._abandon(futures)
        failures = [f.exception() for f in futures if f.done() and not f.cancelled() and f.exception()]
        refused = [e for e in failures if isinstance(e, nats.js.errors.APIError) and not isinstance(e, _UNAVAILABLE)]
        if refused:
            raise BusError(f"{len(refused)} of {len(futures)} publishes refused: {refused[0]}")
        confirmed = [a for a in acks if a is not None]
        if len(confirmed) < len(acks):
            raise BusUnavailable(f"{len(acks) - len(confirmed)} of {len(acks)} publishes not confirmed "
                                 f"within {budget:.1f}s", acks)
        for ack in confirmed:
            self._count(ack)
        return confirmed

    @staticmethod
    def _acks(futures: Sequence[asyncio.Future[PubAck]]) -> list[PubAck | None]:
        return [f.result() if f.done() and not f.cancelled() and f.exception() is None else None for f in futures]

    @staticmethod
    def _abandon(futures: Sequence[asyncio.Future[PubAck]]) -> None:
        # Cancelling releases the client's in-flight slots held by unanswered publishes.
        for f in futures:
            if not f.done():
                f.cancel()

    async def consume(self, durable: str, filter_subject: str, handler: BatchHandler, *, batch: int = 256,
                      max_ack_pending: int | None = None, ack_wait: float = 30.0, max_deliver: int = 5,
                      retry_delay: float = 1.0, max_retry_delay: float = 60.0,
                      fetch_timeout: float = 1.0, pending_interval: float = 5.0) -> Consumer:
        """Starts a durable pull consumer in a background task and returns its handle.

        ``handler`` receives a list of up to ``batch`` messages (with logical subjects); they are acked when
        it returns. When it raises, each message is retried alone so one poison message cannot hold back the
        others; a message that still fails is nak'ed with exponential delay, and after ``max_deliver``
        deliveries it is published to ``loom.deadletter.<durable>`` and terminated.
        """
        wire_filter = self.subject(filter_subject)
        try:
            stream = await self.js.find_stream_name_by_subject(wire_filter)
            config = ConsumerConfig(
                durable_name=durable, name=durable, filter_subject=wire_filter, ack_policy=AckPolicy.EXPLICIT,
                ack_wait=ack_wait, max_ack_pending=max_ack_pending or batch * 4, max_waiting=16,
                # The client counts deliveries itself so a message is dead-lettered, never silently dropped.
                max_deliver=-1,
            )
            await self.js.add_consumer(stream, config)
            sub = await self.js.pull_subscribe_bind(durable=durable, stream=stream)
        except nats.js.errors.NotFoundError as exc:
            raise BusError(f"consumer {durable}: no stream holds {filter_subject}; call ensure_streams()") from exc
        except _UNAVAILABLE as exc:
            raise BusUnavailable(f"consumer {durable}: JetStream did not answer: {exc!r}") from exc
        consumer = Consumer(self, durable, stream, sub, handler, batch=batch, max_deliver=max_deliver,
                            retry_delay=retry_delay, max_retry_delay=max_retry_delay,
                            fetch_timeout=fetch_timeout, pending_interval=pending_interval)
        consumer.start()
        self._consumers.append(consumer)
        return consumer

    async def stop_consumers(self, grace: float = 30.0) -> None:
        """Stops every consumer of this bus, letting each finish the batch in hand (SIGTERM drain)."""
        for consumer in list(self._consumers):
            await consumer.stop(grace)
        self._consumers.clear()

    async def close(self) -> None:
        """Stops every consumer (finishing in-flight batches), then drains and closes the connection."""
        await self.stop_consumers()
        if self.nc.is_closed:
            return
        if self.nc.is_connected:
            with contextlib.suppress(*_UNAVAILABLE, nats.errors.DrainTimeoutError):
                await self.nc.drain()
        if not self.nc.is_closed:
            await self.nc.close()

