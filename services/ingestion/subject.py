"""Who a data-subject request is about, as ingestion can recognise them on an event.

Ingestion stores events, not profiles: a person is every event that carries one of their identifiers, as
the client sent it or as the PII policy hashed it (``hmac256:...``). ``profile_id`` identifiers (added by
the privacy workflow for other stores) mean nothing here and are ignored.
"""

from __future__ import annotations

from dataclasses import dataclass

from loom.common.v1 import common_pb2
from loom.ingestion.v1 import ingestion_pb2 as pb
from services.common.errors import Violations
from services.ingestion.pii import IdentifierHasher, normalise

# Identifier types that are profile keys on the bus and in the archive (user_id when known, else anonymous_id).
_KEY_TYPES = ("user_id", "anonymous_id")
_IGNORED = frozenset({"profile_id"})


@dataclass(frozen=True)
class Subject:
    """The identifiers of one person, in every form they can take on a stored event."""

    # (type, value) pairs: values as given, normalised, and hashed where the policy hashes that type.
    pairs: frozenset[tuple[str, str]]
    # user ids and anonymous ids: the archive's and quarantine's profile_key, and the bus partition key.
    keys: frozenset[str]

    @classmethod
    def from_ref(cls, ref: common_pb2.DataSubjectRef, hasher: IdentifierHasher | None) -> Subject:
        """The subject of a request; raises InvalidArgument when it names nobody ingestion can find."""
        problems = Violations()
        problems.require(ref.request_id, "subject.request_id")
        pairs: set[tuple[str, str]] = set()
        keys: set[str] = set()
        for i, ident in enumerate(ref.identifiers):
            problems.require(ident.type, f"subject.identifiers[{i}].type")
            problems.require(ident.value, f"subject.identifiers[{i}].value")
            if not ident.type or not ident.value or ident.type in _IGNORED:
                continue
            pairs.update({(ident.type, ident.value), (ident.type, normalise(ident.type, ident.value))})
            if hasher is not None and hasher.enabled and ident.type in hasher.types:
                pairs.add((ident.type, hasher.hash_value(ident.type, ident.value)))
            if ident.type in _KEY_TYPES:
                keys.add(ident.value)
        if not ref.identifiers:
            problems.add("subject.identifiers", "at least one identifier is required")
        problems.raise_if_any()
        return cls(frozenset(pairs), frozenset(keys))

    def owns(self, event: pb.Event) -> bool:
        """Whether the event belongs to this person (any identifier matches)."""
        pairs = self.pairs
        if ("user_id", event.user_id) in pairs or ("anonymous_id", event.anonymous_id) in pairs:
            return True
        if event.previous_id and (("user_id", event.previous_id) in pairs
                                  or ("anonymous_id", event.previous_id) in pairs):
            return True
        if event.context.device.id and ("device_id", event.context.device.id) in pairs:
            return True
        for ident in event.identifiers:
            if (ident.type, ident.value) in pairs or (ident.type, normalise(ident.type, ident.value)) in pairs:
                return True
        for key in ("email", "phone"):
            trait = event.traits.fields.get(key)
            if trait is not None and trait.HasField("string_value") and (
                    (key, normalise(key, trait.string_value)) in pairs):
                return True
        return False
