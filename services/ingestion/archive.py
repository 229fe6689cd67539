"""The event archive: every accepted event in a day-partitioned table, written from the bus.

The archiver is a durable JetStream consumer, so the archive catches up after any outage, and its inserts
ignore rows already present, so a redelivered batch is written once. The same transaction records the
message ids in the dedup table that lets ingestion spot retries long after JetStream's window.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from prometheus_client import Counter
from sqlalchemy import delete, func, insert, select

from loom.ingestion.v1 import ingestion_pb2 as pb
from services.common.events import decode_batches, event_category, event_type_name, profile_key
from services.common.storage import Database, OnConflict
from services.ingestion.tables import dedup, event_archive

ARCHIVED = Counter("loom_ingestion_archived_events_total", "Events written to the archive (redeliveries excluded).")
DEDUP_PURGED = Counter("loom_ingestion_dedup_purged_total", "Expired dedup records deleted.")
# executemany statements: the driver batches any number of rows, where a multi-VALUES insert would hit
# SQLite's limit on bound parameters once a fetch brings thousands of events.
_ARCHIVE_IGNORE = insert(event_archive).ext(OnConflict(event_archive, ["message_id"], []))
_DEDUP_IGNORE = insert(dedup).ext(OnConflict(dedup, ["message_id"], []))


def archive_row(event: pb.Event, payload: bytes) -> dict[str, Any]:
    """The archive row of one event."""
    ts = event.timestamp.ToDatetime(tzinfo=UTC)
    revenue = event.commerce.revenue
    return {
        "message_id": event.message_id,
        "day": ts.strftime("%Y-%m-%d"),
        "event_type": event_type_name(event.type),
        "event": event.event or None,
        "user_id": event.user_id or None,
        "anonymous_id": event.anonymous_id or None,
        "profile_key": profile_key(event),
        "market": event.market or None,
        "category": event_category(event) or None,
        "revenue_micros": revenue.amount_micros if revenue.currency_code else None,
        "currency": revenue.currency_code or None,
        "ts": ts,
        "received_at": event.received_at.ToDatetime(tzinfo=UTC),
        "source_id": event.source_id,
        "payload": payload,
    }


class Archive:
    """Writes and reads the archive."""

    def __init__(self, db: Database, dedup_window: timedelta) -> None:
        self._db = db
        self._dedup_window = dedup_window

    async def write(self, payloads: Sequence[bytes]) -> int:
        """Archives the events of EventBatch payloads (idempotent); returns how many events they held."""
        rows = [archive_row(event, event.SerializeToString()) for event in decode_batches(payloads)]
        if not rows:
            return 0
        now = datetime.now(UTC)
        expires = now + self._dedup_window
        async with self._db.begin() as conn:
            written = await conn.execute(_ARCHIVE_IGNORE, rows)
            marks = [{"message_id": r["message_id"], "first_seen": now, "expires_at": expires} for r in rows]
            await conn.execute(_DEDUP_IGNORE, marks)
        ARCHIVED.inc(max(int(written.rowcount or 0), 0))
        return len(rows)

    async def purge_expired_dedup(self, now: datetime | None = None) -> int:
        """Deletes dedup records past their window; returns how many."""
        async with self._db.begin() as conn:
            result = await conn.execute(delete(dedup).where(dedup.c.expires_at <= (now or datetime.now(UTC))))
        purged = int(result.rowcount or 0)
        DEDUP_PURGED.inc(purged)
        return purged

    async def count(self) -> int:
        """Number of archived events."""
        async with self._db.connect() as conn:
            return int((await conn.execute(select(func.count()).select_from(event_archive))).scalar_one())

    async def query(self, request: pb.QueryArchiveRequest, chunk: int = 500) -> AsyncIterator[list[pb.Event]]:
        """Archived events matching the request, oldest first, in chunks."""
        stmt = select(event_archive.c.payload).order_by(event_archive.c.ts, event_archive.c.message_id)
        if request.window.HasField("start"):
            stmt = stmt.where(event_archive.c.ts >= request.window.start.ToDatetime(tzinfo=UTC))
        if request.window.HasField("end"):
            stmt = stmt.where(event_archive.c.ts < request.window.end.ToDatetime(tzinfo=UTC))
        if request.events:
            stmt = stmt.where(event_archive.c.event.in_(list(request.events)))
        if request.market:
            stmt = stmt.where(event_archive.c.market == request.market)
        if request.user_id:
            stmt = stmt.where(event_archive.c.user_id == request.user_id)
        if request.limit:
            stmt = stmt.limit(request.limit)
        async with self._db.connect() as conn:
            result = await conn.stream(stmt)
            batch: list[pb.Event] = []
            async for (payload,) in result:
                event = pb.Event()
                event.ParseFromString(payload)
                batch.append(event)
                if len(batch) >= chunk:
                    yield batch
                    batch = []
            if batch:
                yield batch
