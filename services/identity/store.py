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
from sqlalchemy import Table, bindparam, delete, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from loom.ingestion.v1 import ingestion_pb2 as pb
from services.common.storage import Database, OnConflict
from services.identity.graph import Ident, Stitcher, WorkingSet
from services.identity.identifiers import identifiers_of
from services.identity.rules import IdentityRules, RulesStore
from services.identity.state import ProfileState
from services.identity.tables import (
    audience_members,
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

    async def apply_batch(self, events: Sequence[pb.Event], payloads: Sequence[bytes] | None = None,
                          run_hooks: bool = True) -> Applied:
        """Applies events in order in one transaction; returns the new count and the profiles touched.

        `payloads` are the events' serialized bytes when the caller has them; `run_hooks` False skips the
        audience hooks (a rebuild re-evaluates audiences once at the end instead).
        """
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
            ids = [identifiers_of(e, rules) for e, _ in fresh]
            await load(conn, work, {i for found in ids for i in found}, rules)
            stitcher = Stitcher(rules, work)
            for (event, payload), found in zip(fresh, ids, strict=True):
                stitcher.fold(event, payload, found)
            await write(conn, work)
            for hook in self.hooks if run_hooks else ():
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
        legacy = [p for p in part if p in work.states and work.states[p].anchor is None]
        if legacy:
            # Rows from before anchors were kept: the profile keeps its id and its best identifier anchors it.
            for kind, value, pid in await conn.execute(
                    select(identifiers.c.type, identifiers.c.value, identifiers.c.profile_id)
                    .where(identifiers.c.profile_id.in_(legacy))):
                best = work.states[pid].anchor
                if best is None or (rules.priority(kind), kind, value) < (rules.priority(best[0]), *best):
                    work.states[pid].anchor = (kind, value)
        if rules.limited_types:
            held = await conn.execute(
                select(identifiers.c.type, identifiers.c.value, identifiers.c.profile_id)
                .where(identifiers.c.profile_id.in_(part), identifiers.c.type.in_(sorted(rules.limited_types))))
            for kind, value, pid in held:
                work.limited.setdefault(pid, set()).add((kind, value))
        pairs = await conn.execute(
            select(merges.c.into_profile_id, merges.c.from_profile_id).where(
                merges.c.unmerged_at.is_not(None),
                or_(merges.c.into_profile_id.in_(part), merges.c.from_profile_id.in_(part))))
        work.separated.update(frozenset(r) for r in pairs)


async def write(conn: AsyncConnection, work: WorkingSet) -> None:
    """Persists everything `work` changed."""
    now = datetime.now(UTC)
    work.finalize()
    owners, origins = final_ids(work.repoints)
    # Rows of earlier batches. Rows first joined to a renamed profile are still owned by it (a profile that
    # was merged away cannot be renamed), so the origin update can go through the profile_id index.
    for table in (identifiers, processed_events):
        await _executemany(conn, update(table).where(
            table.c.profile_id == bindparam("old"), table.c.origin_profile_id == bindparam("old")
        ).values(origin_profile_id=bindparam("new")), origins)
    for table in (identifiers, processed_events, trait_history):
        await _executemany(conn, update(table).where(table.c.profile_id == bindparam("old"))
                           .values(profile_id=bindparam("new")), owners)
    # A rename is the same profile under its new id: its memberships and lineage follow it.
    await _executemany(conn, update(audience_members).where(audience_members.c.profile_id == bindparam("old"))
                       .values(profile_id=bindparam("new")), origins)
    for column in ("into_profile_id", "from_profile_id"):
        await _executemany(conn, update(merges).where(merges.c[column] == bindparam("old"))
                           .values({column: bindparam("new")}), origins)
    for part in chunks(sorted(owners), 500):
        await conn.execute(delete(profiles).where(profiles.c.profile_id.in_(part)))
    rows = [profile_row(s, now) for s in work.states.values() if s.profile_id in work.touched]
    await insert_rows(conn, profiles, rows, ["profile_id"], [k for k in PROFILE_COLUMNS if k != "profile_id"])
    await insert_rows(conn, identifiers, work.new_identifiers, ["type", "value"])
    await insert_rows(conn, merges, work.merges)
    await insert_rows(conn, refused_merges, work.refused)
    await insert_rows(conn, trait_history, work.history)
    await insert_rows(conn, processed_events, work.processed, ["message_id"])


def final_ids(repoints: Sequence[tuple[str, str, str]]) -> tuple[dict[str, str], dict[str, str]]:
    """Where each id ended up: through every merge and rename (owners), and through renames only (origins)."""
    owners: dict[str, str] = {}
    origins: dict[str, str] = {}
    for gone, keep, kind in repoints:
        for mapping, applies in ((owners, True), (origins, kind == "rename")):
            if not applies:
                continue
            for old, new in mapping.items():
                if new == gone:
                    mapping[old] = keep
            mapping[gone] = keep
    return owners, origins


async def _executemany(conn: AsyncConnection, stmt: Any, mapping: dict[str, str]) -> None:
    if mapping:
        await conn.execute(stmt, [{"old": old, "new": new} for old, new in sorted(mapping.items())])


PROFILE_COLUMNS = ("profile_id", "created_at", "updated_at", "traits", "computed", "predictive", "version",
                   "anchor_type", "anchor_value")


def profile_row(state: ProfileState, now: datetime) -> dict[str, Any]:
    """The ``profiles`` row of a state."""
    anchor_type, anchor_value = state.anchor or (None, None)
    return {"profile_id": state.profile_id, "created_at": state.created_at, "updated_at": now,
            "traits": state.traits, "computed": state.computed, "predictive": state.predictive,
            "version": state.version, "anchor_type": anchor_type, "anchor_value": anchor_value}


def state_of(row: Any) -> ProfileState:
    """The ProfileState of a ``profiles`` row."""
    return ProfileState(
        profile_id=row.profile_id,
        created_at=row.created_at,
        traits=dict(row.traits or {}),
        computed=dict(row.computed or {}),
        predictive=dict(row.predictive or {}),
        version=row.version,
        anchor=(row.anchor_type, row.anchor_value) if row.anchor_type is not None else None,
        updated_at=row.updated_at,
    )
