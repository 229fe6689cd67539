"""Identity resolution rules: identifier priorities, per-type limits, blocked values and trait merge policies.

Rules are data, stored in one row and cached by the consumer; `RulesStore.put` validates a whole document and
bumps its revision. The defaults hold what almost every deployment needs: one user id per profile and the
placeholder values that SDKs send when they know nothing ("unknown", "0", "null", ...).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from typing import Any

from sqlalchemy import select

from services.common.errors import Violations
from services.common.storage import Database, upsert
from services.identity.tables import identity_rules

LAST_WRITE, FIRST_WRITE, SUM = "last_write", "first_write", "sum"
POLICIES = (LAST_WRITE, FIRST_WRITE, SUM)
_TYPE_OK = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
_PLACEHOLDERS = ("unknown", "0", "null", "undefined", "none", "n/a", "-1", "anonymous")
UNRANKED = 1000


@dataclass(frozen=True)
class IdentifierRule:
    """How one identifier type takes part in stitching."""

    type: str
    priority: int
    max_per_profile: int = 0
    blocked_values: frozenset[str] = frozenset()
    blocked_patterns: tuple[str, ...] = ()
    _compiled: tuple[re.Pattern[str], ...] = field(default=(), compare=False, repr=False)

    def blocks(self, value: str) -> bool:
        """True when `value` must never be used to stitch (placeholder or test value)."""
        if value.lower() in self.blocked_values:
            return True
        return any(p.search(value) for p in self._compiled)


def identifier_rule(kind: str, priority: int, max_per_profile: int = 0, blocked_values: tuple[str, ...] = (),
                    blocked_patterns: tuple[str, ...] = ()) -> IdentifierRule:
    """An `IdentifierRule` with its patterns compiled (case-insensitive) and values lower-cased."""
    return IdentifierRule(
        type=kind, priority=priority, max_per_profile=max_per_profile,
        blocked_values=frozenset(v.lower() for v in blocked_values), blocked_patterns=tuple(blocked_patterns),
        _compiled=tuple(re.compile(p, re.IGNORECASE) for p in blocked_patterns),
    )


@dataclass(frozen=True)
class IdentityRules:
    """Every identifier rule and trait policy, with the revision that stored them."""

    rules: Mapping[str, IdentifierRule]
    trait_policies: Mapping[str, str] = field(default_factory=dict)
    revision: int = 0

    def priority(self, kind: str) -> int:
        """Rank of a type; lower wins. Types without a rule rank after every ruled type."""
        rule = self.rules.get(kind)
        return rule.priority if rule is not None else UNRANKED

    def limit(self, kind: str) -> int:
        """Most identifiers of `kind` one profile may hold; 0 is unlimited."""
        rule = self.rules.get(kind)
        return rule.max_per_profile if rule is not None else 0

    @cached_property
    def limited_types(self) -> frozenset[str]:
        """Types with a per-profile limit."""
        return frozenset(k for k, r in self.rules.items() if r.max_per_profile > 0)

    def blocked(self, kind: str, value: str) -> bool:
        """True when the identifier must be ignored for stitching."""
        rule = self.rules.get(kind)
        if rule is None:
            return value.lower() in _PLACEHOLDERS
        return rule.blocks(value)

    def to_document(self) -> dict[str, Any]:
        """JSON form for storage and the CLI."""
        return {
            "rules": [
                {"type": r.type, "priority": r.priority, "max_per_profile": r.max_per_profile,
                 "blocked_values": sorted(r.blocked_values), "blocked_patterns": list(r.blocked_patterns)}
                for r in sorted(self.rules.values(), key=lambda r: (r.priority, r.type))
            ],
            "trait_policies": dict(sorted(self.trait_policies.items())),
        }


def default_rules() -> IdentityRules:
    """Rules in force until an operator stores others."""
    return IdentityRules(
        rules={
            "user_id": identifier_rule("user_id", 0, 1, _PLACEHOLDERS),
            "email": identifier_rule("email", 1, 0, _PLACEHOLDERS,
                                     (r"^test@", r"@(test|invalid|localhost)(\.[a-z]+)?$", r"^no-?reply@")),
            "phone": identifier_rule("phone", 2, 0, ("+0", "+1234567890", "+0000000000"), (r"^\+?0+$",)),
            "device_id": identifier_rule("device_id", 3, 0,
                                         (*_PLACEHOLDERS, "00000000-0000-0000-0000-000000000000")),
            "anonymous_id": identifier_rule("anonymous_id", 4, 0,
                                            (*_PLACEHOLDERS, "00000000-0000-0000-0000-000000000000")),
        }
    )


def parse_rules(document: Mapping[str, Any], revision: int = 0, path: str = "rules") -> IdentityRules:
    """Validates a rules document (the `to_document` shape); raises InvalidArgument naming every bad field."""
    v = Violations()
    parsed: dict[str, tuple[int, int, tuple[str, ...], tuple[str, ...]]] = {}
    for i, raw in enumerate(document.get("rules", [])):
        here = f"{path}.rules[{i}]"
        kind = str(raw.get("type", ""))
        if not _TYPE_OK.match(kind):
            v.add(f"{here}.type", "must be 1-32 lower-case letters, digits or '_', starting with a letter")
        elif kind in parsed:
            v.add(f"{here}.type", f"{kind!r} has a rule already; give each type one rule")
        priority, limit = int(raw.get("priority", 0)), int(raw.get("max_per_profile", 0))
        if priority < 0:
            v.add(f"{here}.priority", "must be 0 or more (lower wins)")
        if limit < 0:
            v.add(f"{here}.max_per_profile", "must be 0 (unlimited) or more")
        patterns = tuple(str(p) for p in raw.get("blocked_patterns", []))
        for j, pattern in enumerate(patterns):
            try:
                re.compile(pattern)
            except re.error as exc:
                v.add(f"{here}.blocked_patterns[{j}]", f"not a regular expression: {exc}")
        if kind and kind not in parsed:
            parsed[kind] = (priority, limit, tuple(str(x) for x in raw.get("blocked_values", [])), patterns)
    policies: dict[str, str] = {}
    for name, policy in dict(document.get("trait_policies", {})).items():
        if not name:
            v.add(f"{path}.trait_policies", "trait name must not be empty")
        elif policy not in POLICIES:
            v.add(f"{path}.trait_policies[{name}]", f"must be one of {', '.join(POLICIES)}, got {policy!r}")
        policies[str(name)] = str(policy)
    v.raise_if_any()
    rules = {kind: identifier_rule(kind, *args) for kind, args in parsed.items()}
    return IdentityRules(rules=rules, trait_policies=policies, revision=revision)


class RulesStore:
    """Reads and replaces the stored rules; the defaults apply until the first put."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def get(self) -> IdentityRules:
        """The rules in force."""
        async with self._db.connect() as conn:
            row = (await conn.execute(select(identity_rules).where(identity_rules.c.id == 1))).first()
        if row is None:
            return default_rules()
        return parse_rules(row.document, revision=row.revision)

    async def put(self, rules: IdentityRules) -> IdentityRules:
        """Stores `rules` as the next revision and returns them with it."""
        async with self._db.begin() as conn:
            row = (await conn.execute(select(identity_rules.c.revision).where(identity_rules.c.id == 1))).first()
            revision = (row[0] if row else 0) + 1
            await conn.execute(upsert(identity_rules, [{"id": 1, "revision": revision,
                                                       "document": rules.to_document(),
                                                       "updated_at": datetime.now(UTC)}], ["id"]))
        return IdentityRules(rules=rules.rules, trait_policies=rules.trait_policies, revision=revision)
