"""Sources: who sends events, their write keys (stored as digests only) and their rate limits.

A write key authenticates a source as ``Principal(subject="source:<id>", roles={"source"})``. Each replica
keeps a short-lived cache of key digests so the hot path does not query the database per call; a key
unknown to the cache is looked up once and a miss is remembered briefly, so a flood of bad keys costs little.
Rate limits are token buckets per source in events per second, held per replica: with N replicas behind a
balancer the source gets about N times its limit, so set it per replica.
"""

from __future__ import annotations

import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from prometheus_client import Counter
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from loom.ingestion.v1 import ingestion_pb2 as pb
from services.common.auth import SOURCE, Principal, token_digest
from services.common.errors import AlreadyExists, ResourceExhausted, Violations
from services.common.storage import Database
from services.ingestion.contract import MAX_EVENTS_PER_BATCH
from services.ingestion.tables import source

RATE_LIMITED = Counter("loom_ingestion_rate_limited_total", "Calls refused by a source's rate limit.", ["source"])
WRITE_KEY_PREFIX = "lwk_"
_SOURCE_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
MAX_PAGE = 100


@dataclass(frozen=True)
class SourceLimits:
    """A source's token bucket: refill rate (events/s) and capacity (events)."""

    rate_per_s: float
    burst: int


def source_to_proto(row: object) -> pb.Source:
    """A ``source`` row as the API message."""
    message = pb.Source(source_id=row.source_id, name=row.name,  # type: ignore[attr-defined]
                        rate_limit_per_second=row.rate_limit_per_second, burst=row.burst)  # type: ignore[attr-defined]
    message.created_at.FromDatetime(row.created_at)  # type: ignore[attr-defined]
    return message


class SourceStore:
    """Creates and lists sources, and resolves write keys (an Authenticator for the server pipeline)."""

    def __init__(self, db: Database, defaults: SourceLimits, cache_s: float = 30.0, miss_cache_s: float = 2.0) -> None:
        self._db = db
        self.defaults = defaults
        self._cache_s = cache_s
        self._miss_cache_s = miss_cache_s
        self._cache: dict[str, tuple[float, Principal | None, SourceLimits | None]] = {}
        self._limits: dict[str, SourceLimits] = {}

    async def create(self, spec: pb.Source) -> tuple[pb.Source, str]:
        """Registers a source; returns it and its write key (shown once: only the digest is stored)."""
        problems = Violations()
        if not _SOURCE_ID.match(spec.source_id):
            problems.add("source.source_id", "is required: 1-64 characters of a-z, 0-9, '-' and '_', "
                                             "starting with a letter or digit")
        if spec.rate_limit_per_second < 0:
            problems.add("source.rate_limit_per_second", "must not be negative (0 means the service default)")
        if spec.burst and spec.burst < MAX_EVENTS_PER_BATCH:
            problems.add("source.burst", f"must be at least {MAX_EVENTS_PER_BATCH} (one full batch) or 0 "
                                         "for the service default")
        problems.raise_if_any()
        key = WRITE_KEY_PREFIX + secrets.token_urlsafe(32)
        row = {"source_id": spec.source_id, "name": spec.name or spec.source_id, "key_digest": token_digest(key),
               "rate_limit_per_second": spec.rate_limit_per_second, "burst": spec.burst,
               "created_at": datetime.now(UTC)}
        try:
            async with self._db.begin() as conn:
                await conn.execute(source.insert().values(**row))
        except IntegrityError as exc:
            raise AlreadyExists(f"source {spec.source_id!r} already exists") from exc
        return source_to_proto(_Row(row)), key

    async def list(self, page_size: int = 0, page_token: str = "") -> tuple[list[pb.Source], str, int]:
        """Sources ordered by id after ``page_token``; returns (sources, next token or '', total)."""
        size = min(page_size or MAX_PAGE, MAX_PAGE)
        stmt = select(source).order_by(source.c.source_id).limit(size + 1)
        if page_token:
            stmt = stmt.where(source.c.source_id > page_token)
        async with self._db.connect() as conn:
            rows = (await conn.execute(stmt)).all()
            total = int((await conn.execute(select(func.count()).select_from(source))).scalar_one())
        more = len(rows) > size
        rows = rows[:size]
        return [source_to_proto(r) for r in rows], (rows[-1].source_id if more else ""), total

    async def authenticate(self, token: str) -> Principal | None:
        """The source owning write key ``token``, or None (another authenticator may know it)."""
        if not token.startswith(WRITE_KEY_PREFIX):
            return None
        principal, _ = await self._lookup(token_digest(token))
        return principal

    def limits(self, source_id: str) -> SourceLimits:
        """The token bucket of a source whose key was seen (the defaults for callers that are not sources)."""
        return self._limits.get(source_id, self.defaults)

    async def _lookup(self, digest: str) -> tuple[Principal | None, SourceLimits | None]:
        now = time.monotonic()
        cached = self._cache.get(digest)
        if cached is not None and cached[0] > now:
            return cached[1], cached[2]
        async with self._db.connect() as conn:
            row = (await conn.execute(select(source).where(source.c.key_digest == digest))).first()
        if row is None:
            self._cache[digest] = (now + self._miss_cache_s, None, None)
            return None, None
        principal = Principal(subject=f"source:{row.source_id}", roles=frozenset({SOURCE}), source_id=row.source_id)
        limits = SourceLimits(row.rate_limit_per_second or self.defaults.rate_per_s, row.burst or self.defaults.burst)
        self._cache[digest] = (now + self._cache_s, principal, limits)
        self._limits[row.source_id] = limits
        return principal, limits


class _Row:
    """Attribute access over a dict, so a freshly inserted row converts like a selected one."""

    def __init__(self, values: dict[str, object]) -> None:
        self.__dict__.update(values)


class RateLimiter:
    """Token buckets per source; refuses a batch that would overdraw with RESOURCE_EXHAUSTED and RetryInfo."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}

    def take(self, source_id: str, events: int, limits: SourceLimits) -> None:
        """Takes ``events`` tokens or raises ResourceExhausted saying how long until they are there."""
        now = self._clock()
        tokens, last = self._buckets.get(source_id, (float(limits.burst), now))
        tokens = min(float(limits.burst), tokens + (now - last) * limits.rate_per_s)
        if events > tokens:
            self._buckets[source_id] = (tokens, now)
            wait = (min(events, limits.burst) - tokens) / limits.rate_per_s
            RATE_LIMITED.labels(source_id).inc()
            raise ResourceExhausted(
                f"source {source_id!r} is over its rate limit of {limits.rate_per_s:g} events/s "
                f"(burst {limits.burst}); retry in {wait:.2f}s", retry_after_s=max(wait, 0.001))
        self._buckets[source_id] = (tokens - events, now)
