"""Data-subject requests (access, erasure) with their store receipts, SLA dates, and the suppression list.

An erasure suppresses the person's identifiers (as SHA-256 of the normalised value) the moment it is
accepted, so nothing re-ingested while the workflow runs is kept. When the request finishes, its own copy
of the identifiers is replaced by their keys: the request stays as proof without holding the person.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from prometheus_client import Counter, Gauge
from sqlalchemy import and_, func, or_, select, update

from loom.consent.v1 import consent_pb2 as pb
from services.common.consent import identifier_key, value_sha256
from services.common.errors import FailedPrecondition, NotFound
from services.common.storage import Database, insert_ignore, upsert
from services.consent.tables import dsr_receipts, dsr_requests, suppressions

DSR_SUBMITTED = Counter("loom_consent_dsr_requests_total", "Data-subject requests submitted, by kind.", ["kind"])
DSR_FINISHED = Counter("loom_consent_dsr_finished_total", "Data-subject requests finished, by kind and state, "
                       "and whether they met their SLA.", ["kind", "state", "within_sla"])
DSR_OVERDUE = Gauge("loom_consent_dsr_overdue", "Open data-subject requests past their due date (last listing).")
FINISHED = frozenset({pb.DATA_SUBJECT_REQUEST_STATE_COMPLETED, pb.DATA_SUBJECT_REQUEST_STATE_FAILED})


def _kind_name(kind: int) -> str:
    return pb.DataSubjectRequestKind.Name(kind).removeprefix("DATA_SUBJECT_REQUEST_KIND_").lower()


class PrivacyRequests:
    """Stores requests and receipts and keeps the suppression list."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def create(self, *, request_id: str, kind: int, identifiers: Sequence[tuple[str, str]], market: str,
                     dry_run: bool, requested_by: str, sla_days: int) -> tuple[dict[str, Any], bool]:
        """Stores a new request (or returns the one with this id); an erasure suppresses its identifiers now."""
        now = datetime.now(UTC)
        row = {
            "request_id": request_id, "kind": kind, "market": market, "dry_run": dry_run,
            "identifiers": [{"type": t, "value": v} for t, v in identifiers], "requested_by": requested_by,
            "state": pb.DATA_SUBJECT_REQUEST_STATE_RECEIVED, "workflow_id": f"dsr-{request_id}",
            "submitted_at": now, "due_at": now + timedelta(days=sla_days), "finished_at": None,
            "export_uri": "", "error": "",
        }
        async with self._db.begin() as conn:
            inserted = (await conn.execute(insert_ignore(dsr_requests, [row], ["request_id"]))).rowcount
            if inserted and kind == pb.DATA_SUBJECT_REQUEST_KIND_ERASURE and not dry_run:
                rows = [{"identifier_type": t, "value_sha256": value_sha256(t, v), "request_id": request_id,
                         "suppressed_at": now} for t, v in identifiers]
                await conn.execute(insert_ignore(suppressions, rows, ["identifier_type", "value_sha256"]))
        if inserted:
            DSR_SUBMITTED.labels(_kind_name(kind)).inc()
        return await self.get(request_id), bool(inserted)

    async def get(self, request_id: str) -> dict[str, Any]:
        """A request with its receipts; NotFound when absent."""
        async with self._db.connect() as conn:
            row = (await conn.execute(select(dsr_requests).where(
                dsr_requests.c.request_id == request_id))).mappings().first()
            if row is None:
                raise NotFound(f"data-subject request {request_id!r} does not exist")
            receipts = (await conn.execute(select(dsr_receipts).where(
                dsr_receipts.c.request_id == request_id).order_by(dsr_receipts.c.store))).mappings().all()
        return {**dict(row), "receipts": [dict(r) for r in receipts]}

    async def list_requests(self, *, kind: int = 0, state: int = 0, due_before: datetime | None = None, offset: int = 0,
                   limit: int = 100) -> tuple[list[dict[str, Any]], int]:
        """A page of requests, oldest due date first, and the total count."""
        query = select(dsr_requests)
        if kind:
            query = query.where(dsr_requests.c.kind == kind)
        if state:
            query = query.where(dsr_requests.c.state == state)
        if due_before is not None:
            query = query.where(dsr_requests.c.due_at < due_before)
        async with self._db.connect() as conn:
            total = (await conn.execute(select(func.count()).select_from(query.subquery()))).scalar_one()
            rows = (await conn.execute(query.order_by(dsr_requests.c.due_at, dsr_requests.c.request_id)
                                       .offset(offset).limit(limit))).mappings().all()
            overdue = (await conn.execute(select(func.count()).select_from(dsr_requests).where(
                dsr_requests.c.state.not_in(FINISHED) & (dsr_requests.c.due_at < datetime.now(UTC))))).scalar_one()
        DSR_OVERDUE.set(overdue)
        return [{**dict(r), "receipts": []} for r in rows], int(total)

    async def update(self, request_id: str, *, state: int, receipts: Sequence[dict[str, Any]], export_uri: str,
                     error: str) -> dict[str, Any]:
        """Adds receipts (replacing a store's earlier one) and moves the state; a finished request stays put."""
        current = await self.get(request_id)
        if state and current["state"] in FINISHED and state != current["state"]:
            raise FailedPrecondition(f"request {request_id} is already "
                                     f"{pb.DataSubjectRequestState.Name(current['state'])}; it cannot change state")
        now = datetime.now(UTC)
        values: dict[str, Any] = {}
        if state:
            values["state"] = state
        if export_uri:
            values["export_uri"] = export_uri
        if error:
            values["error"] = error
        finishing = state in FINISHED and current["state"] not in FINISHED
        if finishing:
            values["finished_at"] = now
            if current["kind"] == pb.DATA_SUBJECT_REQUEST_KIND_ERASURE and not current["dry_run"]:
                # The request is proof, not a copy of the person: keep only identifier keys.
                values["identifiers"] = [{"type": i["type"], "value": identifier_key(i["type"], i["value"])}
                                         for i in current["identifiers"]]
        async with self._db.begin() as conn:
            if receipts:
                rows = [{**r, "request_id": request_id} for r in receipts]
                await conn.execute(upsert(dsr_receipts, rows, ["request_id", "store"]))
            if values:
                await conn.execute(update(dsr_requests).where(dsr_requests.c.request_id == request_id).values(values))
        if finishing:
            DSR_FINISHED.labels(_kind_name(current["kind"]), pb.DataSubjectRequestState.Name(state).rsplit("_", 1)[-1]
                                .lower(), str(now <= current["due_at"]).lower()).inc()
        return await self.get(request_id)

    async def suppressed(self, identifiers: Sequence[tuple[str, str]]) -> list[dict[str, Any]]:
        """Suppression entries matching any of the identifiers."""
        pairs = [(t, value_sha256(t, v)) for t, v in identifiers if t and v]
        if not pairs:
            return []
        by_type: dict[str, set[str]] = {}
        for kind, digest in pairs:
            by_type.setdefault(kind, set()).add(digest)
        # One IN list per identifier type keeps the expression shallow for batches of thousands of identifiers.
        clause = or_(*[and_(suppressions.c.identifier_type == t, suppressions.c.value_sha256.in_(sorted(hashes)))
                       for t, hashes in by_type.items()])
        async with self._db.connect() as conn:
            return [dict(r) for r in (await conn.execute(select(suppressions).where(clause))).mappings()]

    async def list_suppressions(self, identifier_type: str, offset: int,
                                limit: int) -> tuple[list[dict[str, Any]], int]:
        """A page of suppression entries, newest first, and the total count."""
        query = select(suppressions)
        if identifier_type:
            query = query.where(suppressions.c.identifier_type == identifier_type)
        async with self._db.connect() as conn:
            total = (await conn.execute(select(func.count()).select_from(query.subquery()))).scalar_one()
            rows = await conn.execute(query.order_by(suppressions.c.suppressed_at.desc(),
                                                     suppressions.c.value_sha256).offset(offset).limit(limit))
            return [dict(r) for r in rows.mappings()], int(total)
