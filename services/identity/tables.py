"""The identity service's tables: profiles, the identity graph, merge lineage and trait history.

Schema changes go through a new hand-written revision in ``migrations/versions/``; a test checks that
migrating an empty database yields exactly these tables.
"""

from sqlalchemy import BigInteger, Column, Index, String, Table

from services.common.storage import JsonDocument, UtcDateTime, autoincrement_bigint, new_metadata

metadata = new_metadata()

profiles = Table(
    "profiles",
    metadata,
    Column("profile_id", String(36), primary_key=True),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    Column("traits", JsonDocument(), nullable=False),
    Column("computed", JsonDocument(), nullable=False),
    Column("predictive", JsonDocument(), nullable=False),
    # Bumped by every write; an update guarded by the version it read detects a concurrent writer.
    Column("version", BigInteger, nullable=False),
)

# The identity graph: which profile an identifier (email, user_id, device id, ...) resolves to.
# No foreign key to profiles on purpose: a merge re-points many rows and must not pay for FK checks.
identifiers = Table(
    "identifiers",
    metadata,
    Column("type", String(32), primary_key=True),
    Column("value", String(255), primary_key=True),
    Column("profile_id", String(36), nullable=False),
    Column("first_seen", UtcDateTime(), nullable=False),
    Index("ix_identifiers_profile_id", "profile_id"),
)

# Merge lineage: every merge is recorded with its evidence so it can be explained and undone.
merges = Table(
    "merges",
    metadata,
    Column("merge_id", String(36), primary_key=True),
    Column("into_profile_id", String(36), nullable=False),
    Column("from_profile_id", String(36), nullable=False),
    Column("message_id", String(64), nullable=True),
    Column("evidence", JsonDocument(), nullable=False),
    Column("merged_at", UtcDateTime(), nullable=False),
    Column("unmerged_at", UtcDateTime(), nullable=True),
    Index("ix_merges_into_profile_id", "into_profile_id"),
    Index("ix_merges_from_profile_id", "from_profile_id"),
)

# Events already applied, so a redelivered bus message changes nothing (idempotent consumer).
processed_events = Table(
    "processed_events",
    metadata,
    Column("message_id", String(64), primary_key=True),
    Column("profile_id", String(36), nullable=False),
    Column("processed_at", UtcDateTime(), nullable=False),
    # Old records are pruned by age.
    Index("ix_processed_events_processed_at", "processed_at"),
)

trait_history = Table(
    "trait_history",
    metadata,
    Column("id", autoincrement_bigint(), primary_key=True, autoincrement=True),
    Column("profile_id", String(36), nullable=False),
    Column("trait", String(255), nullable=False),
    # JSON null records that the trait was removed.
    Column("value", JsonDocument(), nullable=True),
    Column("updated_at", UtcDateTime(), nullable=False),
    Column("source", String(64), nullable=False),
    Column("message_id", String(64), nullable=True),
    Index("ix_trait_history_profile_id", "profile_id"),
)
