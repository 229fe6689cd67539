"""Remember which audit batches from the AUDIT stream are appended, so a redelivered batch is not added twice.

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
    """Create audit_batches."""
    op.create_table(
        "audit_batches",
        sa.Column("batch_id", sa.String(128), nullable=False),
        sa.Column("appended_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("batch_id"),
    )


def downgrade() -> None:
    """Drop audit_batches."""
    op.drop_table("audit_batches")
