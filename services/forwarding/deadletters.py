"""Dead letters: listing with filters, idempotent replay and discard."""

from __future__ import annotations

from datetime import UTC
from typing import Any

from sqlalchemy import and_, func, select, update
from sqlalchemy.sql.elements import ColumnElement

from loom.forwarding.v1 import forwarding_pb2 as pb
from services.common.errors import FieldViolation, InvalidArgument
from services.common.storage import Database, insert_ignore
from services.forwarding.store import now_utc
from services.forwarding.tables import dead_letters, deliveries, destinations, replays


def _is_empty(f: pb.DeadLetterFilter) -> bool:
    return not (f.dead_letter_ids or f.destination_id or f.error_contains or f.HasField("permanent")
                or f.window.HasField("start") or f.window.HasField("end"))


def conditions(f: pb.DeadLetterFilter, *, open_only: bool) -> list[ColumnElement[bool]]:
    """SQL conditions of a filter (ids, when given, override the rest)."""
    where: list[ColumnElement[bool]] = []
    if open_only:
        where.append(dead_letters.c.state == "open")
    if f.dead_letter_ids:
        return [*where, dead_letters.c.dead_letter_id.in_(list(f.dead_letter_ids))]
    if f.destination_id:
        where.append(dead_letters.c.destination_id == f.destination_id)
    if f.error_contains:
        where.append(dead_letters.c.error.contains(f.error_contains, autoescape=True))
    if f.HasField("permanent"):
        where.append(dead_letters.c.permanent == f.permanent)
    if f.window.HasField("start"):
        where.append(dead_letters.c.dead_lettered_at >= f.window.start.ToDatetime(tzinfo=UTC))
    if f.window.HasField("end"):
        where.append(dead_letters.c.dead_lettered_at < f.window.end.ToDatetime(tzinfo=UTC))
    return where


class DeadLetterBox:
    """The dead letters of every destination."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def search(self, f: pb.DeadLetterFilter, offset: int, limit: int) -> tuple[list[tuple[Any, Any]], int]:
        """Dead letters (open, replayed and discarded ones: the history) with their deliveries, oldest first."""
        where = and_(True, *conditions(f, open_only=False))
        async with self.db.connect() as conn:
            total = (await conn.execute(select(func.count()).select_from(dead_letters).where(where))).scalar_one()
            rows = (await conn.execute(select(dead_letters).where(where)
                                       .order_by(dead_letters.c.dead_lettered_at, dead_letters.c.dead_letter_id)
                                       .offset(offset).limit(limit))).all()
            found = {d.delivery_id: d for d in (await conn.execute(select(deliveries).where(
                deliveries.c.delivery_id.in_([r.delivery_id for r in rows])))).all()}
        return [(r, found[r.delivery_id]) for r in rows if r.delivery_id in found], int(total)

    async def replay(self, f: pb.DeadLetterFilter, replay_id: str) -> tuple[int, int, set[str]]:
        """Re-queues matching open dead letters: (replayed, skipped, destination ids touched).

        Idempotent twice over: a repeated ``replay_id`` returns the first result without re-queueing, and a
        dead letter once replayed is no longer open. The delivery keeps its idempotency key, so the peer can
        still recognise a resend.
        """
        if _is_empty(f):
            raise InvalidArgument([FieldViolation("filter", "an empty filter would replay everything; name "
                                                  "dead_letter_ids or a destination_id")])
        if not replay_id:
            raise InvalidArgument([FieldViolation("replay_id", "is required so a retried replay is not doubled")])
        at = now_utc()
        async with self.db.begin() as conn:
            seen = (await conn.execute(select(replays).where(replays.c.replay_id == replay_id))).first()
            if seen is not None:
                return int(seen.replayed_count), int(seen.skipped_count), set()
            rows = (await conn.execute(
                select(dead_letters.c.dead_letter_id, dead_letters.c.delivery_id, dead_letters.c.destination_id,
                       deliveries.c.status, destinations.c.destination_id.label("exists"))
                .join(deliveries, deliveries.c.delivery_id == dead_letters.c.delivery_id)
                .outerjoin(destinations, destinations.c.destination_id == dead_letters.c.destination_id)
                .where(and_(*conditions(f, open_only=True))))).all()
            live = [r for r in rows if r.exists is not None and r.status == pb.DELIVERY_STATUS_DEAD_LETTERED]
            skipped = len(rows) - len(live)
            if live:
                await conn.execute(update(deliveries).where(deliveries.c.delivery_id.in_([r.delivery_id for r in live]))
                                   .values(status=pb.DELIVERY_STATUS_QUEUED, attempts=0, first_attempt_at=None,
                                           next_attempt_at=at, updated_at=at))
            await conn.execute(update(dead_letters)
                               .where(dead_letters.c.dead_letter_id.in_([r.dead_letter_id for r in rows]))
                               .values(state="replayed", replay_count=dead_letters.c.replay_count + 1))
            await conn.execute(insert_ignore(replays, [{"replay_id": replay_id, "replayed_count": len(live),
                                                        "skipped_count": skipped, "created_at": at}], ["replay_id"]))
        return len(live), skipped, {r.destination_id for r in live}

    async def discard(self, f: pb.DeadLetterFilter) -> int:
        """Drops matching open dead letters for good; their deliveries read DISCARDED."""
        if _is_empty(f):
            raise InvalidArgument([FieldViolation("filter", "an empty filter would discard everything; name "
                                                  "dead_letter_ids or a destination_id")])
        at = now_utc()
        async with self.db.begin() as conn:
            rows = (await conn.execute(select(dead_letters.c.dead_letter_id, dead_letters.c.delivery_id)
                                       .where(and_(*conditions(f, open_only=True))))).all()
            if rows:
                await conn.execute(update(dead_letters)
                                   .where(dead_letters.c.dead_letter_id.in_([r.dead_letter_id for r in rows]))
                                   .values(state="discarded"))
                await conn.execute(update(deliveries)
                                   .where(deliveries.c.delivery_id.in_([r.delivery_id for r in rows]))
                                   .values(status=pb.DELIVERY_STATUS_DISCARDED, updated_at=at))
        return len(rows)
