"""The ingestion core: contract check, deduplication, enrichment and durable publishing of a batch.

An event is acknowledged (ACCEPTED) only after JetStream confirmed it is stored (the server fsyncs every
write), so an acknowledged event survives a crash of this process or of the bus. Duplicates are caught
three ways: within the batch, by JetStream's Nats-Msg-Id window (concurrent retries, and the gap before
the archiver has recorded an event), and by the durable dedup table the archiver fills (retries days later).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from prometheus_client import Counter
from sqlalchemy import select

from loom.ingestion.v1 import ingestion_pb2 as pb
from services.common.bus import BusError, EventBus, Outgoing
from services.common.errors import FieldViolation, InvalidArgument, Unavailable
from services.common.events import batch_id, profile_key
from services.common.storage import Database
from services.ingestion.contract import MAX_BATCH_BYTES, MAX_EVENTS_PER_BATCH, check_event
from services.ingestion.enrich import enrich
from services.ingestion.tables import dedup

EVENTS = Counter("loom_ingestion_events_total", "Events by outcome.", ["source", "status"])
_STATUS_NAME = {v: pb.EventStatus.Name(v).removeprefix("EVENT_STATUS_").lower() for v in pb.EventStatus.values()}


@dataclass
class BatchOutcome:
    """Per-event results of one batch."""

    results: list[pb.EventResult] = field(default_factory=list)

    @property
    def accepted(self) -> int:
        """Number of accepted events."""
        return sum(1 for r in self.results if r.status == pb.EVENT_STATUS_ACCEPTED)


class Ingestor:
    """Turns batches of client events into durably published, deduplicated bus messages."""

    def __init__(self, db: Database, bus: EventBus) -> None:
        self._db = db
        self._bus = bus

    def check_batch_limits(self, events: Sequence[pb.Event], size_bytes: int) -> None:
        """Rejects the whole request when it breaks the batch limits (the one all-or-nothing rule)."""
        problems = []
        if len(events) > MAX_EVENTS_PER_BATCH:
            problems.append(
                FieldViolation("events", f"at most {MAX_EVENTS_PER_BATCH} events per batch, got {len(events)}")
            )
        if size_bytes > MAX_BATCH_BYTES:
            problems.append(FieldViolation("events", f"at most {MAX_BATCH_BYTES} bytes per batch, got {size_bytes}"))
        if problems:
            raise InvalidArgument(problems)

    async def ingest(self, events: Sequence[pb.Event], source_id: str) -> BatchOutcome:
        """Ingests a batch with a result per event; raises Unavailable when the bus cannot confirm."""
        received_at = datetime.now(UTC)
        received_ns = time.time_ns()
        results: list[pb.EventResult] = []
        pending: list[tuple[int, pb.Event]] = []
        seen: set[str] = set()
        for index, event in enumerate(events):
            result = pb.EventResult(index=index, message_id=event.message_id)
            violations = check_event(event, index)
            if violations:
                result.status = pb.EVENT_STATUS_REJECTED
                result.violations.extend(violations)
            elif event.message_id in seen:
                result.status = pb.EVENT_STATUS_DUPLICATE
            else:
                seen.add(event.message_id)
                pending.append((index, event))
            results.append(result)

        known = await self._already_ingested([e.message_id for _, e in pending], received_at)
        to_publish: list[tuple[int, pb.Event]] = []
        for index, event in pending:
            if event.message_id in known:
                results[index].status = pb.EVENT_STATUS_DUPLICATE
            else:
                enrich(event, received_ns, source_id)
                to_publish.append((index, event))

        if to_publish:
            await self._publish(to_publish, results)

        for r in results:
            EVENTS.labels(source_id, _STATUS_NAME[r.status]).inc()
        return BatchOutcome(results)

    async def _publish(self, to_publish: list[tuple[int, pb.Event]], results: list[pb.EventResult]) -> None:
        """One JetStream message per partition: a durable write carries many events, order kept per user."""
        groups: dict[str, list[tuple[int, pb.Event]]] = {}
        for index, event in to_publish:
            groups.setdefault(self._bus.event_subject(profile_key(event), "batch"), []).append((index, event))
        items = [
            Outgoing(
                subject,
                pb.EventBatch(events=[e for _, e in group]).SerializeToString(),
                batch_id([e for _, e in group]),
            )
            for subject, group in groups.items()
        ]
        try:
            acks = await self._bus.publish_many(items)
        except BusError as exc:  # BusUnavailable, or JetStream refused the write
            raise Unavailable(f"event bus unavailable, nothing from this batch is lost: retry ({exc})") from exc
        for group, ack in zip(groups.values(), acks, strict=True):
            status = pb.EVENT_STATUS_DUPLICATE if ack.duplicate else pb.EVENT_STATUS_ACCEPTED
            for index, _ in group:
                results[index].status = status

    async def _already_ingested(self, message_ids: list[str], now: datetime) -> set[str]:
        if not message_ids:
            return set()
        async with self._db.connect() as conn:
            rows = await conn.execute(
                select(dedup.c.message_id).where(dedup.c.message_id.in_(message_ids), dedup.c.expires_at > now)
            )
            return {row[0] for row in rows}
