"""The audit trail every service writes to the consent service's append-only audit log.

Entries are recorded on the request path without waiting. A background task publishes them every
``interval_s`` in batches of up to 100 to the AUDIT stream (``loom.audit.<service>``, a JetStream work queue
stored on disk); the consent service consumes the stream into its audit log and acknowledges each batch only
after the append committed, recording the batch id so a redelivered batch is not appended twice. So once a
batch is published, a restart of this service or an outage of the consent service loses nothing; entries
wait in this process only until the next publish (a fraction of a second), in a bounded buffer while NATS is
unreachable. On shutdown the buffer is flushed. A service without a bus records nothing (say so in its config).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections import deque
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from google.protobuf import struct_pb2
from prometheus_client import Counter

from loom.consent.v1 import consent_pb2
from services.common.bus_errors import BusError
from services.common.pipeline import current_principal
from services.common.tracing import current_trace_id

if TYPE_CHECKING:
    from services.common.bus import EventBus

log = logging.getLogger("loom.audit")

AUDIT_ENTRIES = Counter("loom_audit_entries_total", "Audit entries by what happened to them (sent, dropped).",
                        ["service", "result"])
BATCH = 100
SUBJECT = "loom.audit.{service}"
FILTER = "loom.audit.>"


class AuditTrail:
    """Buffers audit entries of one service and publishes them to the AUDIT stream."""

    def __init__(self, bus: EventBus | None, service: str, capacity: int = 10_000) -> None:
        self._bus = bus
        self._service = service
        self._pending: deque[consent_pb2.AuditEntry] = deque()
        self._capacity = capacity
        # The batch being published: its id and entries stay fixed until JetStream confirms it, so a retry
        # is deduplicated by the stream (same msg id, same content) and by the consent service (batch id).
        self._inflight: tuple[str, list[consent_pb2.AuditEntry]] | None = None
        self._lock = asyncio.Lock()

    @property
    def enabled(self) -> bool:
        """False when no bus is configured."""
        return self._bus is not None

    @property
    def waiting(self) -> int:
        """Entries not yet confirmed by JetStream."""
        return len(self._pending) + (len(self._inflight[1]) if self._inflight else 0)

    def record(self, action: str, resource: str, *, reason: str = "", details: dict[str, Any] | None = None,
               outcome: int = consent_pb2.AUDIT_OUTCOME_SUCCESS) -> None:
        """Queues one entry for the current caller (never blocks, never raises)."""
        if self._bus is None:
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
        """Publishes everything buffered; raises BusError (entries kept) when JetStream does not confirm."""
        if self._bus is None:
            return
        async with self._lock:
            while self._inflight is not None or self._pending:
                if self._inflight is None:
                    batch = [self._pending.popleft() for _ in range(min(BATCH, len(self._pending)))]
                    self._inflight = (f"audit-{self._service}-{uuid.uuid4().hex}", batch)
                batch_id, entries = self._inflight
                await self._bus.publish(SUBJECT.format(service=self._service),
                                        consent_pb2.AppendAuditRequest(entries=entries).SerializeToString(),
                                        msg_id=batch_id)
                self._inflight = None
                AUDIT_ENTRIES.labels(self._service, "sent").inc(len(entries))

    async def start(self, interval_s: float = 0.2) -> Callable[[], Awaitable[None]]:
        """Publishes entries every ``interval_s``; returns the stop coroutine function (which flushes)."""

        async def loop() -> None:
            while True:
                await asyncio.sleep(interval_s)
                try:
                    await self.flush()
                except BusError as exc:
                    log.warning("audit entries not published (%s); %d wait", exc, self.waiting)

        task = asyncio.create_task(loop(), name=f"audit-{self._service}")

        async def stop() -> None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            with contextlib.suppress(BusError):
                await self.flush()
            if self.waiting:
                log.error("%d audit entries could not be published before shutdown", self.waiting)

        return stop


def _struct(details: dict[str, Any]) -> struct_pb2.Struct:
    out = struct_pb2.Struct()
    out.update(details)
    return out
