"""Audience sync: membership changes sent to an ad platform with identifiers normalised and SHA-256 hashed.

Ad platforms match hashed identifiers, and they hash what they hold after the same normalisation, so an
address written "  Ann@Example.COM " must be hashed as "ann@example.com". Raw identifiers never leave Loom.
Each item's payload (the mapping produces it) holds ``audience_id``, ``action`` ("add" or "remove") and the
identifiers named in the destination's ``identifier_types`` (``email``, ``phone``).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from typing import Any

from loom.forwarding.v1 import forwarding_pb2 as pb
from services.forwarding.senders import Outbound, secret
from services.forwarding.senders.webhook import DEFAULT_TIMEOUT_S, HttpSender

SUPPORTED_IDENTIFIERS = ("email", "phone")


def normalise_identifier(kind: str, value: str) -> str:
    """Ad-platform normalisation: e-mail trimmed and lower-cased; phone as E.164 digits with a leading '+'."""
    value = value.strip()
    if kind == "email":
        return value.lower()
    if kind == "phone":
        digits = re.sub(r"\D", "", value)
        if value.startswith("00"):
            digits = digits[2:]
        return f"+{digits}" if digits else ""
    raise ValueError(f"unsupported identifier type {kind!r}; supported: {', '.join(SUPPORTED_IDENTIFIERS)}")


def hashed_identifier(kind: str, value: str) -> str:
    """SHA-256 hex of the normalised identifier, or empty when nothing is left after normalising."""
    normal = normalise_identifier(kind, value)
    return hashlib.sha256(normal.encode()).hexdigest() if normal else ""


class AudienceSender(HttpSender):
    """POSTs ``{"account_id", "operations": [{"idempotency_key", "audience_id", "action", "identifiers":
    {"email_sha256": ...}}]}`` to the platform's endpoint."""

    def __init__(self, url: str, *, account_id: str, identifier_types: Sequence[str], **options: Any) -> None:
        super().__init__(url, **options)
        self.account_id = account_id
        self.identifier_types = tuple(identifier_types) or SUPPORTED_IDENTIFIERS

    def body(self, items: Sequence[Outbound]) -> Any:
        """The platform's request document, identifiers hashed."""
        operations = []
        for item in items:
            p = item.payload
            identifiers = {}
            for kind in self.identifier_types:
                raw = p.get(kind)
                if isinstance(raw, str) and (digest := hashed_identifier(kind, raw)):
                    identifiers[f"{kind}_sha256"] = digest
            operations.append({"idempotency_key": item.idempotency_key, "audience_id": p.get("audience_id", ""),
                               "action": p.get("action", "add"), "identifiers": identifiers})
        return {"account_id": self.account_id, "operations": operations}


def audience_sender(config: pb.AudienceSyncConfig, batching: pb.Batching, rate: pb.RateLimit) -> AudienceSender:
    """The sender of an audience sync destination."""
    token = secret(config.credentials_secret_ref)
    return AudienceSender(config.url, account_id=config.account_id, identifier_types=config.identifier_types,
                          headers={"Authorization": f"Bearer {token}"} if token else {},
                          timeout=DEFAULT_TIMEOUT_S, max_batch=batching.max_items or 500,
                          max_in_flight=rate.max_in_flight or 4)
