"""The journey registry: versioned specs with a lifecycle state, per-customer outcomes and broadcast cohorts.

`apply` validates before it stores anything and mints a new version only when the spec changed; versions
are immutable, so a customer who entered version 3 finishes on version 3 whatever is applied later.
"""

from __future__ import annotations

import builtins  # JourneyRegistry.list shadows the builtin inside the class body
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml
from alembic import command
from alembic.config import Config
from sqlalchemy import func, select, update
from sqlalchemy.engine import Connection

from services.common.errors import FailedPrecondition, InvalidArgument, NotFound, Violations
from services.common.storage import Database, insert_ignore, upsert
from workflows.journeys.spec import JourneySpec, SpecError, parse_spec
from workflows.journeys.tables import journey_cohort_members, journey_outcomes, journey_versions, journeys
from workflows.journeys.types import JourneyOutcome

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
STATES = ("active", "paused", "archived")


def _upgrade(connection: Connection) -> None:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("path_separator", "os")
    cfg.attributes["service"] = "journeys"
    cfg.attributes["connection"] = connection
    command.upgrade(cfg, "head")


async def migrate_journeys(db: Database) -> None:
    """Upgrade the journeys tables to head (idempotent), with version table ``alembic_version_journeys``."""
    async with db.begin() as conn:
        await conn.run_sync(_upgrade)


def load_spec_file(path: Path) -> dict[str, Any]:
    """The YAML document in ``path``; a YAML syntax error becomes a `SpecError` naming the line."""
    try:
        raw = yaml.safe_load(path.read_text())
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else "document"
        raise SpecError([(where, f"not valid YAML: {getattr(exc, 'problem', exc)}")]) from exc
    if not isinstance(raw, dict):
        raise SpecError([("", "a journey spec must be a YAML mapping")])
    return raw


def spec_digest(raw: dict[str, Any]) -> str:
    """sha256 of the spec's canonical JSON."""
    return hashlib.sha256(json.dumps(raw, sort_keys=True, default=str).encode()).hexdigest()


def to_invalid_argument(error: SpecError) -> InvalidArgument:
    """The spec problems as an InvalidArgument with one field violation each (for gRPC callers)."""
    v = Violations()
    for path, message in error.problems:
        v.add(path or "spec", message)
    return InvalidArgument(v.items)


@dataclass
class JourneyRecord:
    """A journey as listed: state and current version."""

    journey_id: str
    name: str
    state: str
    current_version: int
    updated_at: datetime


@dataclass
class AppliedVersion:
    """What `apply` did."""

    journey_id: str
    version: int
    created: bool  # False when the spec was unchanged and the current version was kept


class JourneyRegistry:
    """Reads and writes the journeys tables."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def apply(self, raw: dict[str, Any], source: str = "") -> AppliedVersion:
        """Validate ``raw`` and store it as the journey's next version (unless unchanged)."""
        try:
            spec = parse_spec(raw)
        except SpecError as exc:
            raise to_invalid_argument(exc) from exc
        digest = spec_digest(raw)
        now = datetime.now(UTC)
        async with self.db.begin() as conn:
            row = (await conn.execute(select(journeys).where(journeys.c.journey_id == spec.id))).first()
            if row is not None and row.state == "archived":
                raise FailedPrecondition(f"journey {spec.id!r} is archived; use a new id")
            latest = (await conn.execute(
                select(journey_versions.c.version, journey_versions.c.digest)
                .where(journey_versions.c.journey_id == spec.id)
                .order_by(journey_versions.c.version.desc()).limit(1))).first()
            if latest is not None and latest.digest == digest:
                return AppliedVersion(spec.id, latest.version, False)
            version = (latest.version if latest else 0) + 1
            await conn.execute(journey_versions.insert().values(
                journey_id=spec.id, version=version, spec=raw, digest=digest, source=source, created_at=now))
            await conn.execute(upsert(journeys, [{
                "journey_id": spec.id, "name": spec.name, "state": row.state if row else "active",
                "current_version": version, "updated_at": now}], ["journey_id"]))
        return AppliedVersion(spec.id, version, True)

    async def list(self, include_archived: bool = False) -> list[JourneyRecord]:
        """Every journey, by id."""
        query = select(journeys).order_by(journeys.c.journey_id)
        if not include_archived:
            query = query.where(journeys.c.state != "archived")
        async with self.db.connect() as conn:
            rows = (await conn.execute(query)).all()
        return [JourneyRecord(r.journey_id, r.name, r.state, r.current_version, r.updated_at) for r in rows]

    async def get(self, journey_id: str, version: int | None = None) -> tuple[JourneyRecord, dict[str, Any]]:
        """A journey and the spec of ``version`` (default: current); NotFound when either is missing."""
        async with self.db.connect() as conn:
            row = (await conn.execute(select(journeys).where(journeys.c.journey_id == journey_id))).first()
            if row is None:
                raise NotFound(f"no journey {journey_id!r}")
            wanted = version or row.current_version
            spec = (await conn.execute(select(journey_versions.c.spec).where(
                journey_versions.c.journey_id == journey_id, journey_versions.c.version == wanted))).scalar()
        if spec is None:
            raise NotFound(f"journey {journey_id!r} has no version {wanted}")
        return JourneyRecord(row.journey_id, row.name, row.state, row.current_version, row.updated_at), spec

    async def active_specs(self) -> builtins.list[tuple[int, JourneySpec, dict[str, Any]]]:
        """(version, parsed spec, raw spec) of every active journey's current version, for the trigger."""
        query = (select(journeys.c.current_version, journey_versions.c.spec)
                 .join(journey_versions, (journey_versions.c.journey_id == journeys.c.journey_id)
                       & (journey_versions.c.version == journeys.c.current_version))
                 .where(journeys.c.state == "active"))
        async with self.db.connect() as conn:
            rows = (await conn.execute(query)).all()
        return [(r.current_version, parse_spec(r.spec), r.spec) for r in rows]

    async def set_state(self, journey_id: str, state: str) -> JourneyRecord:
        """Pause, resume (active) or archive a journey; archived is final."""
        if state not in STATES:
            raise InvalidArgument([], f"state must be one of {', '.join(STATES)}")
        async with self.db.begin() as conn:
            row = (await conn.execute(select(journeys).where(journeys.c.journey_id == journey_id))).first()
            if row is None:
                raise NotFound(f"no journey {journey_id!r}")
            if row.state == "archived" and state != "archived":
                raise FailedPrecondition(f"journey {journey_id!r} is archived and cannot be {state}")
            now = datetime.now(UTC)
            await conn.execute(update(journeys).where(journeys.c.journey_id == journey_id)
                               .values(state=state, updated_at=now))
        return JourneyRecord(row.journey_id, row.name, state, row.current_version, now)

    async def record_outcome(self, outcome: JourneyOutcome) -> None:
        """Stores one customer's outcome; a retried write of the same run is a no-op."""
        row = {
            "workflow_id": outcome.workflow_id, "run_id": outcome.run_id, "journey_id": outcome.journey_id,
            "version": outcome.version, "user_id": outcome.user_id, "group_name": outcome.group,
            "variant": outcome.variant, "converted": outcome.converted, "exit_reason": outcome.exit_reason,
            "sends": outcome.sends, "entered_at": datetime.fromisoformat(outcome.entered_at),
            "finished_at": datetime.fromisoformat(outcome.finished_at),
        }
        async with self.db.begin() as conn:
            await conn.execute(insert_ignore(journey_outcomes, [row], ["workflow_id", "run_id"]))

    async def outcome_counts(self, journey_id: str) -> builtins.list[tuple[str, str, int, int]]:
        """(group, variant, customers, conversions) of a journey's finished customers."""
        query = (select(journey_outcomes.c.group_name, journey_outcomes.c.variant, func.count(),
                        func.sum(func.cast(journey_outcomes.c.converted, type_=journey_outcomes.c.sends.type)))
                 .where(journey_outcomes.c.journey_id == journey_id)
                 .group_by(journey_outcomes.c.group_name, journey_outcomes.c.variant))
        async with self.db.connect() as conn:
            rows = (await conn.execute(query)).all()
        return [(r[0], r[1], int(r[2]), int(r[3] or 0)) for r in rows]

    async def freeze_cohort(self, cohort_id: str, profile_ids: Sequence[str], start: int) -> None:
        """Stores members ``start..`` of a cohort (idempotent, so a retried export rewrites nothing)."""
        rows = [{"cohort_id": cohort_id, "seq": start + i, "profile_id": p} for i, p in enumerate(profile_ids)]
        async with self.db.begin() as conn:
            for i in range(0, len(rows), 2000):  # SQLite caps bound parameters per statement
                await conn.execute(insert_ignore(journey_cohort_members, rows[i:i + 2000], ["cohort_id", "seq"]))

    async def cohort_size(self, cohort_id: str) -> int:
        """How many members a frozen cohort has."""
        async with self.db.connect() as conn:
            return int((await conn.execute(select(func.count()).where(
                journey_cohort_members.c.cohort_id == cohort_id))).scalar() or 0)

    async def cohort_chunk(self, cohort_id: str, offset: int, limit: int) -> builtins.list[str]:
        """Profile ids with seq in [offset, offset + limit)."""
        query = (select(journey_cohort_members.c.profile_id)
                 .where(journey_cohort_members.c.cohort_id == cohort_id,
                        journey_cohort_members.c.seq >= offset, journey_cohort_members.c.seq < offset + limit)
                 .order_by(journey_cohort_members.c.seq))
        async with self.db.connect() as conn:
            return list((await conn.execute(query)).scalars())

