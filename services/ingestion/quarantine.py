"""The quarantine: events a data plan held back, kept enriched until they are replayed or discarded.

Replay re-judges each held event against the plans in force now. Those that pass are published exactly as
they were received (same message_id, same received_at), so the archive and every consumer see them once,
and only after the bus confirmed them are they removed from the quarantine: a replay interrupted at any
point can be run again and archives nothing twice (JetStream's window and the dedup record catch repeats).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from prometheus_client import Counter
from sqlalchemy import delete, func, select, update

from loom.ingestion.v1 import ingestion_pb2 as pb
from services.common.errors import Violations
from services.common.events import profile_key
from services.common.storage import Database
from services.ingestion.contract import MAX_EVENTS_PER_BATCH
from services.ingestion.plan_store import PlanStore
from services.ingestion.plans import PlanSet, Verdict
from services.ingestion.tables import quarantine

if TYPE_CHECKING:
    from services.ingestion.ingestor import Ingestor

REPLAYED = Counter("loom_ingestion_replayed_total", "Quarantined events replayed, by outcome.", ["outcome"])
MAX_PAGE = 500
# One replay call handles at most this many events; the caller repeats it for more (the response says so).
MAX_REPLAY = 5_000


def _violation_docs(found: Sequence[pb.Violation]) -> list[dict[str, Any]]:
    return [{"kind": v.kind, "field": v.field, "description": v.description} for v in found]


def quarantine_row(event: pb.Event, verdict: Verdict, at: datetime) -> dict[str, Any]:
    """The quarantine row of one held event."""
    return {"message_id": event.message_id, "source_id": event.source_id, "event": event.event[:255],
            "profile_key": profile_key(event)[:255], "plan_id": verdict.plan_id, "plan_revision": verdict.revision,
            "violations": _violation_docs(verdict.violations), "quarantined_at": at,
            "payload": event.SerializeToString()}


def quarantined_to_proto(row: Any) -> pb.QuarantinedEvent:
    """The QuarantinedEvent of a ``quarantine`` row."""
    held = pb.QuarantinedEvent(plan_id=row.plan_id, plan_revision=row.plan_revision)
    held.event.ParseFromString(row.payload)
    for v in row.violations:
        held.violations.add(kind=int(v["kind"]), field=str(v["field"]), description=str(v["description"]))
    held.quarantined_at.FromDatetime(row.quarantined_at)
    return held


class QuarantineStore:
    """Lists, replays and discards quarantined events."""

    def __init__(self, db: Database, plans: PlanStore, ingestor: Ingestor) -> None:
        self._db = db
        self._plans = plans
        self._ingestor = ingestor

    def _filters(self, source_id: str, event: str, message_ids: Sequence[str] = ()) -> list[Any]:
        where = []
        if source_id:
            where.append(quarantine.c.source_id == source_id)
        if event:
            where.append(quarantine.c.event == event)
        if message_ids:
            where.append(quarantine.c.message_id.in_(list(message_ids)))
        return where

    async def list(self, request: pb.ListQuarantinedRequest) -> pb.ListQuarantinedResponse:
        """Quarantined events, oldest first; the page token is an offset."""
        problems = Violations()
        if request.page.page_size < 0 or request.page.page_size > MAX_PAGE:
            problems.add("page.page_size", f"must be between 0 and {MAX_PAGE}")
        if request.page.page_token and not request.page.page_token.isdigit():
            problems.add("page.page_token", "is not a token this service issued")
        problems.raise_if_any()
        size = request.page.page_size or 100
        offset = int(request.page.page_token or 0)
        where = self._filters(request.source_id, request.event)
        async with self._db.connect() as conn:
            rows = (await conn.execute(select(quarantine).where(*where)
                                       .order_by(quarantine.c.quarantined_at, quarantine.c.message_id)
                                       .offset(offset).limit(size + 1))).all()
            total = int((await conn.execute(select(func.count()).select_from(quarantine).where(*where))).scalar_one())
        response = pb.ListQuarantinedResponse(events=[quarantined_to_proto(r) for r in rows[:size]])
        response.page.total_size = total
        if len(rows) > size:
            response.page.next_page_token = str(offset + size)
        return response

    async def replay(self, request: pb.ReplayQuarantinedRequest) -> pb.ReplayQuarantinedResponse:
        """Re-judges the matching events; publishes those that pass and removes them from the quarantine."""
        where = self._filters(request.source_id, request.event, request.message_ids)
        async with self._db.connect() as conn:
            rows = (await conn.execute(select(quarantine).where(*where)
                                       .order_by(quarantine.c.quarantined_at, quarantine.c.message_id)
                                       .limit(MAX_REPLAY))).all()
        response = pb.ReplayQuarantinedResponse()
        for start in range(0, len(rows), MAX_EVENTS_PER_BATCH):
            await self._replay_chunk(rows[start:start + MAX_EVENTS_PER_BATCH], response)
        return response

    async def _replay_chunk(self, rows: Sequence[Any], response: pb.ReplayQuarantinedResponse) -> None:
        plans: PlanSet = self._plans.plans
        passing: list[pb.Event] = []
        still: list[tuple[pb.Event, Verdict]] = []
        for row in rows:
            event = pb.Event()
            event.ParseFromString(row.payload)
            plan = plans.plan_for(event.source_id)
            verdict = plan.judge(event) if plan is not None else None
            if verdict is None or verdict.allowed:
                passing.append(event)
            else:
                still.append((event, verdict))
        statuses = await self._ingestor.publish_again(passing) if passing else []
        async with self._db.begin() as conn:
            if passing:
                await conn.execute(delete(quarantine).where(
                    quarantine.c.message_id.in_([e.message_id for e in passing])))
            for event, verdict in still:
                # Keep the newest reasons, so the operator sees what the current plan objects to.
                await conn.execute(update(quarantine).where(quarantine.c.message_id == event.message_id).values(
                    plan_id=verdict.plan_id, plan_revision=verdict.revision,
                    violations=_violation_docs(verdict.violations)))
        for event, status in zip(passing, statuses, strict=True):
            response.results.add(index=len(response.results), message_id=event.message_id, status=status)
            response.replayed_count += 1
            REPLAYED.labels("accepted" if status == pb.EVENT_STATUS_ACCEPTED else "duplicate").inc()
        for event, verdict in still:
            response.results.add(index=len(response.results), message_id=event.message_id,
                                 status=pb.EVENT_STATUS_QUARANTINED, violations=verdict.violations)
            response.still_quarantined_count += 1
            REPLAYED.labels("still_quarantined").inc()

    async def discard(self, request: pb.DiscardQuarantinedRequest) -> pb.DiscardQuarantinedResponse:
        """Drops the named events for good."""
        problems = Violations()
        problems.require(list(request.message_ids), "message_ids", "name at least one message_id to discard")
        problems.raise_if_any()
        async with self._db.begin() as conn:
            result = await conn.execute(delete(quarantine).where(
                quarantine.c.message_id.in_(list(request.message_ids))))
        return pb.DiscardQuarantinedResponse(discarded_count=int(result.rowcount or 0))
