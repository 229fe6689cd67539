"""Keyed hashing (HMAC-SHA256) of raw PII identifiers before anything is published or stored.

The policy names identifier types (email and phone by default). Their values are normalised first (emails
lower-cased and trimmed, phone numbers reduced to digits with a leading '+'), so the same person hashes to
the same value from every source, and identity can still stitch on it without ever seeing the raw value.
The key never leaves the service: without it nobody can test a guessed email against the hashes.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable

from loom.ingestion.v1 import ingestion_pb2 as pb

HASH_PREFIX = "hmac256:"


def normalise(identifier_type: str, value: str) -> str:
    """The canonical form of an identifier value before hashing."""
    value = value.strip()
    if identifier_type == "email":
        return value.lower()
    if identifier_type == "phone":
        digits = "".join(ch for ch in value if ch.isdigit())
        if value.startswith("+"):
            return f"+{digits}"
        # "00" is the international prefix in most of the world: 0046... and +46... are the same number.
        return f"+{digits[2:]}" if digits.startswith("00") else digits
    return value


class IdentifierHasher:
    """Replaces the values of the policy's identifier types on an event by their keyed hash."""

    def __init__(self, key: bytes, types: Iterable[str]) -> None:
        self._key = key
        self.types = frozenset(t.strip().lower() for t in types if t.strip())

    @property
    def enabled(self) -> bool:
        """True when there is a key and at least one type to hash."""
        return bool(self._key and self.types)

    def hash_value(self, identifier_type: str, value: str) -> str:
        """The hashed form of one value; values already hashed are returned unchanged (replays)."""
        if value.startswith(HASH_PREFIX):
            return value
        digest = hmac.new(self._key, normalise(identifier_type, value).encode(), hashlib.sha256).hexdigest()
        return HASH_PREFIX + digest

    def apply(self, event: pb.Event) -> None:
        """Hashes the event's identifiers whose type the policy names."""
        if not self.enabled:
            return
        for identifier in event.identifiers:
            if identifier.type in self.types and identifier.value:
                identifier.value = self.hash_value(identifier.type, identifier.value)
