"""The consent ledger: append-only records, the current state derived from them, and a cache for fast checks.

A record is never changed; a person's state is the newest choice per purpose across every record that names
any of their identifiers. Checks read a per-identifier cache of folded records; every write drops the keys
it touched locally and announces them on the bus (``loom.consent.record``) so other replicas and every
embedded ConsentChecker drop them too.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from prometheus_client import Counter
from sqlalchemy import and_, delete, or_, select
from sqlalchemy.exc import IntegrityError

from services.common.consent import ConsentChange, identifier_keys, normalise_identifier
from services.common.errors import Unavailable
from services.common.storage import Database
from services.consent.policy import PurposeChoice, SubjectState
from services.consent.policy_store import PolicyStore
from services.consent.tables import consent_record_keys, consent_records, suppressions

Publisher = Callable[[ConsentChange], Awaitable[None]]

RECORDS = Counter("loom_consent_records_total", "Consent records appended, by source kind.", ["source"])
CACHE = Counter("loom_consent_ledger_cache_total", "Ledger state lookups, by outcome (hit, miss).", ["outcome"])


@dataclass(frozen=True)
class _Row:
    seq: int
    record_id: str
    market: str
    purposes: Mapping[str, bool]
    source: str
    given_at: datetime
    gpc: bool


@dataclass(frozen=True)
class _KeyEntry:
    rows: tuple[_Row, ...]
    suppressed: bool


def _row(r: Any) -> _Row:
    return _Row(r.seq, r.record_id, r.market, dict(r.purposes), r.source, r.given_at, bool(r.gpc))


def fold(rows: Iterable[_Row], suppressed: bool = False) -> SubjectState:
    """The state a set of records implies: the newest record decides each purpose it names."""
    ordered = sorted({r.seq: r for r in rows}.values(), key=lambda r: r.seq)
    choices: dict[str, PurposeChoice] = {}
    for r in ordered:
        for purpose, granted in r.purposes.items():
            choices[purpose] = PurposeChoice(bool(granted), r.seq, r.record_id, r.source, r.given_at)
    last = ordered[-1] if ordered else None
    return SubjectState(choices, last.market if last else "", last.gpc if last else False,
                        last.seq if last else 0, suppressed)


def _key_pairs(keys: Iterable[str]) -> list[tuple[str, str]]:
    return [(k.split(":", 1)[0], k.split(":", 1)[1]) for k in keys]


class ConsentLedger:
    """Records, derived state and the check cache of one service replica."""

    def __init__(self, db: Database, policies: PolicyStore, publish: Publisher | None = None,
                 max_cached_keys: int = 500_000) -> None:
        self._db = db
        self.policies = policies
        self._publish = publish
        self._cache: dict[str, _KeyEntry] = {}
        self._generation = 0
        self._max = max_cached_keys

    # -- cache --------------------------------------------------------------------------------------------

    def invalidate(self, keys: Iterable[str]) -> None:
        """Forgets the cached state of ``keys`` (a local write or a change announced on the bus)."""
        self._generation += 1
        for key in keys:
            self._cache.pop(key, None)

    def invalidate_all(self) -> None:
        """Forgets every cached state."""
        self._generation += 1
        self._cache.clear()

    async def state(self, keys: frozenset[str]) -> SubjectState:
        """The folded state of a person known by ``keys``, from the cache where possible."""
        cached = {k: e for k in keys if (e := self._cache.get(k)) is not None}
        missing = [k for k in keys if k not in cached]
        CACHE.labels("miss" if missing else "hit").inc()
        if missing:
            generation = self._generation
            # Read every key, not only the missing ones, so the answer is one consistent snapshot.
            loaded = await self._load(list(keys))
            # A change that landed while we read may not be in what we read: use it, but do not cache it.
            if generation == self._generation:
                if len(self._cache) + len(loaded) > self._max:
                    self._cache.clear()
                self._cache.update(loaded)
            entries = list(loaded.values())
        else:
            entries = list(cached.values())
        return fold((r for e in entries for r in e.rows), any(e.suppressed for e in entries))

    async def _load(self, keys: Sequence[str]) -> dict[str, _KeyEntry]:
        async with self._db.connect() as conn:
            rows = await conn.execute(
                select(consent_record_keys.c.key, consent_records).join(
                    consent_records, consent_records.c.seq == consent_record_keys.c.seq
                ).where(consent_record_keys.c.key.in_(keys))
            )
            by_key: dict[str, list[_Row]] = {k: [] for k in keys}
            for r in rows:
                by_key[r.key].append(_row(r))
            clause = or_(*[and_(suppressions.c.identifier_type == t, suppressions.c.value_sha256 == h)
                           for t, h in _key_pairs(keys)])
            hits = await conn.execute(select(suppressions.c.identifier_type, suppressions.c.value_sha256).where(clause))
            suppressed = {f"{t}:{h}" for t, h in hits}
        return {k: _KeyEntry(tuple(v), k in suppressed) for k, v in by_key.items()}

    async def announce(self, change: ConsentChange) -> None:
        """Drops the change's keys here and publishes it; raises Unavailable if the bus does not confirm."""
        if change.kind == "policy":
            self.invalidate_all()
        else:
            self.invalidate(change.keys)
        if self._publish is None:
            return
        try:
            await self._publish(change)
        except Exception as exc:  # any bus failure: the caller must learn the change is not announced yet
            raise Unavailable(f"change stored but not yet announced to other services ({exc}); retry the call "
                              "with the same idempotency key") from exc

    # -- records ------------------------------------------------------------------------------------------

    async def append(self, *, identifiers: Sequence[tuple[str, str]], market: str, purposes: Mapping[str, bool],
                     source: str, given_at: datetime | None, proof: Mapping[str, str], gpc: bool,
                     idempotency_key: str = "") -> tuple[dict[str, Any], bool]:
        """Appends a record (or finds the one with the same idempotency key); returns it and whether it is new."""
        keys = identifier_keys(identifiers)
        if idempotency_key:
            existing = await self._by_idempotency_key(idempotency_key)
            if existing is not None:
                await self.announce(ConsentChange("record", tuple(sorted(keys)), version=existing["seq"]))
                return existing, False
        policy = self.policies.resolve(market)
        now = datetime.now(UTC)
        row = {
            "record_id": str(uuid.uuid4()),
            "idempotency_key": idempotency_key or None,
            "identifiers": [{"type": t, "value": normalise_identifier(t, v)} for t, v in identifiers],
            "market": market,
            "purposes": dict(purposes),
            "source": source,
            "policy_version": policy.version if policy else 0,
            "given_at": given_at or now,
            "recorded_at": now,
            "proof": dict(proof),
            "gpc": gpc,
        }
        try:
            async with self._db.begin() as conn:
                result = await conn.execute(consent_records.insert().values(row).returning(consent_records.c.seq))
                seq = int(result.scalar_one())
                await conn.execute(consent_record_keys.insert(), [{"key": k, "seq": seq} for k in sorted(keys)])
        except IntegrityError:
            existing = await self._by_idempotency_key(idempotency_key) if idempotency_key else None
            if existing is None:
                raise
            return existing, False
        row["seq"] = seq
        RECORDS.labels(source.split(":", 1)[0]).inc()
        await self.announce(ConsentChange("record", tuple(sorted(keys)), version=seq))
        return row, True

    async def _by_idempotency_key(self, key: str) -> dict[str, Any] | None:
        async with self._db.connect() as conn:
            found = (await conn.execute(
                select(consent_records).where(consent_records.c.idempotency_key == key))).mappings().first()
        return dict(found) if found else None

    async def records(self, keys: frozenset[str], *, purpose_id: str = "", newest_first: bool = True,
                      offset: int = 0, limit: int | None = None) -> list[dict[str, Any]]:
        """Full records of a person, optionally only those that set ``purpose_id``."""
        if not keys:
            return []
        seqs = select(consent_record_keys.c.seq).where(consent_record_keys.c.key.in_(keys))
        order = consent_records.c.seq.desc() if newest_first else consent_records.c.seq.asc()
        query = select(consent_records).where(consent_records.c.seq.in_(seqs)).order_by(order)
        async with self._db.connect() as conn:
            rows = [dict(r) for r in (await conn.execute(query)).mappings()]
        if purpose_id:
            rows = [r for r in rows if purpose_id in r["purposes"]]
        return rows[offset:None if limit is None else offset + limit]

    async def erase(self, keys: frozenset[str], *, dry_run: bool) -> tuple[int, int]:
        """Deletes every record naming any of ``keys``; returns (found, erased)."""
        found = await self.records(keys)
        if dry_run or not found:
            return len(found), 0
        seqs = [r["seq"] for r in found]
        # Records also name the person's other identifiers: drop those keys from the cache as well.
        all_keys = set(keys) | set(identifier_keys((i["type"], i["value"]) for r in found for i in r["identifiers"]))
        async with self._db.begin() as conn:
            await conn.execute(delete(consent_record_keys).where(consent_record_keys.c.seq.in_(seqs)))
            await conn.execute(delete(consent_records).where(consent_records.c.seq.in_(seqs)))
        await self.announce(ConsentChange("erasure", tuple(sorted(all_keys))))
        return len(found), len(found)
