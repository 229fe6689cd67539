"""The audit trail every service writes to the consent service's append-only audit log.

Entries are recorded on the request path without waiting: a background task sends them in batches of up to
100 with AppendAudit. While the consent service is unreachable they wait in a bounded buffer and are retried;
on shutdown the buffer is flushed. A service without a consent address records nothing (say so in its config).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any

import grpc
from google.protobuf import struct_pb2
from prometheus_client import Counter

from loom.consent.v1 import consent_pb2, consent_pb2_grpc
from services.common.pipeline import current_principal
from services.common.tracing import current_trace_id

log = logging.getLogger("loom.audit")

AUDIT_ENTRIES = Counter("loom_audit_entries_total", "Audit entries by what happened to them (sent, dropped).",
                        ["service", "result"])
BATCH = 100


class AuditTrail:
    """Buffers audit entries of one service and ships them to the consent service."""

    def __init__(self, stub: consent_pb2_grpc.ConsentServiceStub | None, service: str,
                 capacity: int = 10_000) -> None:
        self._stub = stub
        self._service = service
        self._pending: deque[consent_pb2.AuditEntry] = deque()
        self._capacity = capacity

    @property
    def enabled(self) -> bool:
        """False when no consent service is configured."""
        return self._stub is not None

    def record(self, action: str, resource: str, *, reason: str = "", details: dict[str, Any] | None = None,
               outcome: int = consent_pb2.AUDIT_OUTCOME_SUCCESS) -> None:
        """Queues one entry for the current caller (never blocks, never raises)."""
        if self._stub is None:
            return
        if len(self._pending) >= self._capacity:
            self._pending.popleft()  # keep the newest; the loss is counted and logged below
            AUDIT_ENTRIES.labels(self._service, "dropped").inc()
            log.error("audit buffer full: the oldest entry was dropped", extra={"service": self._service})
        principal = current_principal()
        entry = consent_pb2.AuditEntry(
            actor=principal.subject, role=",".join(sorted(principal.roles)), service=self._service,
            action=action, resource=resource, outcome=outcome, reason=reason, request_id=current_trace_id(),
        )
        entry.occurred_at.GetCurrentTime()
        if details:
            entry.details.CopyFrom(_struct(details))
        self._pending.append(entry)

    async def flush(self) -> None:
        """Sends everything buffered; entries stay buffered when the consent service does not confirm."""
        while self._pending and self._stub is not None:
            batch = [self._pending[i] for i in range(min(BATCH, len(self._pending)))]
            await self._stub.AppendAudit(consent_pb2.AppendAuditRequest(entries=batch), timeout=5)
            for _ in batch:
                self._pending.popleft()
            AUDIT_ENTRIES.labels(self._service, "sent").inc(len(batch))

    async def start(self, interval_s: float = 1.0) -> Callable[[], Awaitable[None]]:
        """Ships entries every ``interval_s``; returns the stop coroutine function (which flushes)."""

        async def loop() -> None:
            while True:
                await asyncio.sleep(interval_s)
                try:
                    await self.flush()
                except grpc.aio.AioRpcError as exc:
                    log.warning("audit log unreachable (%s); %d entries wait", exc.code().name, len(self._pending))

        task = asyncio.create_task(loop(), name=f"audit-{self._service}")

        async def stop() -> None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            with contextlib.suppress(grpc.aio.AioRpcError):
                await self.flush()

        return stop


def _struct(details: dict[str, Any]) -> struct_pb2.Struct:
    out = struct_pb2.Struct()
    out.update(details)
    return out
