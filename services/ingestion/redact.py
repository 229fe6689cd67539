"""Erasing a person from the EVENTS stream, where their events sit inside EventBatch messages of a partition.

How candidates are found: by scanning, not by an index. Every event is published on the partition of its
profile key (user id, else anonymous id), so a person's events live in the few partitions their keys hash
to. An ordered consumer filtered to each of those partitions reads them once, from the first message to the
last one present when the scan began (found with a subject-filtered stream info). A (message_id -> stream
sequence) index would make the lookup cheaper, but it would cost a write on the ingest hot path for every
event to speed up a rare request, and it would be one more copy of the person to erase; the stream's
retention (7 days) bounds the scan.

How a batch is redacted: the events of other people are published again on the same subject under a new
message id (consumers dedupe by each event's message_id, so those already applied are skipped), and only
after JetStream confirmed that copy is the original deleted by sequence. A crash in between leaves both, and
the next attempt finds and redacts the original again: nothing acknowledged is ever lost.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass

from nats.errors import Error as NatsError
from nats.js.api import DeliverPolicy
from nats.js.errors import NotFoundError
from prometheus_client import Counter

from loom.ingestion.v1 import ingestion_pb2 as pb
from services.common.bus import EventBus, partition_of
from services.common.bus_errors import BusError
from services.common.errors import Unavailable
from services.common.events import batch_id
from services.ingestion.subject import Subject

REDACTED = Counter("loom_ingestion_stream_redactions_total", "EVENTS messages rewritten or deleted to erase a "
                   "person, by action.", ["action"])
_READ_TIMEOUT_S = 5.0


@dataclass
class StreamScan:
    """What the scan found (and, unless dry run, did)."""

    messages: int = 0
    events: int = 0
    republished: int = 0
    deleted: int = 0
    last_seq: int = 0


class StreamRedactor:
    """Finds and redacts one person's events in the EVENTS stream."""

    def __init__(self, bus: EventBus) -> None:
        self._bus = bus
        self._stream = bus.wire_stream("EVENTS")

    def _filters(self, subject: Subject) -> list[str]:
        parts = sorted({partition_of(key, self._bus.partitions) for key in subject.keys})
        return [self._bus.subject(self._bus.partition_filter(p)) for p in parts]

    async def redact(self, subject: Subject, dry_run: bool) -> StreamScan:
        """Scans the person's partitions; unless ``dry_run``, rewrites or deletes every message of theirs."""
        scan = StreamScan()
        try:
            for wire_filter in self._filters(subject):
                await self._partition(wire_filter, subject, dry_run, scan)
            scan.last_seq = (await self._bus.js.stream_info(self._stream)).state.last_seq
        except (TimeoutError, OSError, NatsError, BusError) as exc:
            raise Unavailable(f"event stream unavailable while erasing, retry: {exc!r}") from exc
        return scan

    async def _partition(self, wire_filter: str, subject: Subject, dry_run: bool, scan: StreamScan) -> None:
        info = await self._bus.js.stream_info(self._stream, subjects_filter=wire_filter)
        if not info.state.subjects:
            return
        target = info.state.last_seq
        sub = await self._bus.js.subscribe(wire_filter, stream=self._stream, ordered_consumer=True,
                                           deliver_policy=DeliverPolicy.ALL, inactive_threshold=30.0)
        try:
            while True:
                msg = await sub.next_msg(timeout=_READ_TIMEOUT_S)
                meta = msg.metadata
                if meta.sequence.stream > target:
                    return
                await self._one(msg.subject, msg.data, meta.sequence.stream, subject, dry_run, scan)
                if meta.sequence.stream >= target or meta.num_pending == 0:
                    return
        finally:
            with contextlib.suppress(Exception):
                await sub.unsubscribe()

    async def _one(self, wire_subject: str, data: bytes, seq: int, subject: Subject, dry_run: bool,
                   scan: StreamScan) -> None:
        batch = pb.EventBatch()
        batch.ParseFromString(data)
        keep = [e for e in batch.events if not subject.owns(e)]
        if len(keep) == len(batch.events):
            return
        scan.messages += 1
        scan.events += len(batch.events) - len(keep)
        if dry_run:
            return
        if keep:
            # A new Nats-Msg-Id: the copy must not be taken for a retry of the original inside the dup window.
            msg_id = f"{batch_id(keep)}-redacted-{seq}"
            await self._bus.publish(self._bus.logical_subject(wire_subject),
                                    pb.EventBatch(events=keep).SerializeToString(), msg_id=msg_id)
            scan.republished += 1
            REDACTED.labels("republished").inc()
        await self._bus.js.delete_msg(self._stream, seq)
        scan.deleted += 1
        REDACTED.labels("deleted").inc()

    async def wait_consumed(self, durable: str, seq: int, within_s: float = 10.0) -> None:
        """Waits until consumer ``durable`` acknowledged everything up to ``seq`` (no-op if it does not exist).

        A consumer that fetched one of the person's messages before it was deleted may still be writing it;
        once its ack floor passes the redaction, whatever it wrote is there to be erased.
        """
        deadline = asyncio.get_running_loop().time() + within_s
        while True:
            try:
                info = await self._bus.js.consumer_info(self._stream, durable)
            except NotFoundError:
                return
            except (TimeoutError, OSError, NatsError) as exc:
                raise Unavailable(f"event stream unavailable while erasing, retry: {exc!r}") from exc
            if info.ack_floor.stream_seq >= seq or (info.num_pending == 0 and info.num_ack_pending == 0):
                return
            if asyncio.get_running_loop().time() > deadline:
                raise Unavailable(f"consumer {durable} has not caught up with the erasure yet; retry")
            await asyncio.sleep(0.05)
