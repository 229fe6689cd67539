"""Governance: roles with field-level access rules, and the append-only, hash-chained audit log."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from prometheus_client import Counter
from sqlalchemy import func, select

from services.common.errors import NotFound
from services.common.storage import Database, insert_ignore, upsert
from services.consent.tables import audit_batches, audit_log, consent_roles

AUDIT_APPENDED = Counter("loom_consent_audit_entries_total", "Audit entries appended, by service.", ["service"])
AUDIT_REDELIVERED = Counter("loom_consent_audit_batches_redelivered_total", "Audit batches from the AUDIT stream "
                            "that were already appended (a redelivery after a crash), skipped.")
GENESIS = "0" * 64
_AUDIT_FIELDS = ("actor", "role", "service", "action", "resource", "outcome", "reason", "details", "request_id")


class RoleStore:
    """Roles as JSON documents with a revision bumped on each put."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def put(self, role_id: str, document: Mapping[str, Any]) -> dict[str, Any]:
        """Creates or replaces a role; returns the stored row."""
        now = datetime.now(UTC)
        async with self._db.begin() as conn:
            current = (await conn.execute(select(consent_roles.c.revision).where(
                consent_roles.c.role_id == role_id))).scalar_one_or_none()
            row = {"role_id": role_id, "document": dict(document), "revision": int(current or 0) + 1,
                   "updated_at": now}
            await conn.execute(upsert(consent_roles, [row], ["role_id"]))
        return row

    async def get(self, role_id: str) -> dict[str, Any]:
        """One role; NotFound when absent."""
        async with self._db.connect() as conn:
            query = select(consent_roles).where(consent_roles.c.role_id == role_id)
            row = (await conn.execute(query)).mappings().first()
        if row is None:
            raise NotFound(f"role {role_id!r} does not exist")
        return dict(row)

    async def list_roles(self, offset: int, limit: int) -> tuple[list[dict[str, Any]], int]:
        """A page of roles by id, and the total count."""
        async with self._db.connect() as conn:
            total = (await conn.execute(select(func.count()).select_from(consent_roles))).scalar_one()
            query = select(consent_roles).order_by(consent_roles.c.role_id).offset(offset).limit(limit)
            rows = await conn.execute(query)
            return [dict(r) for r in rows.mappings()], int(total)


def entry_hash(previous: str, entry: Mapping[str, Any]) -> str:
    """SHA-256 over the previous hash and the entry's canonical JSON (sequence and time included)."""
    body = {k: entry[k] for k in (*_AUDIT_FIELDS, "sequence")}
    body["occurred_at"] = entry["occurred_at"].astimezone(UTC).isoformat()
    return hashlib.sha256((previous + json.dumps(body, sort_keys=True, default=str)).encode()).hexdigest()


class AuditLog:
    """Appends entries with gap-free sequence numbers and a hash chain; never updates or deletes."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def append(self, entries: Sequence[Mapping[str, Any]], batch_id: str = "") -> list[dict[str, Any]]:
        """Appends in one transaction; the primary key on sequence makes concurrent appenders serialise.

        With ``batch_id`` the batch is appended at most once: a batch already recorded returns [].
        """
        now = datetime.now(UTC)
        async with self._db.begin() as conn:
            if self._db.dialect_name == "postgresql":
                # Serialise appenders so sequence stays gap-free and the chain linear.
                await conn.exec_driver_sql("LOCK TABLE audit_log IN SHARE ROW EXCLUSIVE MODE")
            if batch_id:
                seen = await conn.execute(insert_ignore(audit_batches, [{"batch_id": batch_id, "appended_at": now}],
                                                        ["batch_id"]))
                if not seen.rowcount:
                    AUDIT_REDELIVERED.inc()
                    return []
            last = (await conn.execute(select(audit_log.c.sequence, audit_log.c.hash).order_by(
                audit_log.c.sequence.desc()).limit(1))).first()
            seq, previous = (int(last[0]), last[1]) if last else (0, GENESIS)
            rows = []
            for entry in entries:
                seq += 1
                row = {k: entry.get(k) for k in _AUDIT_FIELDS}
                row.update(sequence=seq, occurred_at=entry.get("occurred_at") or now)
                row["hash"] = previous = entry_hash(previous, row)
                rows.append(row)
            if rows:
                await conn.execute(audit_log.insert(), rows)
        for row in rows:
            AUDIT_APPENDED.labels(row["service"] or "unknown").inc()
        return rows

    async def query(self, *, actor: str = "", action: str = "", resource: str = "", service: str = "",
                    start: datetime | None = None, end: datetime | None = None, offset: int = 0,
                    limit: int = 100) -> list[dict[str, Any]]:
        """Entries matching every filter given, newest first."""
        query = select(audit_log)
        for column, value in ((audit_log.c.actor, actor), (audit_log.c.action, action),
                              (audit_log.c.resource, resource), (audit_log.c.service, service)):
            if value:
                query = query.where(column == value)
        if start is not None:
            query = query.where(audit_log.c.occurred_at >= start)
        if end is not None:
            query = query.where(audit_log.c.occurred_at < end)
        query = query.order_by(audit_log.c.sequence.desc()).offset(offset).limit(limit)
        async with self._db.connect() as conn:
            return [dict(r) for r in (await conn.execute(query)).mappings()]

    async def verify(self) -> int:
        """Walks the chain; returns the number of entries, raises ValueError at the first broken link."""
        previous = GENESIS
        count = 0
        async with self._db.connect() as conn:
            for row in (await conn.execute(select(audit_log).order_by(audit_log.c.sequence))).mappings():
                count += 1
                if row["sequence"] != count or entry_hash(previous, dict(row)) != row["hash"]:
                    raise ValueError(f"audit log chain broken at sequence {row['sequence']}")
                previous = row["hash"]
        return count
