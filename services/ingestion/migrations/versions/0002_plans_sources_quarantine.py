"""Data plans, sources with write-key digests, the quarantine and the violation log.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

from services.common.storage import JsonDocument, UtcDateTime, autoincrement_bigint

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create data_plan, source, quarantine and violation."""
    op.create_table(
        "data_plan",
        sa.Column("plan_id", sa.String(64), nullable=False),
        sa.Column("revision", sa.BigInteger(), nullable=False),
        sa.Column("document", JsonDocument(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("plan_id", name="pk_data_plan"),
    )
    op.create_table(
        "source",
        sa.Column("source_id", sa.String(64), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("key_digest", sa.String(64), nullable=False),
        sa.Column("rate_limit_per_second", sa.Float(), nullable=False),
        sa.Column("burst", sa.Integer(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("source_id", name="pk_source"),
    )
    op.create_index("ix_source_key_digest", "source", ["key_digest"], unique=True)
    op.create_table(
        "quarantine",
        sa.Column("message_id", sa.String(64), nullable=False),
        sa.Column("source_id", sa.String(64), nullable=False),
        sa.Column("event", sa.String(255), nullable=False),
        sa.Column("profile_key", sa.String(255), nullable=False),
        sa.Column("plan_id", sa.String(64), nullable=False),
        sa.Column("plan_revision", sa.BigInteger(), nullable=False),
        sa.Column("violations", JsonDocument(), nullable=False),
        sa.Column("quarantined_at", UtcDateTime(), nullable=False),
        sa.Column("payload", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("message_id", name="pk_quarantine"),
    )
    op.create_index("ix_quarantine_quarantined_at", "quarantine", ["quarantined_at"])
    op.create_index("ix_quarantine_source_id_event", "quarantine", ["source_id", "event"])
    op.create_index("ix_quarantine_profile_key", "quarantine", ["profile_key"])
    op.create_table(
        "violation",
        sa.Column("id", autoincrement_bigint(), autoincrement=True, nullable=False),
        sa.Column("at", UtcDateTime(), nullable=False),
        sa.Column("source_id", sa.String(64), nullable=False),
        sa.Column("event", sa.String(255), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("field", sa.String(255), nullable=False),
        sa.Column("description", sa.String(1024), nullable=False),
        sa.Column("message_id", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_violation"),
    )
    op.create_index("ix_violation_at", "violation", ["at"])
    op.create_index("ix_violation_source_id_event_kind", "violation", ["source_id", "event", "kind"])


def downgrade() -> None:
    """Drop the four tables (quarantined events and violation history go with them)."""
    op.drop_table("violation")
    op.drop_table("quarantine")
    op.drop_table("source")
    op.drop_table("data_plan")
