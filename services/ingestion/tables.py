"""The ingestion service's tables: event archive, dedup record, data plans, sources, quarantine, violations.

Schema changes go through a new hand-written revision in ``migrations/versions/``; a test checks that
migrating an empty database yields exactly these tables.
"""

from sqlalchemy import BigInteger, Column, Float, Index, Integer, LargeBinary, String, Table

from services.common.storage import JsonDocument, UtcDateTime, autoincrement_bigint, new_metadata

metadata = new_metadata()

# Every accepted event, kept for analytics, model training, rebuilds and data-subject requests.
event_archive = Table(
    "event_archive",
    metadata,
    Column("message_id", String(64), primary_key=True),
    # UTC day 'YYYY-MM-DD' of ts: the partition key for retention and day-by-day scans.
    Column("day", String(10), nullable=False),
    Column("event_type", String(16), nullable=False),
    Column("event", String(255), nullable=True),
    Column("user_id", String(255), nullable=True),
    Column("anonymous_id", String(255), nullable=True),
    # user_id when known, else anonymous_id: how one person's events are found for export and erasure.
    Column("profile_key", String(255), nullable=False),
    Column("market", String(8), nullable=True),
    Column("category", String(255), nullable=True),
    Column("revenue_micros", BigInteger, nullable=True),
    Column("currency", String(3), nullable=True),
    Column("ts", UtcDateTime(), nullable=False),
    Column("received_at", UtcDateTime(), nullable=False),
    Column("source_id", String(64), nullable=False),
    # The serialized loom.ingestion.v1.Event, the source of truth for replays and exports.
    Column("payload", LargeBinary, nullable=False),
    # (day, market) also serves day-only scans through its leading column.
    Index("ix_event_archive_day_market", "day", "market"),
    Index("ix_event_archive_profile_key", "profile_key"),
    Index("ix_event_archive_category", "category"),
    Index("ix_event_archive_ts", "ts"),
)

# message_ids seen recently; a second event with the same id is acknowledged but not published again.
dedup = Table(
    "dedup",
    metadata,
    Column("message_id", String(64), primary_key=True),
    Column("first_seen", UtcDateTime(), nullable=False),
    Column("expires_at", UtcDateTime(), nullable=False),
    Index("ix_dedup_expires_at", "expires_at"),
)

# Data plans (tracking plans): the DataPlan message as protobuf JSON, with its revision for optimistic reads.
data_plan = Table(
    "data_plan",
    metadata,
    Column("plan_id", String(64), primary_key=True),
    Column("revision", BigInteger, nullable=False),
    Column("document", JsonDocument(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
)

# Sources and the SHA-256 digest of their write key (the key itself is shown once and never stored).
source = Table(
    "source",
    metadata,
    Column("source_id", String(64), primary_key=True),
    Column("name", String(255), nullable=False),
    Column("key_digest", String(64), nullable=False),
    Column("rate_limit_per_second", Float, nullable=False),
    Column("burst", Integer, nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Index("ix_source_key_digest", "key_digest", unique=True),
)

# Events a data plan in quarantine mode held back, enriched, until they are replayed or discarded.
quarantine = Table(
    "quarantine",
    metadata,
    Column("message_id", String(64), primary_key=True),
    Column("source_id", String(64), nullable=False),
    Column("event", String(255), nullable=False),
    Column("profile_key", String(255), nullable=False),
    Column("plan_id", String(64), nullable=False),
    Column("plan_revision", BigInteger, nullable=False),
    # The violations as a list of {kind, field, description}.
    Column("violations", JsonDocument(), nullable=False),
    Column("quarantined_at", UtcDateTime(), nullable=False),
    # The serialized, enriched loom.ingestion.v1.Event.
    Column("payload", LargeBinary, nullable=False),
    Index("ix_quarantine_quarantined_at", "quarantined_at"),
    Index("ix_quarantine_source_id_event", "source_id", "event"),
    Index("ix_quarantine_profile_key", "profile_key"),
)

# One row per data-plan violation: what QueryViolations counts and takes examples from.
violation = Table(
    "violation",
    metadata,
    Column("id", autoincrement_bigint(), primary_key=True, autoincrement=True),
    Column("at", UtcDateTime(), nullable=False),
    Column("source_id", String(64), nullable=False),
    Column("event", String(255), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("field", String(255), nullable=False),
    Column("description", String(1024), nullable=False),
    Column("message_id", String(64), nullable=False),
    Index("ix_violation_at", "at"),
    Index("ix_violation_source_id_event_kind", "source_id", "event", "kind"),
)
