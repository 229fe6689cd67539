"""Unmerge: split a merge back into two profiles and re-attribute identifiers, events and traits.

Every event keeps the profile it first joined (``origin_profile_id``) and its own payload, and so does every
identifier. Undoing merge M (``into`` <- ``from``) moves back everything whose origin lies in the absorbed
side's lineage (``from`` plus every profile merged into it before), then recomputes both profiles from the
events each now owns. The pair is remembered as separated, so the next event carrying both sides'
identifiers is refused and recorded instead of joining them again.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from prometheus_client import Counter
from sqlalchemy import and_, delete, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from loom.ingestion.v1 import ingestion_pb2 as pb
from services.common.errors import FailedPrecondition, NotFound
from services.identity.rules import IdentityRules
from services.identity.state import ProfileState
from services.identity.store import ProfileStore, insert_rows, profile_row
from services.identity.tables import identifiers, merges, processed_events, profiles, trait_history

log = logging.getLogger("loom.identity.unmerge")
UNMERGES = Counter("loom_identity_unmerges_total", "Merges undone by operators.")


async def current_owner(conn: AsyncConnection, profile_id: str) -> str:
    """The live profile `profile_id` ended up in, following active merges."""
    seen = {profile_id}
    while True:
        row = (await conn.execute(select(merges.c.into_profile_id).where(
            merges.c.from_profile_id == profile_id, merges.c.unmerged_at.is_(None)))).first()
        if row is None or row[0] in seen:
            return profile_id
        profile_id = row[0]
        seen.add(profile_id)


async def lineage_of(conn: AsyncConnection, root: str) -> set[str]:
    """`root` and every profile merged into it, recursively, through merges still in force."""
    found, frontier = {root}, {root}
    while frontier:
        rows = await conn.execute(select(merges.c.from_profile_id).where(
            merges.c.into_profile_id.in_(sorted(frontier)), merges.c.unmerged_at.is_(None)))
        frontier = {r[0] for r in rows} - found
        found |= frontier
    return found


def fold_events(profile_id: str, payloads: Sequence[bytes], rules: IdentityRules,
                predictive: dict[str, Any] | None = None) -> tuple[ProfileState, list[dict[str, Any]]]:
    """A profile recomputed from its own events (any order gives the same state); also its trait history."""
    events = []
    for data in payloads:
        event = pb.Event()
        event.ParseFromString(data)
        events.append(event)
    events.sort(key=lambda e: (e.timestamp.seconds, e.timestamp.nanos, e.message_id))
    first = events[0].timestamp.ToDatetime(tzinfo=UTC) if events else datetime.now(UTC)
    state = ProfileState(profile_id, created_at=first, predictive=dict(predictive or {}))
    history: list[dict[str, Any]] = []
    for event in events:
        ts = event.timestamp.ToDatetime(tzinfo=UTC)
        for name, value, _at in state.apply(event, rules.trait_policies):
            history.append({"profile_id": profile_id, "trait": name, "value": value, "updated_at": ts,
                            "source": event.source_id, "message_id": event.message_id})
        state.version += 1
    return state, history


class Unmerger:
    """Undoes merges through the store's transaction and hooks (audience membership follows)."""

    def __init__(self, store: ProfileStore) -> None:
        self._store = store

    async def unmerge(self, merge_id: str, reason: str, actor: str) -> tuple[str, str]:
        """Undoes `merge_id`; returns (kept profile id, restored profile id)."""
        rules = await self._store.rules()
        now = datetime.now(UTC)
        async with self._store.db.begin() as conn:
            row = (await conn.execute(select(merges).where(merges.c.merge_id == merge_id))).first()
            if row is None:
                raise NotFound(f"no merge {merge_id}")
            if row.unmerged_at is not None:
                raise FailedPrecondition(f"merge {merge_id} was already undone at {row.unmerged_at.isoformat()}")
            kept = await current_owner(conn, row.into_profile_id)
            restored = row.from_profile_id
            side = await lineage_of(conn, restored)
            await conn.execute(update(merges).where(merges.c.merge_id == merge_id).values(unmerged_at=now))
            moved = and_(processed_events.c.profile_id == kept, processed_events.c.origin_profile_id.in_(side))
            moved_ids = [r[0] for r in await conn.execute(select(processed_events.c.message_id).where(moved))]
            await conn.execute(update(processed_events).where(moved).values(profile_id=restored))
            await conn.execute(update(identifiers).where(
                identifiers.c.profile_id == kept, identifiers.c.origin_profile_id.in_(side)
            ).values(profile_id=restored))
            predictive = (await conn.execute(select(profiles.c.predictive).where(
                profiles.c.profile_id == kept))).scalar_one_or_none()
            for pid, keep_predictive in ((kept, predictive), (restored, None)):
                await self._recompute(conn, pid, rules, keep_predictive, now)
            for hook in self._store.hooks:
                await hook(conn, {kept, restored})
        UNMERGES.inc()
        log.info("unmerged %s: kept %s, restored %s with %d events, by %s: %s",
                 merge_id, kept, restored, len(moved_ids), actor, reason or "(no reason given)")
        return kept, restored

    async def _recompute(self, conn: AsyncConnection, pid: str, rules: IdentityRules,
                         predictive: dict[str, Any] | None, now: datetime) -> None:
        rows = list(await conn.execute(select(processed_events.c.message_id, processed_events.c.payload)
                                       .where(processed_events.c.profile_id == pid)))
        missing = [m for m, p in rows if p is None]
        if missing:
            raise FailedPrecondition(
                f"profile {pid} owns {len(missing)} events applied before event payloads were kept "
                f"(e.g. {missing[0]}); rebuild profiles from the archive first")
        state, history = fold_events(pid, [p for _, p in rows], rules, predictive)
        owned = [(k, v) for k, v in await conn.execute(
            select(identifiers.c.type, identifiers.c.value).where(identifiers.c.profile_id == pid))]
        state.anchor = min(owned, key=lambda i: (rules.priority(i[0]), i[0], i[1]), default=None)
        await conn.execute(delete(trait_history).where(trait_history.c.profile_id == pid))
        await insert_rows(conn, trait_history, history)
        await conn.execute(delete(profiles).where(profiles.c.profile_id == pid))
        await insert_rows(conn, profiles, [profile_row(state, now)])
