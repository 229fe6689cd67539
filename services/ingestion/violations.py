"""Data-quality record: every data-plan violation as a metric and a row, and the query over them.

The metric answers "how many, of what kind, from whom" on dashboards; the rows answer "show me examples"
through QueryViolations. The metric's ``event`` label is the planned event name, or ``(unplanned)`` for
names the plan does not know: clients choose event names, and a label per typo would grow without bound.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from prometheus_client import Counter
from sqlalchemy import delete, func, select

from loom.ingestion.v1 import ingestion_pb2 as pb
from services.common.errors import Violations
from services.common.storage import Database
from services.ingestion.tables import violation

VIOLATIONS = Counter("loom_ingestion_violations_total", "Data-plan violations by source, planned event and kind.",
                     ["source", "event", "kind"])
UNPLANNED_LABEL = "(unplanned)"
MAX_GROUPS = 200
MAX_EXAMPLES = 10


def kind_name(kind: int) -> str:
    """Short lower-case name of a violation kind: ``type_mismatch``..."""
    return pb.ViolationKind.Name(kind).removeprefix("VIOLATION_KIND_").lower()


def record_rows(source_id: str, event: pb.Event, planned_name: str, found: Sequence[pb.Violation],
                at: datetime) -> list[dict[str, Any]]:
    """Counts the violations of one event in the metric and returns their rows for the violation table."""
    label = planned_name or UNPLANNED_LABEL
    rows = []
    for v in found:
        VIOLATIONS.labels(source_id, label, kind_name(v.kind)).inc()
        rows.append({"at": at, "source_id": source_id, "event": event.event[:255], "kind": kind_name(v.kind),
                     "field": v.field[:255], "description": v.description[:1024], "message_id": event.message_id})
    return rows


class ViolationLog:
    """Reads the violation table."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def query(self, request: pb.QueryViolationsRequest) -> pb.QueryViolationsResponse:
        """Violation counts grouped by source, event and kind (largest first) with up to N examples each."""
        problems = Violations()
        if not 0 <= request.examples_per_group <= MAX_EXAMPLES:
            problems.add("examples_per_group", f"must be between 0 and {MAX_EXAMPLES}")
        if request.kind not in pb.ViolationKind.values():
            problems.add("kind", f"unknown violation kind {request.kind}")
        problems.raise_if_any()
        where = []
        if request.source_id:
            where.append(violation.c.source_id == request.source_id)
        if request.event:
            where.append(violation.c.event == request.event)
        if request.kind:
            where.append(violation.c.kind == kind_name(request.kind))
        if request.window.HasField("start"):
            where.append(violation.c.at >= request.window.start.ToDatetime(tzinfo=UTC))
        if request.window.HasField("end"):
            where.append(violation.c.at < request.window.end.ToDatetime(tzinfo=UTC))
        count = func.count().label("n")
        groups_stmt = (select(violation.c.source_id, violation.c.event, violation.c.kind, count).where(*where)
                       .group_by(violation.c.source_id, violation.c.event, violation.c.kind)
                       .order_by(count.desc(), violation.c.source_id, violation.c.event, violation.c.kind)
                       .limit(MAX_GROUPS))
        response = pb.QueryViolationsResponse()
        async with self._db.connect() as conn:
            for row in (await conn.execute(groups_stmt)).all():
                group = response.groups.add(source_id=row.source_id, event=row.event, count=row.n,
                                            kind=pb.ViolationKind.Value(f"VIOLATION_KIND_{row.kind.upper()}"))
                if not request.examples_per_group:
                    continue
                examples = await conn.execute(
                    select(violation.c.field, violation.c.description, violation.c.message_id)
                    .where(*where, violation.c.source_id == row.source_id, violation.c.event == row.event,
                           violation.c.kind == row.kind)
                    .order_by(violation.c.id.desc()).limit(request.examples_per_group))
                for example in examples:
                    group.examples.add(kind=group.kind, field=example.field, description=example.description)
                    group.example_message_ids.append(example.message_id)
        return response

    async def purge_before(self, cutoff: datetime) -> int:
        """Deletes violation rows older than ``cutoff``; returns how many."""
        async with self._db.begin() as conn:
            result = await conn.execute(delete(violation).where(violation.c.at < cutoff))
        return int(result.rowcount or 0)
