"""Identity rules, refused merges, event membership for unmerge, audiences and their outbox.

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
    """Add anchor, origin and payload columns for stable ids and unmerge; rules, refusal and audience tables."""
    with op.batch_alter_table("profiles") as batch:
        batch.add_column(sa.Column("anchor_type", sa.String(32), nullable=True))
        batch.add_column(sa.Column("anchor_value", sa.String(255), nullable=True))
    with op.batch_alter_table("identifiers") as batch:
        batch.add_column(sa.Column("origin_profile_id", sa.String(36), nullable=True))
    with op.batch_alter_table("processed_events") as batch:
        batch.add_column(sa.Column("origin_profile_id", sa.String(36), nullable=True))
        batch.add_column(sa.Column("ts", UtcDateTime(), nullable=True))
        batch.add_column(sa.Column("event", sa.String(255), nullable=True))
        batch.add_column(sa.Column("payload", sa.LargeBinary(), nullable=True))
    op.create_index("ix_processed_events_profile_id_event_ts", "processed_events", ["profile_id", "event", "ts"])

    op.create_table(
        "identity_rules",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("revision", sa.BigInteger(), nullable=False),
        sa.Column("document", JsonDocument(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_identity_rules"),
    )
    op.create_table(
        "refused_merges",
        sa.Column("id", autoincrement_bigint(), autoincrement=True, nullable=False),
        sa.Column("message_id", sa.String(64), nullable=False),
        sa.Column("profile_ids", JsonDocument(), nullable=False),
        sa.Column("rule", sa.String(255), nullable=False),
        sa.Column("refused_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_refused_merges"),
    )
    op.create_index("ix_refused_merges_refused_at", "refused_merges", ["refused_at"])
    op.create_table(
        "audiences",
        sa.Column("audience_id", sa.String(64), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("rule_json", sa.Text(), nullable=False),
        sa.Column("revision", sa.BigInteger(), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("evaluated_at", UtcDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("audience_id", name="pk_audiences"),
    )
    op.create_table(
        "audience_members",
        sa.Column("audience_id", sa.String(64), nullable=False),
        sa.Column("profile_id", sa.String(36), nullable=False),
        sa.Column("entered_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("audience_id", "profile_id", name="pk_audience_members"),
    )
    op.create_index("ix_audience_members_profile_id", "audience_members", ["profile_id"])
    op.create_table(
        "audience_outbox",
        sa.Column("id", autoincrement_bigint(), autoincrement=True, nullable=False),
        sa.Column("subject", sa.String(255), nullable=False),
        sa.Column("payload", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_audience_outbox"),
    )


def downgrade() -> None:
    """Drop the new tables and columns (the kept event payloads and audience memberships go with them)."""
    for table in ("audience_outbox", "audience_members", "audiences", "refused_merges",
                  "identity_rules"):
        op.drop_table(table)
    op.drop_index("ix_processed_events_profile_id_event_ts", table_name="processed_events")
    with op.batch_alter_table("processed_events") as batch:
        for column in ("payload", "event", "ts", "origin_profile_id"):
            batch.drop_column(column)
    with op.batch_alter_table("identifiers") as batch:
        batch.drop_column("origin_profile_id")
    with op.batch_alter_table("profiles") as batch:
        batch.drop_column("anchor_value")
        batch.drop_column("anchor_type")
