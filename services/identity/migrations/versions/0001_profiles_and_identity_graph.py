"""Create profiles, the identity graph, merge lineage, processed events and trait history.

Revision ID: 0001
Revises:
Create Date: 2025-11-23
"""

import sqlalchemy as sa
from alembic import op

from services.common.storage import JsonDocument, UtcDateTime, autoincrement_bigint

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the identity service's five tables with their indexes."""
    op.create_table(
        "profiles",
        sa.Column("profile_id", sa.String(36), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.Column("traits", JsonDocument(), nullable=False),
        sa.Column("computed", JsonDocument(), nullable=False),
        sa.Column("predictive", JsonDocument(), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("profile_id", name="pk_profiles"),
    )

    op.create_table(
        "identifiers",
        sa.Column("type", sa.String(32), nullable=False),
        sa.Column("value", sa.String(255), nullable=False),
        sa.Column("profile_id", sa.String(36), nullable=False),
        sa.Column("first_seen", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("type", "value", name="pk_identifiers"),
    )
    op.create_index("ix_identifiers_profile_id", "identifiers", ["profile_id"])

    op.create_table(
        "merges",
        sa.Column("merge_id", sa.String(36), nullable=False),
        sa.Column("into_profile_id", sa.String(36), nullable=False),
        sa.Column("from_profile_id", sa.String(36), nullable=False),
        sa.Column("message_id", sa.String(64), nullable=True),
        sa.Column("evidence", JsonDocument(), nullable=False),
        sa.Column("merged_at", UtcDateTime(), nullable=False),
        sa.Column("unmerged_at", UtcDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("merge_id", name="pk_merges"),
    )
    op.create_index("ix_merges_into_profile_id", "merges", ["into_profile_id"])
    op.create_index("ix_merges_from_profile_id", "merges", ["from_profile_id"])

    op.create_table(
        "processed_events",
        sa.Column("message_id", sa.String(64), nullable=False),
        sa.Column("profile_id", sa.String(36), nullable=False),
        sa.Column("processed_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("message_id", name="pk_processed_events"),
    )
    op.create_index("ix_processed_events_processed_at", "processed_events", ["processed_at"])

    op.create_table(
        "trait_history",
        sa.Column("id", autoincrement_bigint(), autoincrement=True, nullable=False),
        sa.Column("profile_id", sa.String(36), nullable=False),
        sa.Column("trait", sa.String(255), nullable=False),
        sa.Column("value", JsonDocument(), nullable=True),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.Column("source", sa.String(64), nullable=False),
        sa.Column("message_id", sa.String(64), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_trait_history"),
    )
    op.create_index("ix_trait_history_profile_id", "trait_history", ["profile_id"])


def downgrade() -> None:
    """Drop the identity service's tables."""
    for table in ("trait_history", "processed_events", "merges", "identifiers", "profiles"):
        op.drop_table(table)
