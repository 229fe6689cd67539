"""Consent at the front door: suppressed (erased) people are dropped, every accepted event is tagged.

Both answers come from the shared, fail-closed ``ConsentChecker``:

- suppression (``suppressed_people``) is one question per batch for the people not already known to be
  clear (cached per identifier until a consent change names it). When the suppression list cannot be read
  the whole batch fails with UNAVAILABLE so the client retries: an event is never accepted unjudged.
- the tags (``check`` for analytics, personalisation and profiling) are served from the checker's
  bus-invalidated cache; an unknown person or an unreachable consent service tags every purpose false.

Identifiers hashed by the PII policy (``hmac256:...``) are left out of both questions: consent is recorded
under the raw identifier's SHA-256, which a keyed hash cannot be matched against.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from prometheus_client import Counter

from loom.common.v1 import common_pb2
from loom.ingestion.v1 import ingestion_pb2 as pb
from services.common.consent import ConsentChecker
from services.ingestion.pii import HASH_PREFIX

# The purposes each event is tagged with: what downstream consumers decide on without asking again.
TAG_PURPOSES = ("analytics", "personalisation", "profiling")
TAGGED = Counter("loom_ingestion_consent_tags_total", "Consent tags written on accepted events, by purpose and "
                 "value.", ["purpose", "granted"])

Person = tuple[tuple[str, str], ...]


def consent_identifiers(event: pb.Event) -> Person:
    """The identifiers consent is recorded under for the person of one event (sorted, no duplicates)."""
    found: set[tuple[str, str]] = set()

    def add(kind: str, value: str) -> None:
        if value and not value.startswith(HASH_PREFIX):
            found.add((kind, value))

    add("user_id", event.user_id)
    add("anonymous_id", event.anonymous_id)
    if event.type == pb.EVENT_TYPE_ALIAS:
        add("anonymous_id", event.previous_id)
    for ident in event.identifiers:
        add(ident.type, ident.value)
    for key in ("email", "phone"):
        trait = event.traits.fields.get(key)
        if trait is not None and trait.HasField("string_value"):
            add(key, trait.string_value)
    return tuple(sorted(found))


def _idents(person: Person) -> list[common_pb2.Identifier]:
    return [common_pb2.Identifier(type=kind, value=value) for kind, value in person]


class ConsentGate:
    """Suppression and consent tags for the Ingestor, backed by a ConsentChecker."""

    def __init__(self, checker: ConsentChecker, purposes: Sequence[str] = TAG_PURPOSES) -> None:
        self._checker = checker
        self._purposes = tuple(purposes)

    async def suppressed(self, events: Sequence[pb.Event]) -> list[bool]:
        """Per event, whether its person was erased; raises Unavailable when the list cannot be read."""
        people = [consent_identifiers(e) for e in events]
        distinct = sorted({p for p in people if p})
        answers = await self._checker.suppressed_people(distinct) if distinct else []
        verdict = dict(zip(distinct, answers, strict=True))
        return [verdict.get(p, False) for p in people]

    async def tag(self, events: Sequence[pb.Event], gpc: bool = False) -> None:
        """Sets ``event.consent`` for every tag purpose (fail closed: unknown means false)."""
        keyed = [(consent_identifiers(e), e.market) for e in events]
        distinct = sorted(set(keyed))
        results = await asyncio.gather(*(self._checker.check(_idents(p), self._purposes, market=market, gpc=gpc)
                                         for p, market in distinct))
        by_person = dict(zip(distinct, results, strict=True))
        for event, key in zip(events, keyed, strict=True):
            result = by_person[key]
            event.consent.clear()
            for purpose in self._purposes:
                granted = result.allowed(purpose)
                event.consent[purpose] = granted
                TAGGED.labels(purpose, "true" if granted else "false").inc()
