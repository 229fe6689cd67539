"""Extracting and normalising the identifiers an event carries."""

from __future__ import annotations

from loom.ingestion.v1 import ingestion_pb2 as pb
from services.common.consent import normalise_identifier as normalise
from services.identity.rules import IdentityRules, default_rules

_DEFAULT_RULES = default_rules()


def identifiers_of(event: pb.Event, rules: IdentityRules | None = None) -> list[tuple[str, str]]:
    """Every usable identifier on an event: normalised, deduplicated, blocked values dropped, best priority first.

    The first one names a new profile and wins when a merge must be refused.
    """
    rules = rules or _DEFAULT_RULES
    found: dict[tuple[str, str], None] = {}

    def add(kind: str, value: str) -> None:
        norm = normalise(kind, value) if value else ""
        if norm and not rules.blocked(kind, norm):
            found[(kind, norm)] = None

    add("user_id", event.user_id)
    add("anonymous_id", event.anonymous_id)
    if event.type == pb.EVENT_TYPE_ALIAS:
        add("anonymous_id" if not event.user_id or event.previous_id != event.user_id else "user_id", event.previous_id)
    if event.context.device.id:
        add("device_id", event.context.device.id)
    for ident in event.identifiers:
        add(ident.type, ident.value)
    for key in ("email", "phone"):
        trait = event.traits.fields.get(key)
        if trait is not None and trait.HasField("string_value"):
            add(key, trait.string_value)
    return sorted(found, key=lambda i: (rules.priority(i[0]), i[0], i[1]))
