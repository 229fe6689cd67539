"""Senders: one per destination type, each turning a batch of payloads into one call to a real peer.

A sender never raises for a peer's failure: it returns a `SendResult` saying whether the batch was
accepted, the peer's response code and whether retrying could help. The worker decides what happens next.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from services.forwarding.policy import is_retryable


@dataclass(frozen=True)
class Outbound:
    """One delivery's payload with the key the peer can deduplicate it by."""

    idempotency_key: str
    profile_id: str
    payload: dict[str, Any]


@dataclass(frozen=True)
class SendResult:
    """What the peer said about a batch."""

    ok: bool
    code: int
    error: str = ""
    # Set by senders whose codes are not HTTP (SMTP 4xx is transient); None means "judge by the HTTP code".
    transient: bool | None = None

    @property
    def retryable(self) -> bool:
        """Whether a later attempt could succeed (no response, 5xx, 408, 429; SMTP 4xx)."""
        if self.ok:
            return False
        return self.transient if self.transient is not None else is_retryable(self.code)

    @property
    def permanent(self) -> bool:
        """Whether the peer refused for good; the batch goes straight to dead letters."""
        return not self.ok and not self.retryable


class Sender(Protocol):
    """Delivers batches to one destination."""

    max_batch: int
    # Longest one send may take (seconds); the bus ack deadline is set beyond it.
    timeout: float

    async def send(self, items: Sequence[Outbound]) -> SendResult:
        """Sends one batch (at most ``max_batch`` items) and reports the outcome."""
        ...

    async def close(self) -> None:
        """Releases connections."""
        ...


def secret(ref: str) -> str:
    """The value of a secret reference: the environment variable it names (Kubernetes mounts secrets as
    environment variables); empty when the reference is empty."""
    return os.environ.get(ref, "") if ref else ""


def missing_secret(ref: str) -> str | None:
    """Why a secret reference cannot be used, or None when it is fine."""
    if ref and ref not in os.environ:
        return f"secret {ref!r} is not set in the forwarding service's environment"
    return None
