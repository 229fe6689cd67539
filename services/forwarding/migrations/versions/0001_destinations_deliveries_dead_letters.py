"""Create destinations, deliveries, dead letters, replays, delivery rules and recipient locks.

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
    """Create the forwarding service's six tables with their indexes."""
    op.create_table(
        "destinations",
        sa.Column("destination_id", sa.String(64), nullable=False),
        sa.Column("spec", JsonDocument(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("paused_reason", sa.Text(), nullable=False),
        sa.Column("revision", sa.BigInteger(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("destination_id", name="pk_destinations"),
    )
    op.create_table(
        "deliveries",
        sa.Column("id", autoincrement_bigint(), autoincrement=True, nullable=False),
        sa.Column("delivery_id", sa.String(64), nullable=False),
        sa.Column("destination_id", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("channel", sa.Integer(), nullable=False),
        sa.Column("category", sa.Integer(), nullable=False),
        sa.Column("profile_id", sa.String(255), nullable=False),
        sa.Column("message_id", sa.String(255), nullable=False),
        sa.Column("creative_id", sa.String(255), nullable=False),
        sa.Column("journey_id", sa.String(255), nullable=False),
        sa.Column("step_id", sa.String(255), nullable=False),
        sa.Column("idempotency_key", sa.String(255), nullable=False),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.Column("last_response_code", sa.Integer(), nullable=False),
        sa.Column("payload", JsonDocument(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("first_attempt_at", UtcDateTime(), nullable=True),
        sa.Column("next_attempt_at", UtcDateTime(), nullable=True),
        sa.Column("deferred_until", UtcDateTime(), nullable=True),
        sa.Column("delivered_at", UtcDateTime(), nullable=True),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_deliveries"),
        sa.UniqueConstraint("delivery_id", name="uq_deliveries_delivery_id"),
        sa.UniqueConstraint("idempotency_key", name="uq_deliveries_idempotency_key"),
    )
    op.create_index("ix_deliveries_destination_id_status", "deliveries", ["destination_id", "status"])
    op.create_index("ix_deliveries_profile_id_channel", "deliveries", ["profile_id", "channel"])
    op.create_table(
        "dead_letters",
        sa.Column("dead_letter_id", sa.String(64), nullable=False),
        sa.Column("delivery_id", sa.String(64), nullable=False),
        sa.Column("destination_id", sa.String(64), nullable=False),
        sa.Column("profile_id", sa.String(255), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("permanent", sa.Boolean(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("replay_count", sa.Integer(), nullable=False),
        sa.Column("dead_lettered_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("dead_letter_id", name="pk_dead_letters"),
    )
    op.create_index("ix_dead_letters_destination_id", "dead_letters", ["destination_id"])
    op.create_index("ix_dead_letters_delivery_id", "dead_letters", ["delivery_id"])
    op.create_table(
        "replays",
        sa.Column("replay_id", sa.String(128), nullable=False),
        sa.Column("replayed_count", sa.BigInteger(), nullable=False),
        sa.Column("skipped_count", sa.BigInteger(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("replay_id", name="pk_replays"),
    )
    op.create_table(
        "delivery_rules",
        sa.Column("market", sa.String(16), nullable=False),
        sa.Column("spec", JsonDocument(), nullable=False),
        sa.Column("revision", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("market", name="pk_delivery_rules"),
    )
    op.create_table(
        "recipient_locks",
        sa.Column("profile_id", sa.String(255), nullable=False),
        sa.Column("touched_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("profile_id", name="pk_recipient_locks"),
    )


def downgrade() -> None:
    """Drop every forwarding table."""
    for table in ("recipient_locks", "delivery_rules", "replays", "dead_letters", "deliveries", "destinations"):
        op.drop_table(table)
