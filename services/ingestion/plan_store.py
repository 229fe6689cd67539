"""Stored data plans and the in-memory set every replica validates against.

Plans live in the ``data_plan`` table as protobuf JSON. Each replica keeps a compiled `PlanSet` and reloads
it when the table's revisions change (checked every few seconds, and at once after a change made through
this replica), so a plan applied through any replica governs every replica within the refresh interval.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from google.protobuf import json_format
from sqlalchemy import delete, func, select

from loom.ingestion.v1 import ingestion_pb2 as pb
from services.common.errors import NotFound
from services.common.storage import Database, upsert
from services.ingestion.plans import PlanSet, check_plan
from services.ingestion.tables import data_plan

log = logging.getLogger("loom.ingestion.plans")
MAX_PAGE = 100


def _to_document(plan: pb.DataPlan) -> dict[str, object]:
    return json_format.MessageToDict(plan, preserving_proto_field_name=True)


def _from_document(document: dict[str, object]) -> pb.DataPlan:
    return json_format.ParseDict(document, pb.DataPlan(), ignore_unknown_fields=True)


class PlanStore:
    """Reads and writes data plans, and keeps the compiled plan set current."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self.plans = PlanSet()
        self._fingerprint: tuple[object, ...] | None = None

    async def put(self, plan: pb.DataPlan) -> pb.DataPlan:
        """Checks and stores a plan under the next revision; returns the stored plan."""
        check_plan(plan)
        stored = pb.DataPlan()
        stored.CopyFrom(plan)
        stored.updated_at.FromDatetime(datetime.now(UTC))
        async with self._db.begin() as conn:
            current = (await conn.execute(
                select(data_plan.c.revision).where(data_plan.c.plan_id == plan.plan_id))).scalar_one_or_none()
            stored.revision = (current or 0) + 1
            row = {"plan_id": stored.plan_id, "revision": stored.revision, "document": _to_document(stored),
                   "updated_at": stored.updated_at.ToDatetime(tzinfo=UTC)}
            await conn.execute(upsert(data_plan, [row], ["plan_id"]))
        await self.refresh(force=True)
        return stored

    async def get(self, plan_id: str) -> pb.DataPlan:
        """One plan; NotFound when there is none."""
        async with self._db.connect() as conn:
            document = (await conn.execute(
                select(data_plan.c.document).where(data_plan.c.plan_id == plan_id))).scalar_one_or_none()
        if document is None:
            raise NotFound(f"data plan {plan_id!r} does not exist")
        return _from_document(document)

    async def list(self, page_size: int = 0, page_token: str = "") -> tuple[list[pb.DataPlan], str, int]:
        """Plans ordered by id after ``page_token``; returns (plans, next token or '', total)."""
        size = min(page_size or MAX_PAGE, MAX_PAGE)
        stmt = select(data_plan.c.plan_id, data_plan.c.document).order_by(data_plan.c.plan_id).limit(size + 1)
        if page_token:
            stmt = stmt.where(data_plan.c.plan_id > page_token)
        async with self._db.connect() as conn:
            rows = (await conn.execute(stmt)).all()
            total = int((await conn.execute(select(func.count()).select_from(data_plan))).scalar_one())
        more = len(rows) > size
        rows = rows[:size]
        return [_from_document(r.document) for r in rows], (rows[-1].plan_id if more else ""), total

    async def delete(self, plan_id: str) -> None:
        """Deletes a plan; NotFound when there is none."""
        async with self._db.begin() as conn:
            result = await conn.execute(delete(data_plan).where(data_plan.c.plan_id == plan_id))
        if not result.rowcount:
            raise NotFound(f"data plan {plan_id!r} does not exist")
        await self.refresh(force=True)

    async def refresh(self, force: bool = False) -> None:
        """Reloads and recompiles the plans when any changed (cheap when nothing did)."""
        async with self._db.connect() as conn:
            fingerprint = tuple((await conn.execute(select(
                func.count(), func.sum(data_plan.c.revision), func.max(data_plan.c.updated_at)))).one())
            if not force and fingerprint == self._fingerprint:
                return
            documents = (await conn.execute(select(data_plan.c.document))).scalars().all()
        self.plans = PlanSet(_from_document(d) for d in documents)
        self._fingerprint = fingerprint

    def refresher(self, every_s: float) -> Callable[[], Awaitable[Callable[[], Awaitable[None]]]]:
        """A ServiceApp background starter that reloads the plans every ``every_s`` seconds."""

        async def start() -> Callable[[], Awaitable[None]]:
            await self.refresh(force=True)

            async def loop() -> None:
                while True:
                    await asyncio.sleep(every_s)
                    try:
                        await self.refresh()
                    except Exception as exc:  # noqa: BLE001 - keep serving with the plans in hand
                        log.warning("reloading data plans failed, keeping the current ones: %r", exc)

            task = asyncio.create_task(loop(), name="ingestion-plan-refresh")

            async def stop() -> None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task

            return stop

        return start
