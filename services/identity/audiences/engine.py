"""Audience definitions, membership and real-time entered/exited events.

Membership changes are found two ways: incrementally for the profiles each applied batch touched (inside that
batch's transaction, so profiles and memberships never disagree), and in full when an audience is stored
and periodically for time-relative rules ("ordered in the last 30 days" changes as time passes). Every
change is written to an outbox in the same transaction and published to
``loom.audience.<audience_id>.<entered|exited>`` afterwards, so an event is delayed by a crash, never lost.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import AsyncIterator, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from prometheus_client import Counter, Gauge, Histogram
from sqlalchemy import and_, delete, exists, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from loom.common.v1 import common_pb2
from loom.identity.v1 import identity_pb2 as pb
from services.common.bus import EventBus, Outgoing
from services.common.errors import NotFound, Violations
from services.common.storage import Database, upsert
from services.identity.audiences.compiler import compile_rule, parse_rule
from services.identity.store import chunks, insert_rows
from services.identity.tables import audience_members, audience_outbox, audiences, identifiers, profiles

log = logging.getLogger("loom.identity.audiences")
AUDIENCE_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
CHANGES = Counter("loom_identity_audience_changes_total", "Audience membership changes.", ["change"])
EVALUATION_SECONDS = Histogram("loom_identity_audience_evaluation_seconds", "Full evaluation of one audience.",
                               buckets=(0.01, 0.05, 0.1, 0.5, 1, 2, 5, 10, 30, 60, 120))
OUTBOX_PENDING = Gauge("loom_identity_audience_outbox_pending", "Membership events waiting to be published.")
CACHE_TTL_S = 5.0


@dataclass(frozen=True)
class AudienceDef:
    """A stored audience with its parsed rule tree."""

    audience_id: str
    name: str
    rule_json: str
    revision: int
    size: int
    evaluated_at: datetime | None
    tree: dict[str, Any]


def subject_for(audience_id: str, entered: bool) -> str:
    """Bus subject of a membership change."""
    return f"loom.audience.{audience_id}.{'entered' if entered else 'exited'}"


class AudienceEngine:
    """Stores audiences and keeps their membership current."""

    def __init__(self, db: Database, bus: EventBus | None = None) -> None:
        self._db = db
        self._bus = bus
        self._cache: list[AudienceDef] | None = None
        self._cache_at = 0.0
        self._flush_lock = asyncio.Lock()

    @staticmethod
    def validate(audience_id: str, name: str, rule_json: str) -> dict[str, Any]:
        """Checks a definition; returns its parsed tree or raises InvalidArgument."""
        v = Violations()
        if not AUDIENCE_ID.match(audience_id):
            v.add("audience.audience_id", "must be 1-64 of a-z, 0-9, '_' or '-', starting with a letter or digit")
        if len(name) > 255:
            v.add("audience.name", "at most 255 characters")
        if not rule_json:
            v.add("audience.rule_json", "is required")
        v.raise_if_any()
        return parse_rule(rule_json)

    async def put(self, audience_id: str, name: str, rule_json: str) -> AudienceDef:
        """Creates or replaces an audience and evaluates it in full."""
        self.validate(audience_id, name, rule_json)
        async with self._db.begin() as conn:
            row = (await conn.execute(
                select(audiences.c.revision).where(audiences.c.audience_id == audience_id))).first()
            revision = (row[0] if row else 0) + 1
            await conn.execute(upsert(audiences, [{"audience_id": audience_id, "name": name or audience_id,
                                                   "rule_json": rule_json, "revision": revision,
                                                   "size": 0, "evaluated_at": None}], ["audience_id"]))
        self._cache = None
        await self.evaluate(audience_id)
        return await self.get(audience_id)

    async def get(self, audience_id: str) -> AudienceDef:
        """One audience; NotFound when it does not exist."""
        async with self._db.connect() as conn:
            row = (await conn.execute(select(audiences).where(audiences.c.audience_id == audience_id))).first()
        if row is None:
            raise NotFound(f"no audience {audience_id!r}")
        return _definition(row)

    async def list_page(self, limit: int, offset: int) -> tuple[list[AudienceDef], int]:
        """Audiences by id, and their total."""
        async with self._db.connect() as conn:
            rows = await conn.execute(select(audiences).order_by(audiences.c.audience_id).limit(limit).offset(offset))
            total = (await conn.execute(select(func.count()).select_from(audiences))).scalar_one()
        return [_definition(r) for r in rows], int(total)

    async def delete(self, audience_id: str) -> None:
        """Deletes an audience and its memberships (no exited events: the audience itself is gone)."""
        async with self._db.begin() as conn:
            result = await conn.execute(delete(audiences).where(audiences.c.audience_id == audience_id))
            if result.rowcount == 0:
                raise NotFound(f"no audience {audience_id!r}")
            await conn.execute(delete(audience_members).where(audience_members.c.audience_id == audience_id))
        self._cache = None

    async def definitions(self) -> list[AudienceDef]:
        """Every audience, cached for CACHE_TTL_S so each batch does not re-read them."""
        if self._cache is None or time.monotonic() - self._cache_at > CACHE_TTL_S:
            async with self._db.connect() as conn:
                self._cache = [_definition(r) for r in await conn.execute(select(audiences))]
            self._cache_at = time.monotonic()
        return self._cache

    async def evaluate(self, audience_id: str, now: datetime | None = None) -> tuple[int, int]:
        """Full evaluation of one audience; returns (entered, exited)."""
        started = time.perf_counter()
        now = now or datetime.now(UTC)
        async with self._db.begin() as conn:
            row = (await conn.execute(select(audiences).where(audiences.c.audience_id == audience_id))).first()
            if row is None:
                raise NotFound(f"no audience {audience_id!r}")
            audience = _definition(row)
            condition = compile_rule(audience.tree, now)
            member = and_(audience_members.c.audience_id == audience_id,
                          audience_members.c.profile_id == profiles.c.profile_id)
            entered = [r[0] for r in await conn.execute(
                select(profiles.c.profile_id).where(condition, ~exists().where(member)))]
            matching = select(profiles.c.profile_id).where(
                condition, profiles.c.profile_id == audience_members.c.profile_id)
            exited = [r[0] for r in await conn.execute(
                select(audience_members.c.profile_id).where(audience_members.c.audience_id == audience_id,
                                                            ~exists(matching)))]
            await self._record(conn, audience, entered, exited, now)
            size = (await conn.execute(select(func.count()).select_from(audience_members)
                                       .where(audience_members.c.audience_id == audience_id))).scalar_one()
            await conn.execute(audiences.update().where(audiences.c.audience_id == audience_id)
                               .values(size=size, evaluated_at=now))
        EVALUATION_SECONDS.observe(time.perf_counter() - started)
        await self.flush()
        return len(entered), len(exited)

    async def evaluate_all(self) -> None:
        """Full evaluation of every audience (the periodic refresh for time-relative rules)."""
        for audience in await self.definitions():
            try:
                await self.evaluate(audience.audience_id)
            except NotFound:
                continue

    async def on_profiles_changed(self, conn: AsyncConnection, touched: set[str]) -> None:
        """Store hook: re-evaluates every audience for the touched profiles in the caller's transaction."""
        if not touched:
            return
        now = datetime.now(UTC)
        ids = sorted(touched)
        for audience in await self.definitions():
            condition = compile_rule(audience.tree, now)
            matched: set[str] = set()
            current: set[str] = set()
            for part in chunks(ids, 2000):
                matched.update(r[0] for r in await conn.execute(
                    select(profiles.c.profile_id).where(condition, profiles.c.profile_id.in_(part))))
                current.update(r[0] for r in await conn.execute(
                    select(audience_members.c.profile_id).where(audience_members.c.audience_id == audience.audience_id,
                                                                audience_members.c.profile_id.in_(part))))
            entered, exited = sorted(matched - current), sorted(current - matched)
            if entered or exited:
                await self._record(conn, audience, entered, exited, now)
                await conn.execute(audiences.update().where(audiences.c.audience_id == audience.audience_id)
                                   .values(size=audiences.c.size + len(entered) - len(exited)))

    async def _record(self, conn: AsyncConnection, audience: AudienceDef, entered: Sequence[str],
                      exited: Sequence[str], now: datetime) -> None:
        aid = audience.audience_id
        await insert_rows(conn, audience_members, [{"audience_id": aid, "profile_id": p, "entered_at": now}
                                                   for p in entered], ["audience_id", "profile_id"])
        for part in chunks(list(exited), 2000):
            await conn.execute(delete(audience_members).where(audience_members.c.audience_id == aid,
                                                              audience_members.c.profile_id.in_(part)))
        idents = await _identifiers_of(conn, [*entered, *exited])
        outbox = []
        for pids, flag in ((entered, True), (exited, False)):
            for pid in pids:
                change = pb.AudienceMembershipChange(
                    audience_id=aid, profile_id=pid, entered=flag, revision=audience.revision,
                    identifiers=[common_pb2.Identifier(type=t, value=v) for t, v in idents.get(pid, [])])
                change.changed_at.FromDatetime(now)
                outbox.append({"subject": subject_for(aid, flag), "payload": change.SerializeToString(),
                               "created_at": now})
        await insert_rows(conn, audience_outbox, outbox)
        CHANGES.labels("entered").inc(len(entered))
        CHANGES.labels("exited").inc(len(exited))

    async def flush(self, limit: int = 2000) -> int:
        """Publishes pending membership events, oldest first, deleting each once JetStream stored it."""
        if self._bus is None:
            return 0
        published = 0
        async with self._flush_lock:
            while True:
                async with self._db.connect() as conn:
                    rows = list(await conn.execute(select(audience_outbox).order_by(audience_outbox.c.id).limit(limit)))
                if not rows:
                    break
                # msg_id makes a publish retried after a crash (row not yet deleted) a JetStream duplicate.
                await self._bus.publish_many(Outgoing(r.subject, r.payload, msg_id=f"audience-outbox-{r.id}")
                                             for r in rows)
                async with self._db.begin() as conn:
                    await conn.execute(delete(audience_outbox).where(audience_outbox.c.id <= rows[-1].id))
                published += len(rows)
            OUTBOX_PENDING.set(0)
        return published

    async def export(self, audience_id: str, types: Iterable[str], chunk: int = 500
                     ) -> AsyncIterator[list[tuple[str, list[tuple[str, str]]]]]:
        """Members with their identifiers (only `types` when given), in chunks ordered by profile id."""
        await self.get(audience_id)
        wanted = set(types)
        after = ""
        while True:
            async with self._db.connect() as conn:
                pids = [r[0] for r in await conn.execute(
                    select(audience_members.c.profile_id).where(audience_members.c.audience_id == audience_id,
                                                                audience_members.c.profile_id > after)
                    .order_by(audience_members.c.profile_id).limit(chunk))]
                if not pids:
                    return
                idents = await _identifiers_of(conn, pids)
            after = pids[-1]
            yield [(p, [i for i in idents.get(p, []) if not wanted or i[0] in wanted]) for p in pids]


async def _identifiers_of(conn: AsyncConnection, pids: Sequence[str]) -> dict[str, list[tuple[str, str]]]:
    out: dict[str, list[tuple[str, str]]] = {}
    for part in chunks(list(pids), 2000):
        rows = await conn.execute(select(identifiers.c.profile_id, identifiers.c.type, identifiers.c.value)
                                  .where(identifiers.c.profile_id.in_(part))
                                  .order_by(identifiers.c.type, identifiers.c.value))
        for pid, kind, value in rows:
            out.setdefault(pid, []).append((kind, value))
    return out


def _definition(row: Any) -> AudienceDef:
    return AudienceDef(row.audience_id, row.name, row.rule_json, row.revision, row.size, row.evaluated_at,
                       parse_rule(row.rule_json))
