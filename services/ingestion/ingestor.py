"""The ingestion core: contract check, deduplication, enrichment, data plans and durable publishing.

An event is acknowledged (ACCEPTED) only after JetStream confirmed it is stored (the server fsyncs every
write), and QUARANTINED only after the quarantine row is committed, so an acknowledged event survives a
crash of this process or of the bus. Duplicates are caught three ways: within the batch, by JetStream's
Nats-Msg-Id window (concurrent retries, and the gap before the archiver has recorded an event), and by the
durable dedup table the archiver fills (retries days later). Because JetStream dedups whole partition
messages, a retry that arrives in another batch shape before the archiver recorded it would slip through;
each replica therefore also remembers the message_ids it published recently.

Publishing comes before any database write, so when the bus is down the call fails with UNAVAILABLE and
nothing of the batch was written; a retry with the same message_ids is always safe.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from prometheus_client import Counter
from sqlalchemy import insert, select
from sqlalchemy.exc import OperationalError

from loom.ingestion.v1 import ingestion_pb2 as pb
from services.common.bus import BusError, EventBus, Outgoing
from services.common.errors import FieldViolation, InvalidArgument, Unavailable
from services.common.events import batch_id, profile_key
from services.common.storage import Database, insert_ignore
from services.ingestion.contract import MAX_BATCH_BYTES, MAX_EVENTS_PER_BATCH, check_event
from services.ingestion.enrich import enrich
from services.ingestion.pii import IdentifierHasher
from services.ingestion.plan_store import PlanStore
from services.ingestion.quarantine import quarantine_row
from services.ingestion.tables import dedup, quarantine, violation
from services.ingestion.violations import record_rows

EVENTS = Counter("loom_ingestion_events_total", "Events by outcome.", ["source", "status"])
_STATUS_NAME = {v: pb.EventStatus.Name(v).removeprefix("EVENT_STATUS_").lower() for v in pb.EventStatus.values()}



class ConsentHook(Protocol):
    """Consent at ingest (``services.ingestion.consent_gate.ConsentGate`` is the real one)."""

    async def suppressed(self, events: Sequence[pb.Event]) -> list[bool]:
        """Per event, whether its person was erased; raises Unavailable when that cannot be known."""

    async def tag(self, events: Sequence[pb.Event], gpc: bool = False) -> None:
        """Sets ``event.consent``, changing nothing else."""


class RecentIds:
    """The message_ids this replica published lately, oldest forgotten first (bounded memory)."""

    def __init__(self, capacity: int) -> None:
        self._capacity = capacity
        self._ids: dict[str, None] = {}

    def __contains__(self, message_id: object) -> bool:
        return message_id in self._ids

    def add_all(self, message_ids: Sequence[str]) -> None:
        """Remembers ids; evicts the oldest beyond capacity (dicts keep insertion order)."""
        ids = self._ids
        for message_id in message_ids:
            ids[message_id] = None
        excess = len(ids) - self._capacity
        if excess > 0:
            for old in list(itertools.islice(ids, excess)):
                del ids[old]


@dataclass
class BatchOutcome:
    """Per-event results of one batch."""

    results: list[pb.EventResult] = field(default_factory=list)

    @property
    def accepted(self) -> int:
        """Number of accepted events."""
        return sum(1 for r in self.results if r.status == pb.EVENT_STATUS_ACCEPTED)


@dataclass
class _Sorted:
    """Where the events of one batch go after screening."""

    publish: list[tuple[int, pb.Event]] = field(default_factory=list)
    held: list[dict[str, Any]] = field(default_factory=list)
    violations: list[dict[str, Any]] = field(default_factory=list)


class Ingestor:
    """Turns batches of client events into durably published, deduplicated bus messages."""

    def __init__(self, db: Database, bus: EventBus, plans: PlanStore | None = None,
                 hasher: IdentifierHasher | None = None, consent: ConsentHook | None = None,
                 recent_capacity: int = 1_000_000) -> None:
        self._db = db
        self._recent = RecentIds(recent_capacity)
        self._bus = bus
        self._plans = plans
        self._hasher = hasher
        self._consent = consent

    def check_batch_limits(self, events: Sequence[pb.Event], size_bytes: int) -> None:
        """Rejects the whole request when it breaks the batch limits (the one all-or-nothing rule)."""
        problems = []
        if len(events) > MAX_EVENTS_PER_BATCH:
            problems.append(
                FieldViolation("events", f"at most {MAX_EVENTS_PER_BATCH} events per batch, got {len(events)}")
            )
        if size_bytes > MAX_BATCH_BYTES:
            problems.append(FieldViolation("events", f"at most {MAX_BATCH_BYTES} bytes per batch, got {size_bytes}"))
        if problems:
            raise InvalidArgument(problems)

    async def ingest(self, events: Sequence[pb.Event], source_id: str, gpc: bool = False) -> BatchOutcome:
        """Ingests a batch with a result per event; raises Unavailable when the bus or the suppression list
        cannot confirm. ``gpc``: the client sent a Global Privacy Control signal."""
        now = datetime.now(UTC)
        received_ns = time.time_ns()
        results: list[pb.EventResult] = []
        valid: list[tuple[int, pb.Event]] = []
        for index, event in enumerate(events):
            result = pb.EventResult(index=index, message_id=event.message_id)
            violations = check_event(event, index)
            if violations:
                result.status = pb.EVENT_STATUS_REJECTED
                result.violations.extend(violations)
            else:
                valid.append((index, event))
            results.append(result)
        # Before dedup: an erased person's retry is SUPPRESSED, not a DUPLICATE of what was erased.
        pending: list[tuple[int, pb.Event]] = []
        seen: set[str] = set()
        for index, event in await self._drop_suppressed(valid, results):
            if event.message_id in seen or event.message_id in self._recent:
                results[index].status = pb.EVENT_STATUS_DUPLICATE
            else:
                seen.add(event.message_id)
                pending.append((index, event))

        known = await self._already_ingested([e.message_id for _, e in pending], now)
        fresh = []
        for index, event in pending:
            if event.message_id in known:
                results[index].status = pb.EVENT_STATUS_DUPLICATE
                continue
            enrich(event, received_ns, source_id)
            if self._hasher is not None:
                self._hasher.apply(event)
            fresh.append((index, event))
        sorted_ = self._apply_plan(fresh, source_id, results, now)

        if sorted_.publish:
            await self._tag_consent([e for _, e in sorted_.publish], gpc)
            await self._publish(sorted_.publish, results)
        await self._record(sorted_.held, sorted_.violations)

        tally: dict[int, int] = {}
        for r in results:
            tally[r.status] = tally.get(r.status, 0) + 1
        for status, count in tally.items():
            EVENTS.labels(source_id, _STATUS_NAME[status]).inc(count)
        return BatchOutcome(results)

    def _apply_plan(self, fresh: list[tuple[int, pb.Event]], source_id: str, results: list[pb.EventResult],
                    now: datetime) -> _Sorted:
        out = _Sorted()
        plan = self._plans.plans.plan_for(source_id) if self._plans is not None else None
        if plan is None:
            out.publish = fresh
            return out
        for index, event in fresh:
            verdict = plan.judge(event)
            if verdict.violations:
                out.violations.extend(record_rows(source_id, event, verdict.planned_name, verdict.violations, now))
                for v in verdict.violations:
                    results[index].violations.add(kind=v.kind, field=f"events[{index}].{v.field}",
                                                  description=v.description)
            if verdict.allowed:
                out.publish.append((index, event))
            elif verdict.mode == pb.PLAN_MODE_BLOCK:
                results[index].status = pb.EVENT_STATUS_REJECTED
            else:
                results[index].status = pb.EVENT_STATUS_QUARANTINED
                out.held.append(quarantine_row(event, verdict, now))
        return out

    async def publish_again(self, events: Sequence[pb.Event]) -> list[int]:
        """Publishes already-enriched events (quarantine replay); returns ACCEPTED or DUPLICATE per event."""
        results = [pb.EventResult(index=i, message_id=e.message_id) for i, e in enumerate(events)]
        known = await self._already_ingested([e.message_id for e in events], datetime.now(UTC))
        todo = []
        for i, event in enumerate(events):
            if event.message_id in known:
                results[i].status = pb.EVENT_STATUS_DUPLICATE
            else:
                todo.append((i, event))
        if todo:
            await self._tag_consent([e for _, e in todo])
            await self._publish(todo, results)
        return [r.status for r in results]

    async def _drop_suppressed(self, fresh: list[tuple[int, pb.Event]],
                               results: list[pb.EventResult]) -> list[tuple[int, pb.Event]]:
        """Events of erased people get SUPPRESSED and go nowhere, not even to the quarantine."""
        if self._consent is None or not fresh:
            return fresh
        flags = await self._consent.suppressed([e for _, e in fresh])
        kept = []
        for (index, event), suppressed in zip(fresh, flags, strict=True):
            if suppressed:
                results[index].status = pb.EVENT_STATUS_SUPPRESSED
            else:
                kept.append((index, event))
        return kept

    async def _tag_consent(self, events: list[pb.Event], gpc: bool = False) -> None:
        if self._consent is not None:
            await self._consent.tag(events, gpc)

    async def _publish(self, to_publish: list[tuple[int, pb.Event]], results: list[pb.EventResult]) -> None:
        """One JetStream message per partition: a durable write carries many events, order kept per user."""
        groups: dict[str, list[tuple[int, pb.Event]]] = {}
        for index, event in to_publish:
            groups.setdefault(self._bus.event_subject(profile_key(event), "batch"), []).append((index, event))
        items = [
            Outgoing(
                subject,
                pb.EventBatch(events=[e for _, e in group]).SerializeToString(),
                batch_id([e for _, e in group]),
            )
            for subject, group in groups.items()
        ]
        try:
            acks = await self._bus.publish_many(items)
        except BusError as exc:  # BusUnavailable, or JetStream refused the write
            raise Unavailable(f"event bus unavailable, nothing from this batch is lost: retry ({exc})") from exc
        self._recent.add_all([e.message_id for _, e in to_publish])
        for group, ack in zip(groups.values(), acks, strict=True):
            status = pb.EVENT_STATUS_DUPLICATE if ack.duplicate else pb.EVENT_STATUS_ACCEPTED
            for index, _ in group:
                results[index].status = status

    async def _record(self, held: list[dict[str, Any]], violations: list[dict[str, Any]]) -> None:
        """Commits quarantined events and violation rows in one transaction (idempotent for the quarantine)."""
        if not held and not violations:
            return
        try:
            async with self._db.begin() as conn:
                if held:
                    await conn.execute(insert_ignore(quarantine, held, ["message_id"]))
                if violations:
                    await conn.execute(insert(violation), violations)
        except (OSError, OperationalError) as exc:
            raise Unavailable(f"database unavailable while quarantining: retry ({exc})") from exc

    async def _already_ingested(self, message_ids: list[str], now: datetime) -> set[str]:
        if not message_ids:
            return set()
        async with self._db.connect() as conn:
            rows = await conn.execute(
                select(dedup.c.message_id).where(dedup.c.message_id.in_(message_ids), dedup.c.expires_at > now)
            )
            return {row[0] for row in rows}
