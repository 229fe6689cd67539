"""The consent service's own entries in the audit log: who changed consent, policies, roles or requests."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from loom.consent.v1 import consent_pb2 as pb
from services.common.pipeline import current_principal
from services.common.tracing import current_trace_id
from services.consent.governance import AuditLog


class AuditTrail:
    """Appends one entry per change the consent service makes, attributed to the calling principal."""

    def __init__(self, log: AuditLog) -> None:
        self.log = log

    async def record(self, action: str, resource: str, details: Mapping[str, Any] | None = None,
                     outcome: int = pb.AUDIT_OUTCOME_SUCCESS, reason: str = "") -> None:
        """Appends the entry (in its own transaction, after the change committed)."""
        principal = current_principal()
        await self.log.append([{
            "actor": principal.subject, "role": ",".join(sorted(principal.roles)), "service": "consent",
            "action": action, "resource": resource, "outcome": outcome, "reason": reason,
            "details": dict(details or {}), "request_id": current_trace_id() or "",
        }])
