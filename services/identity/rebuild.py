"""RebuildProfiles: replay the event archive into profiles.

Without a window the derived tables are emptied and rebuilt from every archived event, in the archive's
order (event time, then message id). Kept across the rebuild: trait writes made through the API (they are
not in the archive) and the merges operators undid (so a rebuild does not re-join what they split). With a
window the archive's events in it are applied on top of the current state, which is idempotent: events
already applied are skipped, so this backfills what the live consumer missed.

The archive belongs to ingestion and is read over its QueryArchive RPC (`archive_source`).
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass

import grpc
from prometheus_client import Counter
from sqlalchemy import delete, func, select

from loom.common.v1 import common_pb2
from loom.ingestion.v1 import ingestion_pb2 as ingestion_pb
from loom.ingestion.v1 import ingestion_pb2_grpc
from services.common.errors import Unavailable
from services.identity.audiences.engine import AudienceEngine
from services.identity.state import API_WRITE_PREFIX
from services.identity.store import ProfileStore
from services.identity.tables import identifiers, merges, processed_events, profiles, refused_merges, trait_history

log = logging.getLogger("loom.identity.rebuild")
REBUILT = Counter("loom_identity_rebuild_events_total", "Events replayed by RebuildProfiles.")
EventSource = AsyncIterator[list[ingestion_pb.Event]]


@dataclass(frozen=True)
class RebuildResult:
    """Outcome of a rebuild."""

    events: int
    profiles: int
    seconds: float


async def archive_source(channel: grpc.aio.Channel, window: common_pb2.TimeRange | None = None) -> EventSource:
    """Archived events from ingestion's QueryArchive, chunk by chunk."""
    stub = ingestion_pb2_grpc.IngestionServiceStub(channel)
    request = ingestion_pb.QueryArchiveRequest()
    if window is not None:
        request.window.CopyFrom(window)
    try:
        async for response in stub.QueryArchive(request):
            yield list(response.events)
    except grpc.aio.AioRpcError as exc:
        raise Unavailable(f"reading the event archive from ingestion failed: {exc.code().name}: "
                          f"{exc.details()}") from exc


class Rebuilder:
    """Replays an event source into the store in large transactions (no per-batch audience hooks)."""

    def __init__(self, store: ProfileStore, audiences: AudienceEngine | None = None, batch: int = 5000) -> None:
        self._store = store
        self._audiences = audiences
        self._batch = batch

    async def rebuild(self, source: EventSource, full: bool = True) -> RebuildResult:
        """Replays `source`; with `full`, from empty derived tables. Audiences are re-evaluated at the end."""
        started = time.perf_counter()
        kept_api: list[bytes] = []
        if full:
            kept_api = await self._reset()
        pending: list[ingestion_pb.Event] = []
        total = 0
        async for chunk in source:
            pending.extend(chunk)
            if len(pending) >= self._batch:
                total += await self._apply(pending)
                pending = []
        if pending:
            total += await self._apply(pending)
        if kept_api:
            events = []
            for data in kept_api:
                event = ingestion_pb.Event()
                event.ParseFromString(data)
                events.append(event)
            events.sort(key=lambda e: (e.timestamp.seconds, e.timestamp.nanos, e.message_id))
            await self._apply(events)
        if self._audiences is not None:
            await self._audiences.evaluate_all()
        async with self._store.db.connect() as conn:
            count = int((await conn.execute(select(func.count()).select_from(profiles))).scalar_one())
        seconds = time.perf_counter() - started
        log.info("rebuilt %d profiles from %d events in %.1fs", count, total, seconds)
        return RebuildResult(total, count, seconds)

    async def _reset(self) -> list[bytes]:
        async with self._store.db.begin() as conn:
            kept = [r[0] for r in await conn.execute(
                select(processed_events.c.payload).where(processed_events.c.message_id.like(f"{API_WRITE_PREFIX}%"),
                                                         processed_events.c.payload.is_not(None)))]
            for table in (profiles, identifiers, refused_merges, trait_history, processed_events):
                await conn.execute(delete(table))
            await conn.execute(delete(merges).where(merges.c.unmerged_at.is_(None)))
        return kept

    async def _apply(self, events: list[ingestion_pb.Event]) -> int:
        """One transaction for a large slice; events already applied are skipped (a window replay)."""
        applied = await self._store.apply_batch(events, run_hooks=False)
        REBUILT.inc(applied.fresh)
        return applied.fresh
