"""Jurisdiction policies in SQL, versioned, with the current version of every market held in memory.

Policies are few and read on every check, so each replica keeps all current ones in memory and reloads them
when any replica announces a policy change on the bus.
"""

from __future__ import annotations

from dataclasses import asdict, replace
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select

from services.common.errors import NotFound
from services.common.storage import Database, insert_ignore
from services.consent.policy import DEFAULT_POLICIES, FALLBACK_MARKET, PolicyData, policy_candidates
from services.consent.tables import consent_policies


def _document(policy: PolicyData) -> dict[str, Any]:
    doc = asdict(policy)
    doc.pop("updated_at")
    doc["purpose_defaults"] = dict(policy.purpose_defaults)
    doc["gpc_purposes"] = list(policy.gpc_purposes)
    return doc


def _policy(row: Any) -> PolicyData:
    doc = dict(row.document)
    doc["gpc_purposes"] = tuple(doc.get("gpc_purposes", ()))
    return PolicyData(**{**doc, "version": int(row.version), "updated_at": row.updated_at})


class PolicyStore:
    """Reads and writes policies; `resolve` answers from memory."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._current: dict[str, PolicyData] = {}

    async def load(self, seed: bool = True) -> None:
        """Seeds the default policies into an empty table, then loads the current version of each market.

        Runs at start and on every policy change announced on the bus, possibly while a put is in flight.
        """
        if seed:
            now = datetime.now(UTC)
            rows = [{"market": p.market, "version": 1, "document": _document(replace(p, version=1)),
                     "updated_at": now} for p in DEFAULT_POLICIES]
            async with self._db.begin() as conn:
                has_any = (await conn.execute(select(func.count()).select_from(consent_policies))).scalar_one()
                if not has_any:
                    await conn.execute(insert_ignore(consent_policies, rows, ["market", "version"]))
        latest = select(consent_policies.c.market, func.max(consent_policies.c.version).label("v")).group_by(
            consent_policies.c.market).subquery()
        query = select(consent_policies).join(
            latest, (consent_policies.c.market == latest.c.market) & (consent_policies.c.version == latest.c.v))
        async with self._db.connect() as conn:
            loaded = {r.market: _policy(r) for r in await conn.execute(query)}
        # Versions only grow: a snapshot read before a concurrent put (here or on another replica) committed
        # must not take that put back, so each market keeps the newer of what memory and the snapshot hold.
        merged = dict(self._current)
        for market, policy in loaded.items():
            mine = merged.get(market)
            if mine is None or policy.version >= mine.version:
                merged[market] = policy
        self._current = merged

    def resolve(self, market: str) -> PolicyData | None:
        """The policy that applies to ``market``: region, then country, then the fallback."""
        for candidate in policy_candidates(market):
            policy = self._current.get(candidate)
            if policy is not None:
                return policy
        return None

    def current(self) -> list[PolicyData]:
        """Every market's current policy, by market."""
        return [self._current[m] for m in sorted(self._current)]

    async def put(self, policy: PolicyData) -> PolicyData:
        """Stores a new version of the market's policy and makes it current here."""
        now = datetime.now(UTC)
        async with self._db.begin() as conn:
            top = (await conn.execute(select(func.max(consent_policies.c.version)).where(
                consent_policies.c.market == policy.market))).scalar_one()
            stored = replace(policy, version=int(top or 0) + 1, updated_at=now)
            await conn.execute(consent_policies.insert().values(
                market=stored.market, version=stored.version, document=_document(stored), updated_at=now))
        self._current[stored.market] = stored
        return stored

    async def get(self, market: str, version: int = 0, fallback: bool = False) -> PolicyData:
        """A market's current policy or one past version; NotFound names what is missing."""
        if version:
            async with self._db.connect() as conn:
                row = (await conn.execute(select(consent_policies).where(
                    (consent_policies.c.market == market) & (consent_policies.c.version == version)))).first()
            if row is None:
                raise NotFound(f"market {market!r} has no policy version {version}")
            return _policy(row)
        found = self._current.get(market)
        if found is None and fallback:
            found = self._current.get(FALLBACK_MARKET)
        if found is None:
            raise NotFound(f"market {market!r} has no policy" + ("" if fallback else "; pass fallback=true for '*'"))
        return found
