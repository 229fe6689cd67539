"""The consent service's tables: the consent ledger, policies, roles, the audit log, data-subject requests and
the suppression list.

The ledger and the audit log are append-only: rows are inserted, never updated; only an erasure deletes a
person's consent records. Identifier lookups go through SHA-256 keys (`services.common.consent.identifier_key`)
so indexes hold no personal data. Schema changes go through a new revision in ``migrations/versions/``.
"""

from sqlalchemy import BigInteger, Boolean, Column, Index, Integer, String, Table, Text

from services.common.storage import JsonDocument, UtcDateTime, autoincrement_bigint, new_metadata

metadata = new_metadata()

# One row per consent choice; seq is the record version (monotonic for every person).
consent_records = Table(
    "consent_records",
    metadata,
    Column("seq", autoincrement_bigint(), primary_key=True, autoincrement=True),
    Column("record_id", String(36), nullable=False, unique=True),
    Column("idempotency_key", String(128), nullable=True, unique=True),
    Column("identifiers", JsonDocument(), nullable=False),
    Column("market", String(16), nullable=False),
    Column("purposes", JsonDocument(), nullable=False),
    Column("source", String(128), nullable=False),
    Column("policy_version", BigInteger, nullable=False),
    Column("given_at", UtcDateTime(), nullable=False),
    Column("recorded_at", UtcDateTime(), nullable=False),
    Column("proof", JsonDocument(), nullable=False),
    Column("gpc", Boolean, nullable=False),
)

# Which records name which identifier (by key), so "records matching any identifier" is one indexed query.
consent_record_keys = Table(
    "consent_record_keys",
    metadata,
    Column("key", String(128), primary_key=True),
    Column("seq", BigInteger, primary_key=True),
)

# Every version of every market's policy; the current one is the highest version.
consent_policies = Table(
    "consent_policies",
    metadata,
    Column("market", String(16), primary_key=True),
    Column("version", BigInteger, primary_key=True),
    Column("document", JsonDocument(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
)

consent_roles = Table(
    "consent_roles",
    metadata,
    Column("role_id", String(64), primary_key=True),
    Column("document", JsonDocument(), nullable=False),
    Column("revision", BigInteger, nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
)

# Hash-chained audit log: each entry's hash covers the previous hash, so an edited row breaks the chain.
audit_log = Table(
    "audit_log",
    metadata,
    Column("sequence", BigInteger, primary_key=True, autoincrement=False),
    Column("actor", String(255), nullable=False),
    Column("role", String(64), nullable=False),
    Column("service", String(64), nullable=False),
    Column("action", String(128), nullable=False),
    Column("resource", String(255), nullable=False),
    Column("outcome", Integer, nullable=False),
    Column("reason", Text, nullable=False),
    Column("details", JsonDocument(), nullable=False),
    Column("request_id", String(128), nullable=False),
    Column("occurred_at", UtcDateTime(), nullable=False),
    Column("hash", String(64), nullable=False),
    Index("ix_audit_log_actor", "actor"),
    Index("ix_audit_log_resource", "resource"),
    Index("ix_audit_log_occurred_at", "occurred_at"),
)

# Batches of audit entries already appended from the AUDIT stream: a batch redelivered after a crash between
# the commit and the ack is recognised and not appended twice.
audit_batches = Table(
    "audit_batches",
    metadata,
    Column("batch_id", String(128), primary_key=True),
    Column("appended_at", UtcDateTime(), nullable=False),
)

# Data-subject requests; an erasure's identifiers are replaced by their keys once it finishes.
dsr_requests = Table(
    "dsr_requests",
    metadata,
    Column("request_id", String(128), primary_key=True),
    Column("kind", Integer, nullable=False),
    Column("identifiers", JsonDocument(), nullable=False),
    Column("market", String(16), nullable=False),
    Column("dry_run", Boolean, nullable=False),
    Column("requested_by", String(255), nullable=False),
    Column("state", Integer, nullable=False),
    Column("workflow_id", String(160), nullable=False),
    Column("submitted_at", UtcDateTime(), nullable=False),
    Column("due_at", UtcDateTime(), nullable=False),
    Column("finished_at", UtcDateTime(), nullable=True),
    Column("export_uri", Text, nullable=False),
    Column("error", Text, nullable=False),
    Index("ix_dsr_requests_due_at", "due_at"),
)

dsr_receipts = Table(
    "dsr_receipts",
    metadata,
    Column("request_id", String(128), primary_key=True),
    Column("store", String(128), primary_key=True),
    Column("items_found", BigInteger, nullable=False),
    Column("items_erased", BigInteger, nullable=False),
    Column("completed_at", UtcDateTime(), nullable=False),
    Column("detail", Text, nullable=False),
)

suppressions = Table(
    "suppressions",
    metadata,
    Column("identifier_type", String(32), primary_key=True),
    Column("value_sha256", String(64), primary_key=True),
    Column("request_id", String(128), nullable=False),
    Column("suppressed_at", UtcDateTime(), nullable=False),
)
