"""The journeys package's tables: the spec registry, per-customer outcomes and frozen broadcast cohorts.

Schema changes go through a new hand-written revision in ``migrations/versions/``.
"""

from sqlalchemy import BigInteger, Boolean, Column, Index, Integer, String, Table, Text

from services.common.storage import JsonDocument, UtcDateTime, new_metadata

metadata = new_metadata()

# One row per journey: its lifecycle state and the version new customers enter.
journeys = Table(
    "journeys",
    metadata,
    Column("journey_id", String(63), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("state", String(16), nullable=False),  # active | paused | archived
    Column("current_version", Integer, nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
)

# Every applied version, immutable: in-flight customers keep the one they entered with.
journey_versions = Table(
    "journey_versions",
    metadata,
    Column("journey_id", String(63), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("spec", JsonDocument(), nullable=False),
    # sha256 of the canonical JSON: applying an unchanged spec does not mint a version.
    Column("digest", String(64), nullable=False),
    Column("source", Text, nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
)

# How each customer's pass through a journey ended; uplift is computed from these rows.
journey_outcomes = Table(
    "journey_outcomes",
    metadata,
    Column("workflow_id", String(200), primary_key=True),
    Column("run_id", String(64), primary_key=True),
    Column("journey_id", String(63), nullable=False),
    Column("version", Integer, nullable=False),
    Column("user_id", String(255), nullable=False),
    Column("group_name", String(16), nullable=False),
    Column("variant", String(64), nullable=False),
    Column("converted", Boolean, nullable=False),
    Column("exit_reason", String(32), nullable=False),
    Column("sends", Integer, nullable=False),
    Column("entered_at", UtcDateTime(), nullable=False),
    Column("finished_at", UtcDateTime(), nullable=False),
    Index("ix_journey_outcomes_journey_id", "journey_id"),
)

# A broadcast's audience frozen at launch, so chunks are re-read identically after a crash or retry.
journey_cohort_members = Table(
    "journey_cohort_members",
    metadata,
    Column("cohort_id", String(100), primary_key=True),
    Column("seq", BigInteger, primary_key=True),
    Column("profile_id", String(64), nullable=False),
)
