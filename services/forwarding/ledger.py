"""The delivery log: status of one delivery, listings, and a person's data (export and erasure)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC
from typing import Any

from sqlalchemy import and_, delete, func, select
from sqlalchemy.sql.elements import ColumnElement

from loom.forwarding.v1 import forwarding_pb2 as pb
from services.common.errors import NotFound
from services.common.storage import Database
from services.forwarding.tables import dead_letters, deliveries, recipient_locks

MESSAGE_KEY_PREFIX = "msg:"


class DeliveryLedger:
    """Reads and erases the delivery log."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def get(self, delivery_id: str = "", idempotency_key: str = "") -> Any:
        """One delivery by id or by its SendMessage idempotency key; NotFound when unknown."""
        if delivery_id:
            where = deliveries.c.delivery_id == delivery_id
        else:
            where = deliveries.c.idempotency_key.in_([MESSAGE_KEY_PREFIX + idempotency_key, idempotency_key])
        async with self.db.connect() as conn:
            row = (await conn.execute(select(deliveries).where(where))).first()
        if row is None:
            raise NotFound(f"no delivery {'with id ' + delivery_id if delivery_id else 'with key ' + idempotency_key}")
        return row

    async def search(self, request: pb.ListDeliveriesRequest, offset: int, limit: int) -> tuple[list[Any], int]:
        """Deliveries matching the request's filters, newest first."""
        where: list[ColumnElement[bool]] = []
        if request.destination_id:
            where.append(deliveries.c.destination_id == request.destination_id)
        if request.profile_id:
            where.append(deliveries.c.profile_id == request.profile_id)
        if request.journey_id:
            where.append(deliveries.c.journey_id == request.journey_id)
        if request.status:
            where.append(deliveries.c.status == request.status)
        if request.window.HasField("start"):
            where.append(deliveries.c.created_at >= request.window.start.ToDatetime(tzinfo=UTC))
        if request.window.HasField("end"):
            where.append(deliveries.c.created_at < request.window.end.ToDatetime(tzinfo=UTC))
        condition = and_(True, *where)
        async with self.db.connect() as conn:
            total = (await conn.execute(select(func.count()).select_from(deliveries).where(condition))).scalar_one()
            rows = (await conn.execute(select(deliveries).where(condition).order_by(deliveries.c.id.desc())
                                       .offset(offset).limit(limit))).all()
        return list(rows), int(total)

    async def person(self, profile_ids: Sequence[str]) -> tuple[list[Any], list[tuple[Any, Any]]]:
        """A person's deliveries and dead letters (with their deliveries)."""
        async with self.db.connect() as conn:
            rows = (await conn.execute(select(deliveries).where(deliveries.c.profile_id.in_(list(profile_ids)))
                                       .order_by(deliveries.c.id))).all()
            letters = (await conn.execute(select(dead_letters)
                                          .where(dead_letters.c.profile_id.in_(list(profile_ids))))).all()
        by_id = {r.delivery_id: r for r in rows}
        return list(rows), [(d, by_id[d.delivery_id]) for d in letters if d.delivery_id in by_id]

    async def erase(self, profile_ids: Sequence[str], dry_run: bool) -> tuple[int, int]:
        """Deletes a person's deliveries, dead letters and cap lock row: (found, erased)."""
        ids = list(profile_ids)
        async with self.db.begin() as conn:
            found = (await conn.execute(select(func.count()).select_from(deliveries)
                                        .where(deliveries.c.profile_id.in_(ids)))).scalar_one()
            letters = (await conn.execute(select(func.count()).select_from(dead_letters)
                                          .where(dead_letters.c.profile_id.in_(ids)))).scalar_one()
            if dry_run:
                return int(found + letters), 0
            await conn.execute(delete(dead_letters).where(dead_letters.c.profile_id.in_(ids)))
            await conn.execute(delete(deliveries).where(deliveries.c.profile_id.in_(ids)))
            await conn.execute(delete(recipient_locks).where(recipient_locks.c.profile_id.in_(ids)))
        return int(found + letters), int(found + letters)
