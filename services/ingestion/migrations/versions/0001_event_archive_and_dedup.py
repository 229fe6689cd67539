"""Create the event archive and the dedup record.

Revision ID: 0001
Revises:
Create Date: 2025-11-23
"""

import sqlalchemy as sa
from alembic import op

from services.common.storage import UtcDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create event_archive and dedup with their indexes."""
    op.create_table(
        "event_archive",
        sa.Column("message_id", sa.String(64), nullable=False),
        sa.Column("day", sa.String(10), nullable=False),
        sa.Column("event_type", sa.String(16), nullable=False),
        sa.Column("event", sa.String(255), nullable=True),
        sa.Column("user_id", sa.String(255), nullable=True),
        sa.Column("anonymous_id", sa.String(255), nullable=True),
        sa.Column("profile_key", sa.String(255), nullable=False),
        sa.Column("market", sa.String(8), nullable=True),
        sa.Column("category", sa.String(255), nullable=True),
        sa.Column("revenue_micros", sa.BigInteger(), nullable=True),
        sa.Column("currency", sa.String(3), nullable=True),
        sa.Column("ts", UtcDateTime(), nullable=False),
        sa.Column("received_at", UtcDateTime(), nullable=False),
        sa.Column("source_id", sa.String(64), nullable=False),
        sa.Column("payload", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("message_id", name="pk_event_archive"),
    )
    op.create_index("ix_event_archive_day_market", "event_archive", ["day", "market"])
    op.create_index("ix_event_archive_profile_key", "event_archive", ["profile_key"])
    op.create_index("ix_event_archive_category", "event_archive", ["category"])
    op.create_index("ix_event_archive_ts", "event_archive", ["ts"])

    op.create_table(
        "dedup",
        sa.Column("message_id", sa.String(64), nullable=False),
        sa.Column("first_seen", UtcDateTime(), nullable=False),
        sa.Column("expires_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("message_id", name="pk_dedup"),
    )
    op.create_index("ix_dedup_expires_at", "dedup", ["expires_at"])


def downgrade() -> None:
    """Drop both tables (and with them every archived event)."""
    op.drop_table("dedup")
    op.drop_table("event_archive")
