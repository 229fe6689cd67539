"""The ingestion service's tables: the event archive and the dedup record.

Schema changes go through a new hand-written revision in ``migrations/versions/``; a test checks that
migrating an empty database yields exactly these tables.
"""

from sqlalchemy import BigInteger, Column, Index, LargeBinary, String, Table

from services.common.storage import UtcDateTime, new_metadata

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
