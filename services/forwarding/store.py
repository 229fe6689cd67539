"""Destinations and the durable delivery queue in the forwarding service's database."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from google.protobuf import json_format
from sqlalchemy import and_, delete, func, insert, select, update

from loom.forwarding.v1 import forwarding_pb2 as pb
from services.common.errors import NotFound
from services.common.storage import Database, insert_ignore
from services.forwarding.tables import dead_letters, deliveries, destinations

# Statuses of deliveries still waiting in the queue.
PENDING = (pb.DELIVERY_STATUS_QUEUED, pb.DELIVERY_STATUS_RETRYING, pb.DELIVERY_STATUS_DEFERRED)
_STATE = {pb.DESTINATION_STATE_ACTIVE: "active", pb.DESTINATION_STATE_PAUSED: "paused"}
_STATE_BACK = {v: k for k, v in _STATE.items()}


def now_utc() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(UTC)


def new_delivery(*, destination_id: str, idempotency_key: str, profile_id: str, payload: dict[str, Any],
                 kind: str = "event", message_id: str = "", status: int = pb.DELIVERY_STATUS_QUEUED,
                 at: datetime | None = None, **fields: Any) -> dict[str, Any]:
    """A deliveries row with defaults for everything not given."""
    at = at or now_utc()
    row: dict[str, Any] = {
        "delivery_id": uuid.uuid4().hex, "destination_id": destination_id, "kind": kind,
        "channel": pb.CHANNEL_UNSPECIFIED, "category": pb.MESSAGE_CATEGORY_UNSPECIFIED, "profile_id": profile_id,
        "message_id": message_id, "creative_id": "", "journey_id": "", "step_id": "",
        "idempotency_key": idempotency_key, "status": status, "attempts": 0, "last_error": "",
        "last_response_code": 0, "payload": payload, "created_at": at, "first_attempt_at": None,
        "next_attempt_at": at, "deferred_until": None, "delivered_at": None, "updated_at": at,
    }
    row.update(fields)
    return row


class DestinationStore:
    """Stored destinations (as their proto JSON) and the queue of deliveries waiting for them."""

    def __init__(self, db: Database) -> None:
        self.db = db

    # Destinations

    @staticmethod
    def _to_proto(row: Any) -> pb.Destination:
        d = json_format.ParseDict(row.spec, pb.Destination())
        d.state = _STATE_BACK.get(row.state, pb.DESTINATION_STATE_ACTIVE)
        d.paused_reason = row.paused_reason
        d.revision = row.revision
        d.updated_at.FromDatetime(row.updated_at)
        return d

    async def put(self, d: pb.Destination) -> tuple[pb.Destination, datetime]:
        """Creates or replaces a destination, keeping its pause state; returns it and its creation time."""
        at = now_utc()
        spec = json_format.MessageToDict(d, preserving_proto_field_name=True)
        for key in ("state", "paused_reason", "revision", "updated_at"):
            spec.pop(key, None)
        async with self.db.begin() as conn:
            row = (await conn.execute(select(destinations).where(destinations.c.destination_id == d.destination_id)
                                      .with_for_update())).first()
            if row is None:
                await conn.execute(insert(destinations).values(
                    destination_id=d.destination_id, spec=spec, state="active", paused_reason="", revision=1,
                    created_at=at, updated_at=at))
            else:
                await conn.execute(update(destinations).where(destinations.c.destination_id == d.destination_id)
                                   .values(spec=spec, revision=row.revision + 1, updated_at=at))
            stored = (await conn.execute(select(destinations)
                                         .where(destinations.c.destination_id == d.destination_id))).one()
        return self._to_proto(stored), stored.created_at

    async def get(self, destination_id: str) -> tuple[pb.Destination, datetime]:
        """A destination and its creation time; NotFound when there is none."""
        async with self.db.connect() as conn:
            row = (await conn.execute(select(destinations)
                                      .where(destinations.c.destination_id == destination_id))).first()
        if row is None:
            raise NotFound(f"no destination {destination_id!r}")
        return self._to_proto(row), row.created_at

    async def all(self) -> list[tuple[pb.Destination, datetime]]:
        """Every destination with its creation time, by id."""
        async with self.db.connect() as conn:
            rows = (await conn.execute(select(destinations).order_by(destinations.c.destination_id))).all()
        return [(self._to_proto(r), r.created_at) for r in rows]

    async def set_state(self, destination_id: str, state: int, reason: str) -> pb.Destination:
        """Pauses or resumes a destination."""
        async with self.db.begin() as conn:
            result = await conn.execute(update(destinations).where(destinations.c.destination_id == destination_id)
                                        .values(state=_STATE[state], paused_reason=reason,
                                                revision=destinations.c.revision + 1, updated_at=now_utc()))
            if result.rowcount == 0:
                raise NotFound(f"no destination {destination_id!r}")
        return (await self.get(destination_id))[0]

    async def delete(self, destination_id: str, reason: str = "destination deleted") -> int:
        """Deletes a destination; its queued deliveries become dead letters. Returns how many."""
        async with self.db.begin() as conn:
            result = await conn.execute(delete(destinations).where(destinations.c.destination_id == destination_id))
            if result.rowcount == 0:
                raise NotFound(f"no destination {destination_id!r}")
            rows = (await conn.execute(select(deliveries).where(
                and_(deliveries.c.destination_id == destination_id, deliveries.c.status.in_(PENDING))))).all()
            await self._dead_letter(conn, [r._asdict() for r in rows], reason, True, 0)
        return len(rows)

    # The queue

    async def enqueue(self, rows: Sequence[dict[str, Any]]) -> int:
        """Adds deliveries to the queue; a row whose idempotency key is known already is skipped."""
        if not rows:
            return 0
        async with self.db.begin() as conn:
            result = await conn.execute(insert_ignore(deliveries, rows, ["idempotency_key"]))
        return result.rowcount

    async def pending(self, destination_id: str, limit: int) -> list[dict[str, Any]]:
        """The oldest waiting deliveries of a destination, in queue order."""
        async with self.db.connect() as conn:
            rows = (await conn.execute(
                select(deliveries).where(and_(deliveries.c.destination_id == destination_id,
                                              deliveries.c.status.in_(PENDING)))
                .order_by(deliveries.c.id).limit(limit))).all()
        return [r._asdict() for r in rows]

    async def count(self, destination_id: str) -> tuple[int, int]:
        """Queued deliveries and open dead letters of a destination."""
        async with self.db.connect() as conn:
            queued = (await conn.execute(select(func.count()).select_from(deliveries).where(
                and_(deliveries.c.destination_id == destination_id, deliveries.c.status.in_(PENDING))))).scalar_one()
            dead = (await conn.execute(select(func.count()).select_from(dead_letters).where(
                and_(dead_letters.c.destination_id == destination_id, dead_letters.c.state == "open")))).scalar_one()
        return int(queued), int(dead)

    async def count_events(self, destination_id: str) -> int:
        """Bus events of a destination waiting in the queue (they hold back newer events to keep order)."""
        async with self.db.connect() as conn:
            return int((await conn.execute(select(func.count()).select_from(deliveries).where(and_(
                deliveries.c.destination_id == destination_id, deliveries.c.status.in_(PENDING),
                deliveries.c.kind == "event")))).scalar_one())

    async def delivered(self, ids: Sequence[int], code: int) -> None:
        """Marks deliveries accepted by the destination."""
        at = now_utc()
        async with self.db.begin() as conn:
            await conn.execute(update(deliveries).where(deliveries.c.id.in_(list(ids))).values(
                status=pb.DELIVERY_STATUS_DELIVERED, attempts=deliveries.c.attempts + 1, last_response_code=code,
                last_error="", delivered_at=at, updated_at=at,
                first_attempt_at=func.coalesce(deliveries.c.first_attempt_at, at)))

    async def retry_later(self, rows: Sequence[dict[str, Any]]) -> None:
        """Stores new attempt counts and next attempt times (rows carry id, attempts, next_attempt_at,
        first_attempt_at, last_error, last_response_code)."""
        at = now_utc()
        async with self.db.begin() as conn:
            for row in rows:
                await conn.execute(update(deliveries).where(deliveries.c.id == row["id"]).values(
                    status=pb.DELIVERY_STATUS_RETRYING, attempts=row["attempts"],
                    next_attempt_at=row["next_attempt_at"], first_attempt_at=row["first_attempt_at"],
                    last_error=row["last_error"], last_response_code=row["last_response_code"], updated_at=at))

    async def dead_letter(self, rows: Sequence[dict[str, Any]], error: str, permanent: bool, code: int) -> None:
        """Moves deliveries (queued or never stored) to dead letters with the destination's answer."""
        async with self.db.begin() as conn:
            await self._dead_letter(conn, rows, error, permanent, code)

    @staticmethod
    async def _dead_letter(conn: Any, rows: Sequence[dict[str, Any]], error: str, permanent: bool,
                           code: int) -> None:
        if not rows:
            return
        at = now_utc()
        fresh = [r for r in rows if "id" not in r]
        if fresh:
            await conn.execute(insert_ignore(deliveries, fresh, ["idempotency_key"]))
        keys = [r["idempotency_key"] for r in rows]
        by_attempts: dict[int, list[str]] = {}
        for r in rows:
            by_attempts.setdefault(int(r.get("attempts", 0)), []).append(r["idempotency_key"])
        for attempts, group in by_attempts.items():
            await conn.execute(update(deliveries).where(deliveries.c.idempotency_key.in_(group)).values(
                status=pb.DELIVERY_STATUS_DEAD_LETTERED, last_error=error[:2000], last_response_code=code,
                attempts=attempts, updated_at=at, first_attempt_at=func.coalesce(deliveries.c.first_attempt_at, at)))
        stored = (await conn.execute(select(deliveries.c.delivery_id, deliveries.c.destination_id,
                                            deliveries.c.profile_id)
                                     .where(deliveries.c.idempotency_key.in_(keys)))).all()
        await conn.execute(insert(dead_letters), [
            {"dead_letter_id": uuid.uuid4().hex, "delivery_id": r.delivery_id, "destination_id": r.destination_id,
             "profile_id": r.profile_id, "error": error[:2000], "permanent": permanent, "state": "open",
             "replay_count": 0, "dead_lettered_at": at} for r in stored])
