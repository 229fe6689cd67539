"""Profiles and the identity graph in SQL: applying event batches under the identity rules.

A batch is applied in one transaction that also records each message id as processed, so a batch
redelivered by the bus after a crash changes nothing the second time. Audience membership of the profiles a
batch touched is re-evaluated inside the same transaction (through `ChangeHook`), so a crash can never leave
profiles updated but memberships stale.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from prometheus_client import Counter, Histogram
from sqlalchemy import Table, delete, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from loom.ingestion.v1 import ingestion_pb2 as pb
from services.common.storage import Database, OnConflict
from services.identity.graph import Ident, Stitcher, WorkingSet
from services.identity.identifiers import identifiers_of
from services.identity.rules import IdentityRules, RulesStore
from services.identity.state import ProfileState
from services.identity.tables import (
    identifiers,
    merges,
    processed_events,
    profiles,
    refused_merges,
    trait_history,
)

EVENTS_APPLIED = Counter("loom_identity_events_applied_total", "Events folded into profiles.")
EVENTS_DUPLICATE = Counter("loom_identity_events_duplicate_total", "Redelivered events skipped as already applied.")
APPLY_SECONDS = Histogram("loom_identity_apply_seconds", "Time to apply one batch of events to profiles.")
RULES_TTL_S = 30.0

ChangeHook = Callable[[AsyncConnection, set[str]], Awaitable[None]]


def chunks(rows: Sequence[Any], size: int) -> Iterable[Sequence[Any]]:
    """`rows` in slices of `size`: keeps statements under SQLite's bound-parameter cap."""
    for i in range(0, len(rows), size):
        yield rows[i:i + size]


async def insert_rows(conn: AsyncConnection, table: Table, rows: Sequence[dict[str, Any]],
                      conflict: Sequence[str] = (), update_columns: Sequence[str] = ()) -> None:
    """Executemany insert; with `conflict` it skips (or, with `update_columns`, updates) colliding rows."""
    if not rows:
        return
    stmt = insert(table)
    if conflict:
        stmt = stmt.ext(OnConflict(table, conflict, update_columns))
    for part in chunks(rows, 5000):
        await conn.execute(stmt, list(part))


@dataclass
class Applied:
    """What one apply changed."""

    fresh: int = 0
    touched: set[str] = field(default_factory=set)


class ProfileStore:
    """Applies events to profiles under the identity rules (cached, refreshed every RULES_TTL_S seconds)."""

    def __init__(self, db: Database, rules: RulesStore | None = None) -> None:
        self.db = db
        self.rules_store = rules or RulesStore(db)
        self._rules: IdentityRules | None = None
        self._rules_at = 0.0
        self.hooks: list[ChangeHook] = []

    async def rules(self) -> IdentityRules:
        """The rules in force, re-read at most every RULES_TTL_S seconds so other replicas' puts apply."""
        if self._rules is None or time.monotonic() - self._rules_at > RULES_TTL_S:
            self._rules = await self.rules_store.get()
            self._rules_at = time.monotonic()
        return self._rules

    def use_rules(self, rules: IdentityRules) -> None:
        """Applies freshly stored rules at once (PutIdentityRules on this replica)."""
        self._rules, self._rules_at = rules, time.monotonic()

    async def apply(self, events: Sequence[pb.Event]) -> int:
        """Applies events in order in one transaction; returns how many were new."""
        return (await self.apply_batch(events)).fresh

    async def apply_batch(self, events: Sequence[pb.Event], payloads: Sequence[bytes] | None = None) -> Applied:
        """Applies events in order in one transaction; returns the new count and the profiles touched."""
        rules = await self.rules()
        started = time.perf_counter()
        async with self.db.begin() as conn:
            done = await self._processed(conn, [e.message_id for e in events])
            seen: set[str] = set()
            fresh: list[tuple[pb.Event, bytes | None]] = []
            for i, e in enumerate(events):
                if e.message_id in done or e.message_id in seen:
                    continue
                seen.add(e.message_id)
                fresh.append((e, payloads[i] if payloads is not None else None))
            EVENTS_DUPLICATE.inc(len(events) - len(fresh))
            if not fresh:
                return Applied()
            work = WorkingSet()
            wanted = {i for e, _ in fresh for i in identifiers_of(e, rules)}
            await load(conn, work, wanted, rules)
            stitcher = Stitcher(rules, work)
            for event, payload in fresh:
                stitcher.fold(event, payload)
            await write(conn, work)
            for hook in self.hooks:
                await hook(conn, work.touched)
        EVENTS_APPLIED.inc(len(fresh))
        APPLY_SECONDS.observe(time.perf_counter() - started)
        return Applied(len(fresh), work.touched)

    async def _processed(self, conn: AsyncConnection, ids: list[str]) -> set[str]:
        found: set[str] = set()
        for part in chunks(ids, 5000):
            rows = await conn.execute(
                select(processed_events.c.message_id).where(processed_events.c.message_id.in_(part)))
            found.update(r[0] for r in rows)
        return found


async def load(conn: AsyncConnection, work: WorkingSet, wanted: Iterable[Ident], rules: IdentityRules) -> None:
    """Fills `work` with the owners of `wanted`, their profiles, limited identifiers and separations."""
    by_type: dict[str, list[str]] = {}
    for kind, value in wanted:
        by_type.setdefault(kind, []).append(value)
    for kind, values in by_type.items():
        for part in chunks(values, 5000):
            rows = await conn.execute(select(identifiers.c.value, identifiers.c.profile_id)
                                      .where(identifiers.c.type == kind, identifiers.c.value.in_(part)))
            for value, pid in rows:
                work.owner[(kind, value)] = pid
    pids = sorted(set(work.owner.values()))
    for part in chunks(pids, 5000):
        # FOR UPDATE (PostgreSQL; SQLite's write lock covers it) so an API write to the same row cannot be lost.
        for row in await conn.execute(select(profiles).where(profiles.c.profile_id.in_(part)).with_for_update()):
            work.states[row.profile_id] = state_of(row)
            work.limited.setdefault(row.profile_id, set())
        if rules.limited_types:
            rows = await conn.execute(
                select(identifiers.c.type, identifiers.c.value, identifiers.c.profile_id)
                .where(identifiers.c.profile_id.in_(part), identifiers.c.type.in_(sorted(rules.limited_types))))
            for kind, value, pid in rows:
                work.limited.setdefault(pid, set()).add((kind, value))
        rows = await conn.execute(
            select(merges.c.into_profile_id, merges.c.from_profile_id).where(
                merges.c.unmerged_at.is_not(None),
                or_(merges.c.into_profile_id.in_(part), merges.c.from_profile_id.in_(part))))
        work.separated.update(frozenset(r) for r in rows)


async def write(conn: AsyncConnection, work: WorkingSet) -> None:
    """Persists everything `work` changed."""
    now = datetime.now(UTC)
    for gone, into in work.absorbed.items():
        for table in (identifiers, processed_events, trait_history):
            await conn.execute(update(table).where(table.c.profile_id == gone).values(profile_id=into))
        await conn.execute(delete(profiles).where(profiles.c.profile_id == gone))
    rows = [{"profile_id": s.profile_id, "created_at": s.created_at, "updated_at": now, "traits": s.traits,
             "computed": s.computed, "predictive": s.predictive, "version": s.version}
            for s in work.states.values() if s.profile_id in work.touched]
    await insert_rows(conn, profiles, rows, ["profile_id"],
                      ["created_at", "updated_at", "traits", "computed", "predictive", "version"])
    await insert_rows(conn, identifiers, work.new_identifiers, ["type", "value"])
    await insert_rows(conn, merges, work.merges)
    await insert_rows(conn, refused_merges, work.refused)
    await insert_rows(conn, trait_history, work.history)
    await insert_rows(conn, processed_events, work.processed, ["message_id"])


def state_of(row: Any) -> ProfileState:
    """The ProfileState of a ``profiles`` row."""
    return ProfileState(
        profile_id=row.profile_id,
        created_at=row.created_at,
        traits=dict(row.traits or {}),
        computed=dict(row.computed or {}),
        predictive=dict(row.predictive or {}),
        version=row.version,
    )
