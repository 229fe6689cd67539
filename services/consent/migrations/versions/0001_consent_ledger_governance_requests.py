"""Create the consent ledger, policies, roles, audit log, data-subject requests and suppression list.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

from services.common.storage import JsonDocument, UtcDateTime, autoincrement_bigint

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the consent service's tables with their indexes."""
    op.create_table(
        "consent_records",
        sa.Column("seq", autoincrement_bigint(), autoincrement=True, nullable=False),
        sa.Column("record_id", sa.String(36), nullable=False),
        sa.Column("idempotency_key", sa.String(128), nullable=True),
        sa.Column("identifiers", JsonDocument(), nullable=False),
        sa.Column("market", sa.String(16), nullable=False),
        sa.Column("purposes", JsonDocument(), nullable=False),
        sa.Column("source", sa.String(128), nullable=False),
        sa.Column("policy_version", sa.BigInteger(), nullable=False),
        sa.Column("given_at", UtcDateTime(), nullable=False),
        sa.Column("recorded_at", UtcDateTime(), nullable=False),
        sa.Column("proof", JsonDocument(), nullable=False),
        sa.Column("gpc", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("seq", name="pk_consent_records"),
        sa.UniqueConstraint("record_id", name="uq_consent_records_record_id"),
        sa.UniqueConstraint("idempotency_key", name="uq_consent_records_idempotency_key"),
    )
    op.create_table(
        "consent_record_keys",
        sa.Column("key", sa.String(128), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("key", "seq", name="pk_consent_record_keys"),
    )
    op.create_table(
        "consent_policies",
        sa.Column("market", sa.String(16), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.Column("document", JsonDocument(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("market", "version", name="pk_consent_policies"),
    )
    op.create_table(
        "consent_roles",
        sa.Column("role_id", sa.String(64), nullable=False),
        sa.Column("document", JsonDocument(), nullable=False),
        sa.Column("revision", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("role_id", name="pk_consent_roles"),
    )
    op.create_table(
        "audit_log",
        sa.Column("sequence", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("actor", sa.String(255), nullable=False),
        sa.Column("role", sa.String(64), nullable=False),
        sa.Column("service", sa.String(64), nullable=False),
        sa.Column("action", sa.String(128), nullable=False),
        sa.Column("resource", sa.String(255), nullable=False),
        sa.Column("outcome", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("details", JsonDocument(), nullable=False),
        sa.Column("request_id", sa.String(128), nullable=False),
        sa.Column("occurred_at", UtcDateTime(), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("sequence", name="pk_audit_log"),
    )
    op.create_index("ix_audit_log_actor", "audit_log", ["actor"])
    op.create_index("ix_audit_log_resource", "audit_log", ["resource"])
    op.create_index("ix_audit_log_occurred_at", "audit_log", ["occurred_at"])
    op.create_table(
        "dsr_requests",
        sa.Column("request_id", sa.String(128), nullable=False),
        sa.Column("kind", sa.Integer(), nullable=False),
        sa.Column("identifiers", JsonDocument(), nullable=False),
        sa.Column("market", sa.String(16), nullable=False),
        sa.Column("dry_run", sa.Boolean(), nullable=False),
        sa.Column("requested_by", sa.String(255), nullable=False),
        sa.Column("state", sa.Integer(), nullable=False),
        sa.Column("workflow_id", sa.String(160), nullable=False),
        sa.Column("submitted_at", UtcDateTime(), nullable=False),
        sa.Column("due_at", UtcDateTime(), nullable=False),
        sa.Column("finished_at", UtcDateTime(), nullable=True),
        sa.Column("export_uri", sa.Text(), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("request_id", name="pk_dsr_requests"),
    )
    op.create_index("ix_dsr_requests_due_at", "dsr_requests", ["due_at"])
    op.create_table(
        "dsr_receipts",
        sa.Column("request_id", sa.String(128), nullable=False),
        sa.Column("store", sa.String(128), nullable=False),
        sa.Column("items_found", sa.BigInteger(), nullable=False),
        sa.Column("items_erased", sa.BigInteger(), nullable=False),
        sa.Column("completed_at", UtcDateTime(), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("request_id", "store", name="pk_dsr_receipts"),
    )
    op.create_table(
        "suppressions",
        sa.Column("identifier_type", sa.String(32), nullable=False),
        sa.Column("value_sha256", sa.String(64), nullable=False),
        sa.Column("request_id", sa.String(128), nullable=False),
        sa.Column("suppressed_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("identifier_type", "value_sha256", name="pk_suppressions"),
    )


def downgrade() -> None:
    """Drop the consent service's tables."""
    for table in ("suppressions", "dsr_receipts", "dsr_requests", "audit_log", "consent_roles",
                  "consent_policies", "consent_record_keys", "consent_records"):
        op.drop_table(table)
