"""ConsentChecker: the fail-closed consent client every Loom service embeds.

Services ask "may I use this person's data for these purposes?" through :class:`ConsentChecker`. Answers come
from a local cache when it can be trusted and from the consent service's CheckPurposes RPC (with a short
deadline) otherwise. Anything short of a positive answer is a denial: an unknown subject, an unknown purpose,
an unreachable consent service or a call that runs past its deadline all deny.

The cache is kept fresh from the CONSENT stream: the consent service publishes a :class:`ConsentChange` on
``loom.consent.<kind>`` after every change, carrying only hashed identifier keys (never the identifiers, so
the stream holds no personal data an erasure would have to chase). A change drops every cached answer about
any of its keys; a policy change drops them all. While the bus connection is down, or after it reconnected,
the cache is bypassed or cleared, so a missed change can never leave a stale "yes" behind.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import re
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import grpc
from nats.js.api import DeliverPolicy
from prometheus_client import Counter

from loom.common.v1 import common_pb2
from loom.consent.v1 import consent_pb2 as pb
from loom.consent.v1 import consent_pb2_grpc as pb_grpc
from services.common.bus import EventBus
from services.common.errors import Unavailable

log = logging.getLogger("loom.consent.checker")

CONSENT_FILTER = "loom.consent.>"
# Subjects of the change kinds; the consent service publishes, every checker listens.
RECORD_SUBJECT = "loom.consent.record"
POLICY_SUBJECT = "loom.consent.policy"
SUPPRESSION_SUBJECT = "loom.consent.suppression"
ERASURE_SUBJECT = "loom.consent.erasure"

CHECKS = Counter("loom_consent_checker_checks_total", "Consent checks answered by an embedded ConsentChecker, "
                 "by where the answer came from (cache, rpc, fail_closed).", ["source"])
INVALIDATIONS = Counter("loom_consent_checker_invalidations_total", "Consent changes applied to a checker cache, "
                        "by kind.", ["kind"])
SUPPRESSION_LOOKUPS = Counter("loom_consent_checker_suppression_lookups_total", "People judged against the "
                              "suppression list by an embedded ConsentChecker, by source (cache, rpc).", ["source"])

_NON_DIGITS = re.compile(r"[^\d]")


def normalise_identifier(kind: str, value: str) -> str:
    """Canonical form of an identifier value: emails lower-cased, phones as +digits, others trimmed.

    The identity graph normalises with this too, so a consent record given with ``Ada@Example.com`` covers an
    event carrying ``ada@example.com``.
    """
    value = value.strip()
    if kind == "email":
        return value.lower()
    if kind == "phone":
        digits = _NON_DIGITS.sub("", value)
        if value.startswith("00"):
            digits = digits[2:]
        return "+" + digits if digits else ""
    return value


def value_sha256(kind: str, value: str) -> str:
    """SHA-256 hex of the normalised value: what the suppression list stores instead of the value."""
    return hashlib.sha256(normalise_identifier(kind, value).encode()).hexdigest()


def identifier_key(kind: str, value: str) -> str:
    """``<type>:<sha256>``: the key ledgers, caches and bus messages use for one identifier."""
    return f"{kind}:{value_sha256(kind, value)}"


def identifier_keys(identifiers: Iterable[common_pb2.Identifier | tuple[str, str]]) -> frozenset[str]:
    """Keys of every non-empty identifier given (protos or ``(type, value)`` pairs)."""
    keys = set()
    for ident in identifiers:
        kind, value = (ident.type, ident.value) if isinstance(ident, common_pb2.Identifier) else ident
        if kind and normalise_identifier(kind, value):
            keys.add(identifier_key(kind, value))
    return frozenset(keys)


@dataclass(frozen=True)
class ConsentChange:
    """What the consent service publishes on the CONSENT stream after a change (JSON on the wire)."""

    # "record", "policy", "suppression" or "erasure".
    kind: str
    # Identifier keys (see identifier_key) the change is about; empty for policy changes.
    keys: tuple[str, ...] = ()
    # Market of a policy change.
    market: str = ""
    # Record or policy version that caused it.
    version: int = 0

    def encode(self) -> bytes:
        """The wire form."""
        return json.dumps({"kind": self.kind, "keys": list(self.keys), "market": self.market,
                           "version": self.version}).encode()

    @classmethod
    def decode(cls, data: bytes) -> ConsentChange:
        """Parses the wire form; raises ValueError on anything else."""
        raw = json.loads(data)
        if not isinstance(raw, dict) or not isinstance(raw.get("kind"), str):
            raise ValueError("not a consent change")
        return cls(raw["kind"], tuple(str(k) for k in raw.get("keys", ())), str(raw.get("market", "")),
                   int(raw.get("version", 0)))

    @property
    def subject(self) -> str:
        """The subject it is published on."""
        return f"loom.consent.{self.kind}"


@dataclass(frozen=True)
class Decision:
    """The answer for one purpose."""

    purpose_id: str
    allowed: bool
    # Name of the CheckReason, e.g. "GRANTED", "DENIED", "GPC", "UNAVAILABLE".
    reason: str


@dataclass(frozen=True)
class CheckResult:
    """Decisions for the purposes asked, in order."""

    decisions: tuple[Decision, ...]
    # "cache", "rpc" or "fail_closed".
    source: str = "rpc"

    @property
    def all_allowed(self) -> bool:
        """True only when every purpose asked is allowed (and at least one was asked)."""
        return bool(self.decisions) and all(d.allowed for d in self.decisions)

    def allowed(self, purpose_id: str) -> bool:
        """Whether one purpose is allowed; a purpose not asked about is denied."""
        return any(d.allowed for d in self.decisions if d.purpose_id == purpose_id)


def _denied(purposes: Sequence[str], reason: str) -> CheckResult:
    return CheckResult(tuple(Decision(p, False, reason) for p in purposes), source="fail_closed")


_CacheKey = tuple[frozenset[str], str, bool, tuple[str, ...]]


@dataclass
class _Entry:
    result: CheckResult
    expires: float


@dataclass
class ConsentChecker:
    """Fail-closed consent checks with a bus-invalidated cache. Use :meth:`connect`, then :meth:`close`.

    ``bus`` may be None: every check then goes over gRPC (still fail-closed, just slower).
    """

    stub: pb_grpc.ConsentServiceStub
    bus: EventBus | None = None
    deadline_s: float = 1.0
    ttl_s: float = 60.0
    max_entries: int = 200_000
    _cache: dict[_CacheKey, _Entry] = field(default_factory=dict, init=False)
    _by_key: dict[str, set[_CacheKey]] = field(default_factory=dict, init=False)
    _generation: int = field(default=0, init=False)
    _reconnects: int = field(default=0, init=False)
    _sub: Any = field(default=None, init=False)
    _applied_seq: int = field(default=0, init=False)
    _channel: grpc.aio.Channel | None = field(default=None, init=False)
    # identifier key -> expiry of a "not on the suppression list" answer
    _clear: dict[str, float] = field(default_factory=dict, init=False)

    @classmethod
    async def connect(cls, address: str, token: str, bus: EventBus | None, **options: Any) -> ConsentChecker:
        """A checker for the consent service at ``address``, listening to ``bus`` for changes."""
        from services.common.client import channel

        ch = channel(address, token)
        checker = cls(pb_grpc.ConsentServiceStub(ch), bus, **options)
        checker._channel = ch
        await checker.start()
        return checker

    async def start(self) -> None:
        """Subscribes to consent changes (an ordered consumer from now on); no-op without a bus."""
        if self.bus is None:
            return
        self._reconnects = self.bus.nc.stats.get("reconnects", 0)
        self._sub = await self.bus.js.subscribe(
            self.bus.subject(CONSENT_FILTER), cb=self._on_message, ordered_consumer=True,
            deliver_policy=DeliverPolicy.NEW, idle_heartbeat=5.0,
        )

    async def close(self) -> None:
        """Stops listening and closes the channel this checker opened."""
        if self._sub is not None:
            with contextlib.suppress(Exception):
                await self._sub.unsubscribe()
            self._sub = None
        if self._channel is not None:
            await self._channel.close()

    async def _on_message(self, msg: Any) -> None:
        try:
            change = ConsentChange.decode(msg.data)
        except (ValueError, TypeError, KeyError):
            # Something we cannot read might have been a withdrawal: forget everything rather than guess.
            log.warning("unreadable consent change on %s; clearing the cache", msg.subject)
            self.invalidate_all()
        else:
            self.apply(change)
        with contextlib.suppress(Exception):
            self._applied_seq = max(self._applied_seq, msg.metadata.sequence.stream)

    def apply(self, change: ConsentChange) -> None:
        """Drops every cached answer the change may affect."""
        INVALIDATIONS.labels(change.kind).inc()
        if change.kind == "policy" or not change.keys:
            self.invalidate_all()
            return
        self._generation += 1
        for key in change.keys:
            self._clear.pop(key, None)
            for cache_key in self._by_key.pop(key, ()):
                self._cache.pop(cache_key, None)

    def invalidate_all(self) -> None:
        """Forgets every cached answer."""
        self._generation += 1
        self._cache.clear()
        self._by_key.clear()
        self._clear.clear()

    async def sync(self, within_s: float = 5.0) -> None:
        """Waits until every change published so far has been applied (tests, and read-your-writes callers)."""
        if self.bus is None:
            return
        info = await self.bus.js.stream_info(self.bus.wire_stream("CONSENT"))
        target = info.state.last_seq
        deadline = time.monotonic() + within_s
        while self._applied_seq < target:
            if time.monotonic() > deadline:
                raise TimeoutError(f"consent changes up to {target} not applied within {within_s}s")
            await asyncio.sleep(0.005)

    def _cache_usable(self) -> bool:
        if self.bus is None or self._sub is None or not self.bus.nc.is_connected:
            return False
        reconnects = self.bus.nc.stats.get("reconnects", 0)
        if reconnects != self._reconnects:
            # Answers cached before the outage may predate changes we have not replayed yet: start clean.
            self._reconnects = reconnects
            self.invalidate_all()
        return True

    async def check(self, identifiers: Iterable[common_pb2.Identifier | tuple[str, str]], purposes: Sequence[str],
                    *, market: str = "", gpc: bool = False) -> CheckResult:
        """Decisions for ``purposes``; never raises for an unreachable service, it denies instead."""
        idents = [i if isinstance(i, common_pb2.Identifier) else common_pb2.Identifier(type=i[0], value=i[1])
                  for i in identifiers]
        purposes = tuple(purposes)
        keys = identifier_keys(idents)
        if not keys or not purposes:
            CHECKS.labels("fail_closed").inc()
            return _denied(purposes, "UNKNOWN_SUBJECT")
        cache_key = (keys, market, gpc, purposes)
        usable = self._cache_usable()
        if usable:
            entry = self._cache.get(cache_key)
            if entry is not None and entry.expires > time.monotonic():
                CHECKS.labels("cache").inc()
                return entry.result
        generation = self._generation
        try:
            response = await self.stub.CheckPurposes(
                pb.CheckPurposesRequest(identifiers=idents, market=market, purpose_ids=purposes, gpc=gpc),
                timeout=self.deadline_s,
            )
        except (TimeoutError, grpc.aio.AioRpcError, OSError) as exc:
            CHECKS.labels("fail_closed").inc()
            log.warning("CheckPurposes failed, denying: %r", exc)
            return _denied(purposes, "UNAVAILABLE")
        result = CheckResult(
            tuple(Decision(d.purpose_id, d.allowed, pb.CheckReason.Name(d.reason).removeprefix("CHECK_REASON_"))
                  for d in response.decisions),
            source="rpc",
        )
        CHECKS.labels("rpc").inc()
        # Store only if no change arrived while the call was in flight: the answer may predate it.
        if usable and generation == self._generation:
            self._store(cache_key, result)
        return result

    async def allowed(self, identifiers: Iterable[common_pb2.Identifier | tuple[str, str]], purpose: str,
                      *, market: str = "", gpc: bool = False) -> bool:
        """True only when ``purpose`` is positively allowed."""
        return (await self.check(identifiers, [purpose], market=market, gpc=gpc)).all_allowed

    async def is_suppressed(self, identifiers: Iterable[common_pb2.Identifier | tuple[str, str]]) -> bool:
        """Whether any identifier belongs to an erased person; raises Unavailable when that cannot be known.

        Ingestion must not silently drop or accept events it cannot judge: it answers UNAVAILABLE and the
        client retries.
        """
        return (await self.suppressed_people([list(identifiers)]))[0]

    async def suppressed_people(self, people: Sequence[Iterable[common_pb2.Identifier | tuple[str, str]]]
                                ) -> list[bool]:
        """Per person (a group of identifiers), whether any identifier is on the suppression list.

        One IsSuppressed call covers every person whose identifiers are not all known to be clear; matches
        come back as (type, SHA-256) and are mapped to the people locally. "Clear" answers are cached per
        identifier while the bus subscription is live and dropped by any change naming the identifier (an
        erasure announces its identifiers before its workflow starts). Raises Unavailable when the list
        cannot be read: the caller must not judge without it.
        """
        idents: dict[str, tuple[str, str]] = {}  # key -> (type, value), every person's
        keyed: list[set[str]] = []
        for person in people:
            keys = set()
            for ident in person:
                kind, value = (ident.type, ident.value) if isinstance(ident, common_pb2.Identifier) else ident
                if kind and normalise_identifier(kind, value):
                    key = identifier_key(kind, value)
                    keys.add(key)
                    idents.setdefault(key, (kind, value))
            keyed.append(keys)
        usable = self._cache_usable()
        now = time.monotonic()
        unknown = sorted(k for k in idents if not (usable and self._clear.get(k, 0.0) > now))
        if not unknown:
            SUPPRESSION_LOOKUPS.labels("cache").inc(len(people))
            return [False] * len(people)
        generation = self._generation
        try:
            response = await self.stub.IsSuppressed(
                pb.IsSuppressedRequest(identifiers=[common_pb2.Identifier(type=idents[k][0], value=idents[k][1])
                                                    for k in unknown]), timeout=self.deadline_s * 2)
        except grpc.aio.AioRpcError as exc:
            raise Unavailable(f"suppression list unreachable: {exc.code().name}") from exc
        SUPPRESSION_LOOKUPS.labels("rpc").inc(len(people))
        hits = {f"{m.identifier_type}:{m.value_sha256}" for m in response.matches}
        if response.suppressed and not hits:
            # An answer without its matches cannot be mapped to people: judge everyone asked about.
            hits = set(unknown)
        if usable and generation == self._generation:
            if len(self._clear) + len(unknown) > self.max_entries:
                self._clear.clear()
            expires = now + self.ttl_s
            for key in unknown:
                if key not in hits:
                    self._clear[key] = expires
        return [bool(keys & hits) for keys in keyed]

    def _store(self, cache_key: _CacheKey, result: CheckResult) -> None:
        if len(self._cache) >= self.max_entries:
            # Cheap bound: start over rather than track recency on the hot path.
            self.invalidate_all()
        self._cache[cache_key] = _Entry(result, time.monotonic() + self.ttl_s)
        for key in cache_key[0]:
            self._by_key.setdefault(key, set()).add(cache_key)


def mask_fields(role: pb.Role, document: dict[str, Any], prefix: str = "") -> tuple[dict[str, Any], list[str]]:
    """``document`` with every field the role may not see removed, and the paths that were removed.

    Field paths are dotted (``traits.email``); a rule ending in ``.*`` covers a subtree; the longest matching
    rule wins and fields no rule matches take the role's default (unset means masked: PII stays hidden unless
    the role allows it). Services apply it to profile responses for the caller's role.
    """
    rules = sorted(((r.field_path.removesuffix(".*"), r.access) for r in role.field_rules),
                   key=lambda r: len(r[0]), reverse=True)

    def access(path: str) -> int:
        for rule_path, rule_access in rules:
            if path == rule_path or path.startswith(rule_path + "."):
                return rule_access
        return role.default_access

    def rules_below(path: str) -> bool:
        return any(p.startswith(path + ".") for p, _ in rules)

    masked: list[str] = []

    def walk(node: dict[str, Any], base: str) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in node.items():
            path = f"{base}{key}"
            if isinstance(value, dict) and (access(path) != pb.FIELD_ACCESS_ALLOW or rules_below(path)):
                kept = walk(value, path + ".")
                if kept:
                    out[key] = kept
            elif access(path) == pb.FIELD_ACCESS_ALLOW:
                out[key] = value
            else:
                masked.append(path)
        return out

    return walk(document, prefix), masked
