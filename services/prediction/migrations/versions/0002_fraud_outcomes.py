"""Outcomes of scored payments (ReportFraudOutcome): what each turned out to be, from where and when.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

from services.common.storage import UtcDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add outcome, outcome_source and outcome_at to fraud_transactions."""
    op.add_column("fraud_transactions", sa.Column("outcome", sa.String(16), nullable=True))
    op.add_column("fraud_transactions", sa.Column("outcome_source", sa.String(128), nullable=True))
    op.add_column("fraud_transactions", sa.Column("outcome_at", UtcDateTime(), nullable=True))


def downgrade() -> None:
    """Drop the outcome columns."""
    with op.batch_alter_table("fraud_transactions") as batch:
        batch.drop_column("outcome_at")
        batch.drop_column("outcome_source")
        batch.drop_column("outcome")
