"""Create the bandit decision log and posteriors and the recent scored payments.

Revision ID: 0001
Revises:
Create Date: 2025-12-01
"""

import sqlalchemy as sa
from alembic import op

from services.common.storage import JsonDocument, UtcDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create nba_decisions, nba_posteriors and fraud_transactions with their indexes."""
    op.create_table(
        "nba_decisions",
        sa.Column("decision_id", sa.String(36), nullable=False),
        sa.Column("profile_id", sa.String(64), nullable=False),
        sa.Column("model_name", sa.String(64), nullable=False),
        sa.Column("model_version", sa.String(64), nullable=False),
        sa.Column("journey_id", sa.String(128), nullable=False),
        sa.Column("step_id", sa.String(128), nullable=False),
        sa.Column("context", JsonDocument(), nullable=False),
        sa.Column("action_id", sa.String(128), nullable=False),
        sa.Column("propensity", sa.Float(), nullable=False),
        sa.Column("explored", sa.BigInteger(), nullable=False),
        sa.Column("decided_at", UtcDateTime(), nullable=False),
        sa.Column("reward", sa.Float(), nullable=True),
        sa.Column("outcome", sa.String(64), nullable=True),
        sa.Column("observed_at", UtcDateTime(), nullable=True),
        sa.Column("recorded_at", UtcDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("decision_id", name="pk_nba_decisions"),
    )
    op.create_index("ix_nba_decisions_profile_id", "nba_decisions", ["profile_id"])
    op.create_table(
        "nba_posteriors",
        sa.Column("model_name", sa.String(64), nullable=False),
        sa.Column("model_version", sa.String(64), nullable=False),
        sa.Column("action_id", sa.String(128), nullable=False),
        sa.Column("precision", JsonDocument(), nullable=False),
        sa.Column("b", JsonDocument(), nullable=False),
        sa.Column("updates", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("model_name", "model_version", "action_id", name="pk_nba_posteriors"),
    )
    op.create_table(
        "fraud_transactions",
        sa.Column("transaction_id", sa.String(128), nullable=False),
        sa.Column("customer_id", sa.String(64), nullable=False),
        sa.Column("device_id", sa.String(128), nullable=False),
        sa.Column("card_fingerprint", sa.String(128), nullable=False),
        sa.Column("merchant_id", sa.String(128), nullable=False),
        sa.Column("amount_eur", sa.Float(), nullable=False),
        sa.Column("occurred_at", UtcDateTime(), nullable=False),
        sa.Column("model_version", sa.String(64), nullable=False),
        sa.Column("probability", sa.Float(), nullable=False),
        sa.Column("decision", sa.String(16), nullable=False),
        sa.Column("signals", sa.Text(), nullable=False),
        sa.Column("scored_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("transaction_id", name="pk_fraud_transactions"),
    )
    op.create_index("ix_fraud_transactions_occurred_at", "fraud_transactions", ["occurred_at"])
    op.create_index("ix_fraud_transactions_customer_id", "fraud_transactions", ["customer_id"])


def downgrade() -> None:
    """Drop the three tables (decisions, posteriors and recent payments are lost)."""
    op.drop_table("fraud_transactions")
    op.drop_table("nba_posteriors")
    op.drop_index("ix_nba_decisions_profile_id", table_name="nba_decisions")
    op.drop_table("nba_decisions")
