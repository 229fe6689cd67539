"""The consent filter: nothing about a person is sent unless every purpose the destination needs is allowed.

It fails closed. Bus events carry the consent snapshot ingestion took at event time (``Event.consent``); a
purpose granted there passes, a purpose refused there is refused. A purpose the snapshot does not mention,
and every journey message, is decided by a `PurposeChecker`. With none configured the answer is "no".

The consent service's client (``services.common.consent.ConsentChecker``) plugs in through
`ConsentServiceChecker`; ``build`` connects it when LOOM_CONSENT_ADDR is set.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol

from prometheus_client import Counter

from services.common.consent import ConsentChecker

# (type, value) pairs naming a person, e.g. ("user_id", "u1"), ("email", "ann@example.com").
Identifiers = Sequence[tuple[str, str]]

CONSENT_DENIED = Counter("loom_forwarding_consent_denied_total",
                         "Deliveries withheld because consent was not given, by destination.", ["destination"])


class PurposeChecker(Protocol):
    """Answers whether a person allows processing for every one of some purposes."""

    async def allowed(self, identifiers: Identifiers, purposes: Sequence[str]) -> bool:
        """True only when the person allows every purpose; must answer False when it cannot tell."""
        ...


class DenyAll:
    """The checker used when none is configured: fail closed, so nothing unconfirmed is ever sent."""

    async def allowed(self, identifiers: Identifiers, purposes: Sequence[str]) -> bool:
        """Always False."""
        return False


class StaticPurposes:
    """Purposes granted per identifier value, held in memory: for local runs and tests where consent is fixed."""

    def __init__(self, grants: Mapping[str, Sequence[str]]) -> None:
        self.grants = {value: frozenset(purposes) for value, purposes in grants.items()}

    async def allowed(self, identifiers: Identifiers, purposes: Sequence[str]) -> bool:
        """True when one of the identifiers was granted every purpose."""
        return any(set(purposes) <= self.grants.get(value, frozenset()) for _, value in identifiers)


class ConsentServiceChecker:
    """Answers from the consent service through the shared, fail-closed `ConsentChecker` (cached, bus-invalidated)."""

    def __init__(self, checker: ConsentChecker) -> None:
        self.checker = checker

    async def allowed(self, identifiers: Identifiers, purposes: Sequence[str]) -> bool:
        """True only when the consent service positively allows every purpose."""
        if not identifiers:
            return False
        return (await self.checker.check(list(identifiers), purposes)).all_allowed


class ConsentFilter:
    """Applies a destination's required purposes to events and messages."""

    def __init__(self, checker: PurposeChecker | None = None) -> None:
        self.checker: PurposeChecker = checker or DenyAll()

    async def event_allowed(self, destination: str, identifiers: Identifiers, snapshot: Mapping[str, bool],
                            purposes: Sequence[str]) -> bool:
        """Whether an event may go to the destination: the snapshot first, the checker for the rest."""
        if not purposes:
            return True
        unknown = []
        for purpose in purposes:
            granted = snapshot.get(purpose)
            if granted is False:
                CONSENT_DENIED.labels(destination).inc()
                return False
            if granted is None:
                unknown.append(purpose)
        ok = not unknown or (bool(identifiers) and await self.checker.allowed(identifiers, unknown))
        if not ok:
            CONSENT_DENIED.labels(destination).inc()
        return ok

    async def message_allowed(self, destination: str, identifiers: Identifiers, purposes: Sequence[str]) -> bool:
        """Whether a journey message may go out; always asks the checker."""
        if not purposes:
            return True
        ok = await self.checker.allowed(identifiers, purposes)
        if not ok:
            CONSENT_DENIED.labels(destination).inc()
        return ok
