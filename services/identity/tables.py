"""The identity service's tables: profiles, the identity graph, merge lineage and trait history.

Schema changes go through a new hand-written revision in ``migrations/versions/``; a test checks that
migrating an empty database yields exactly these tables.
"""

from sqlalchemy import BigInteger, Column, Index, Integer, LargeBinary, String, Table, Text

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
    # The profile's best identifier by rule priority; the profile id is uuid5 of it, so the same events give
    # the same ids whatever order they arrive in (live consumer or archive rebuild).
    Column("anchor_type", String(32), nullable=True),
    Column("anchor_value", String(255), nullable=True),
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
    # The profile the identifier first joined; Unmerge sends it back to that side of a split.
    Column("origin_profile_id", String(36), nullable=True),
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

# Every event applied, with the profile that owns it now and the one it first joined. It makes the consumer
# idempotent (a redelivered message changes nothing), backs "performed event X N times in D days" audience
# rules, and keeps the event itself so Unmerge can recompute both sides of a split without the archive.
processed_events = Table(
    "processed_events",
    metadata,
    Column("message_id", String(64), primary_key=True),
    Column("profile_id", String(36), nullable=False),
    Column("processed_at", UtcDateTime(), nullable=False),
    Column("origin_profile_id", String(36), nullable=True),
    Column("ts", UtcDateTime(), nullable=True),
    Column("event", String(255), nullable=True),
    # The serialized loom.ingestion.v1.Event; NULL only for rows written before revision 0002.
    Column("payload", LargeBinary(), nullable=True),
    Index("ix_processed_events_processed_at", "processed_at"),
    Index("ix_processed_events_profile_id_event_ts", "profile_id", "event", "ts"),
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

# The identity rules in force (one row, id 1): identifier priorities, limits, blocked values, trait policies.
identity_rules = Table(
    "identity_rules",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("revision", BigInteger, nullable=False),
    Column("document", JsonDocument(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
)

# Merges the rules refused, kept for operators to review instead of forcing a wrong join.
refused_merges = Table(
    "refused_merges",
    metadata,
    Column("id", autoincrement_bigint(), primary_key=True, autoincrement=True),
    Column("message_id", String(64), nullable=False),
    Column("profile_ids", JsonDocument(), nullable=False),
    Column("rule", String(255), nullable=False),
    Column("refused_at", UtcDateTime(), nullable=False),
    Index("ix_refused_merges_refused_at", "refused_at"),
)

audiences = Table(
    "audiences",
    metadata,
    Column("audience_id", String(64), primary_key=True),
    Column("name", String(255), nullable=False),
    Column("rule_json", Text(), nullable=False),
    Column("revision", BigInteger, nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("evaluated_at", UtcDateTime(), nullable=True),
)

audience_members = Table(
    "audience_members",
    metadata,
    Column("audience_id", String(64), primary_key=True),
    Column("profile_id", String(36), primary_key=True),
    Column("entered_at", UtcDateTime(), nullable=False),
    Index("ix_audience_members_profile_id", "profile_id"),
)

# Membership changes written in the same transaction as the membership itself and published afterwards, so a
# crash between commit and publish delays an entered/exited event but never loses it.
audience_outbox = Table(
    "audience_outbox",
    metadata,
    Column("id", autoincrement_bigint(), primary_key=True, autoincrement=True),
    Column("subject", String(255), nullable=False),
    Column("payload", LargeBinary(), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
)
