"""Data-subject requests in ingestion: export and erase one person's events everywhere ingestion keeps them.

Stores, in the order an erasure visits them:

1. ``ingestion.stream``: the EVENTS stream (see ``redact.py``). First, so no consumer can pick the person's
   events up again after the tables below were cleaned; then the archiver is awaited past the redaction.
2. ``ingestion.archive``, ``ingestion.quarantine``: rows whose user id, anonymous id or profile key is the
   person's (the indexed columns), confirmed against the stored event itself.
3. ``ingestion.violations``, ``ingestion.dedup``: rows of those events' message ids (violation examples
   hold field values; message ids link the dedup record to the person).

The tables are cleaned in one transaction. Every step is idempotent, so a retried erasure finishes the job;
a dry run reports the same counts and changes nothing. Re-ingestion is prevented by the consent service's
suppression list (the Ingestor's consent gate), not here.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from prometheus_client import Counter
from sqlalchemy import delete, or_, select
from sqlalchemy.exc import OperationalError

from loom.common.v1 import common_pb2
from loom.ingestion.v1 import ingestion_pb2 as pb
from services.common.errors import Unavailable
from services.common.storage import Database
from services.ingestion.archiver import ARCHIVER
from services.ingestion.pii import IdentifierHasher
from services.ingestion.quarantine import quarantined_to_proto
from services.ingestion.redact import StreamRedactor
from services.ingestion.subject import Subject
from services.ingestion.tables import dedup, event_archive, quarantine, violation

ERASED = Counter("loom_ingestion_erased_items_total", "Items erased for data-subject requests, by store.", ["store"])
_CHUNK = 500


def _receipt(store: str, found: int, erased: int, detail: str) -> common_pb2.StoreReceipt:
    receipt = common_pb2.StoreReceipt(store=store, items_found=found, items_erased=erased, detail=detail)
    receipt.completed_at.FromDatetime(datetime.now(UTC))
    return receipt


def _chunks(items: Sequence[str]) -> list[list[str]]:
    return [list(items[i:i + _CHUNK]) for i in range(0, len(items), _CHUNK)]


class IngestionPrivacy:
    """ExportPerson and ErasePerson over the archive, quarantine, violations, dedup and the EVENTS stream."""

    def __init__(self, db: Database, redactor: StreamRedactor | None, hasher: IdentifierHasher | None) -> None:
        self._db = db
        self._redactor = redactor
        self._hasher = hasher

    def subject(self, ref: common_pb2.DataSubjectRef) -> Subject:
        """The validated subject of a request (InvalidArgument when it names nobody)."""
        return Subject.from_ref(ref, self._hasher)

    async def _rows(self, conn: Any, table: Any, subject: Subject) -> list[Any]:
        """Rows of ``table`` (archive or quarantine) that hold one of the person's events."""
        keys = sorted(subject.keys)
        if not keys:
            return []
        where = [table.c.profile_key.in_(keys)]
        if table is event_archive:
            where += [event_archive.c.user_id.in_(keys), event_archive.c.anonymous_id.in_(keys)]
        rows = await conn.execute(select(table.c.message_id, table.c.payload).where(or_(*where)))
        found = []
        for row in rows:
            event = pb.Event()
            event.ParseFromString(row.payload)
            if subject.owns(event):
                found.append(row)
        return found

    async def export(self, ref: common_pb2.DataSubjectRef) -> pb.ExportPersonResponse:
        """Every archived and quarantined event of the person."""
        subject = self.subject(ref)
        response = pb.ExportPersonResponse()
        try:
            async with self._db.connect() as conn:
                for row in await self._rows(conn, event_archive, subject):
                    response.events.add().ParseFromString(row.payload)
                held = [r.message_id for r in await self._rows(conn, quarantine, subject)]
                for part in _chunks(held):
                    for row in await conn.execute(select(quarantine).where(quarantine.c.message_id.in_(part))):
                        response.quarantined.append(quarantined_to_proto(row))
        except (OSError, OperationalError) as exc:
            raise Unavailable(f"database unavailable while exporting, retry: {exc}") from exc
        return response

    async def erase(self, ref: common_pb2.DataSubjectRef) -> pb.ErasePersonResponse:
        """Erases (or, on a dry run, counts) the person's events in every store; one receipt per store."""
        subject = self.subject(ref)
        receipts = []
        if self._redactor is not None:
            scan = await self._redactor.redact(subject, ref.dry_run)
            if not ref.dry_run:
                await self._redactor.wait_consumed(ARCHIVER, scan.last_seq)
            receipts.append(_receipt(
                "ingestion.stream", scan.messages, scan.deleted,
                f"{scan.events} events in {scan.messages} EVENTS messages; {scan.republished} rewritten without "
                "them under a new message id, originals deleted by sequence"))
        try:
            receipts += await self._erase_tables(subject, ref.dry_run)
        except (OSError, OperationalError) as exc:
            raise Unavailable(f"database unavailable while erasing, retry: {exc}") from exc
        for r in receipts:
            ERASED.labels(r.store).inc(r.items_erased)
        return pb.ErasePersonResponse(receipts=receipts)

    async def _erase_tables(self, subject: Subject, dry_run: bool) -> list[common_pb2.StoreReceipt]:
        async with self._db.begin() as conn:
            archived = [r.message_id for r in await self._rows(conn, event_archive, subject)]
            held = [r.message_id for r in await self._rows(conn, quarantine, subject)]
            ids = sorted(set(archived) | set(held))
            examples = dedups = 0
            for part in _chunks(ids):
                examples += len((await conn.execute(
                    select(violation.c.id).where(violation.c.message_id.in_(part)))).all())
                dedups += len((await conn.execute(
                    select(dedup.c.message_id).where(dedup.c.message_id.in_(part)))).all())
            if not dry_run:
                for part in _chunks(ids):
                    await conn.execute(delete(event_archive).where(event_archive.c.message_id.in_(part)))
                    await conn.execute(delete(quarantine).where(quarantine.c.message_id.in_(part)))
                    await conn.execute(delete(violation).where(violation.c.message_id.in_(part)))
                    await conn.execute(delete(dedup).where(dedup.c.message_id.in_(part)))
        done = 0 if dry_run else 1
        return [
            _receipt("ingestion.archive", len(archived), done * len(archived), "event_archive rows of the person"),
            _receipt("ingestion.quarantine", len(held), done * len(held), "quarantine rows of the person"),
            _receipt("ingestion.violations", examples, done * examples, "violation examples of those events"),
            _receipt("ingestion.dedup", dedups, done * dedups, "dedup records of those message ids"),
        ]
