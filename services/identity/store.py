"""Profiles and the identity graph in SQL: applying event batches and reading profiles.

A batch is applied in one transaction that also records each message id as processed, so a batch
redelivered by the bus after a crash changes nothing the second time.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from prometheus_client import Counter
from sqlalchemy import delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from loom.ingestion.v1 import ingestion_pb2 as pb
from services.common.storage import Database, insert_ignore, upsert
from services.identity.identifiers import identifiers_of
from services.identity.state import ProfileState
from services.identity.tables import identifiers, merges, processed_events, profiles, trait_history

MERGES = Counter("loom_identity_merges_total", "Profile merges by outcome.", ["outcome"])
PROFILE_NAMESPACE = uuid.UUID("6f1c1a8e-2b7c-4d0e-9a53-9a1e0c3b7d21")


def profile_id_for(identifier: tuple[str, str]) -> str:
    """Deterministic profile id from the identifier that created it, so a rebuild yields the same ids."""
    return str(uuid.uuid5(PROFILE_NAMESPACE, f"{identifier[0]}:{identifier[1]}"))


class _Batch:
    """Working set of one transaction: identifier map, loaded profiles and pending writes."""

    def __init__(self) -> None:
        self.owner: dict[tuple[str, str], str] = {}
        self.states: dict[str, ProfileState] = {}
        self.new_identifiers: list[dict[str, Any]] = []
        self.absorbed: dict[str, str] = {}
        self.merges: list[dict[str, Any]] = []
        self.history: list[dict[str, Any]] = []
        self.processed: list[dict[str, Any]] = []


class ProfileStore:
    """Applies events to profiles and reads them back."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def apply(self, events: Sequence[pb.Event]) -> int:
        """Applies events in order in one transaction; returns how many were new."""
        async with self._db.begin() as conn:
            done = await self._processed(conn, [e.message_id for e in events])
            fresh = [e for e in events if e.message_id not in done]
            if not fresh:
                return 0
            batch = _Batch()
            wanted = {i for e in fresh for i in identifiers_of(e)}
            await self._load(conn, batch, wanted)
            now = datetime.now(UTC)
            for event in fresh:
                self._fold(batch, event, now)
            await self._write(conn, batch)
            return len(fresh)

    async def _processed(self, conn: AsyncConnection, ids: list[str]) -> set[str]:
        rows = await conn.execute(select(processed_events.c.message_id).where(processed_events.c.message_id.in_(ids)))
        return {r[0] for r in rows}

    async def _load(self, conn: AsyncConnection, batch: _Batch, wanted: Iterable[tuple[str, str]]) -> None:
        by_type: dict[str, list[str]] = {}
        for kind, value in wanted:
            by_type.setdefault(kind, []).append(value)
        if not by_type:
            return
        clause = or_(*[(identifiers.c.type == k) & identifiers.c.value.in_(v) for k, v in by_type.items()])
        rows = await conn.execute(
            select(identifiers.c.type, identifiers.c.value, identifiers.c.profile_id).where(clause)
        )
        for kind, value, pid in rows:
            batch.owner[(kind, value)] = pid
        pids = set(batch.owner.values())
        if pids:
            for row in await conn.execute(select(profiles).where(profiles.c.profile_id.in_(pids))):
                batch.states[row.profile_id] = _state(row)

    def _fold(self, batch: _Batch, event: pb.Event, now: datetime) -> None:
        ids = identifiers_of(event)
        pids = sorted({batch.owner[i] for i in ids if i in batch.owner}, key=lambda p: (batch.states[p].created_at, p))
        ts = event.timestamp.ToDatetime(tzinfo=UTC)
        if not pids:
            pid = profile_id_for(ids[0])
            state = batch.states.get(pid) or ProfileState(pid, created_at=ts)
            batch.states[pid] = state
        else:
            pid = pids[0]
            state = batch.states[pid]
            for other in pids[1:]:
                self._merge(batch, state, batch.states.pop(other), event, ids, now)
        for ident in ids:
            if ident not in batch.owner:
                batch.owner[ident] = pid
                batch.new_identifiers.append({"type": ident[0], "value": ident[1], "profile_id": pid, "first_seen": ts})
        for name, value, _at in state.apply(event):
            batch.history.append(
                {
                    "profile_id": pid,
                    "trait": name,
                    "value": value,
                    "updated_at": ts,
                    "source": event.source_id,
                    "message_id": event.message_id,
                }
            )
        state.version += 1
        batch.processed.append({"message_id": event.message_id, "profile_id": pid, "processed_at": now})

    def _merge(
        self,
        batch: _Batch,
        into: ProfileState,
        other: ProfileState,
        event: pb.Event,
        ids: list[tuple[str, str]],
        now: datetime,
    ) -> None:
        into.absorb(other)
        for ident, owner in batch.owner.items():
            if owner == other.profile_id:
                batch.owner[ident] = into.profile_id
        for row in batch.new_identifiers:
            if row["profile_id"] == other.profile_id:
                row["profile_id"] = into.profile_id
        batch.absorbed[other.profile_id] = into.profile_id
        batch.merges.append(
            {
                "merge_id": str(uuid.uuid4()),
                "into_profile_id": into.profile_id,
                "from_profile_id": other.profile_id,
                "message_id": event.message_id,
                "evidence": [{"type": t, "value": v} for t, v in ids],
                "merged_at": now,
                "unmerged_at": None,
            }
        )
        MERGES.labels("merged").inc()

    async def _write(self, conn: AsyncConnection, batch: _Batch) -> None:
        now = datetime.now(UTC)
        for gone, into in batch.absorbed.items():
            await conn.execute(update(identifiers).where(identifiers.c.profile_id == gone).values(profile_id=into))
            await conn.execute(delete(profiles).where(profiles.c.profile_id == gone))
        if batch.states:
            rows = [
                {
                    "profile_id": s.profile_id,
                    "created_at": s.created_at,
                    "updated_at": now,
                    "traits": s.traits,
                    "computed": s.computed,
                    "predictive": s.predictive,
                    "version": s.version,
                }
                for s in batch.states.values()
            ]
            await conn.execute(upsert(profiles, rows, ["profile_id"]))
        if batch.new_identifiers:
            await conn.execute(insert_ignore(identifiers, batch.new_identifiers, ["type", "value"]))
        if batch.merges:
            await conn.execute(merges.insert(), batch.merges)
        if batch.history:
            await conn.execute(trait_history.insert(), batch.history)
        await conn.execute(insert_ignore(processed_events, batch.processed, ["message_id"]))

    async def find(
        self, profile_id: str = "", identifier: tuple[str, str] | None = None
    ) -> tuple[ProfileState, list[tuple[str, str]]] | None:
        """A profile and its identifiers, by id or by any identifier."""
        async with self._db.connect() as conn:
            if identifier is not None:
                row = (
                    await conn.execute(
                        select(identifiers.c.profile_id).where(
                            identifiers.c.type == identifier[0], identifiers.c.value == identifier[1]
                        )
                    )
                ).first()
                if row is None:
                    return None
                profile_id = row[0]
            prow = (await conn.execute(select(profiles).where(profiles.c.profile_id == profile_id))).first()
            if prow is None:
                return None
            idents = await conn.execute(
                select(identifiers.c.type, identifiers.c.value)
                .where(identifiers.c.profile_id == profile_id)
                .order_by(identifiers.c.type, identifiers.c.value)
            )
            return _state(prow), [(t, v) for t, v in idents]

    async def count(self) -> int:
        """Number of profiles."""
        from sqlalchemy import func

        async with self._db.connect() as conn:
            return int((await conn.execute(select(func.count()).select_from(profiles))).scalar_one())


def _state(row: Any) -> ProfileState:
    return ProfileState(
        profile_id=row.profile_id,
        created_at=row.created_at,
        traits=dict(row.traits or {}),
        computed=dict(row.computed or {}),
        predictive=dict(row.predictive or {}),
        version=row.version,
    )
