"""Create the journey registry, versions, outcomes and cohort members.

Revision ID: 0001
Revises:
Create Date: 2025-11-30
"""

import sqlalchemy as sa
from alembic import op

from services.common.storage import JsonDocument, UtcDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the four journeys tables."""
    op.create_table(
        "journeys",
        sa.Column("journey_id", sa.String(63), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("current_version", sa.Integer(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("journey_id", name="pk_journeys"),
    )
    op.create_table(
        "journey_versions",
        sa.Column("journey_id", sa.String(63), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("spec", JsonDocument(), nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("journey_id", "version", name="pk_journey_versions"),
    )
    op.create_table(
        "journey_outcomes",
        sa.Column("workflow_id", sa.String(200), nullable=False),
        sa.Column("run_id", sa.String(64), nullable=False),
        sa.Column("journey_id", sa.String(63), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(255), nullable=False),
        sa.Column("group_name", sa.String(16), nullable=False),
        sa.Column("variant", sa.String(64), nullable=False),
        sa.Column("converted", sa.Boolean(), nullable=False),
        sa.Column("exit_reason", sa.String(32), nullable=False),
        sa.Column("sends", sa.Integer(), nullable=False),
        sa.Column("entered_at", UtcDateTime(), nullable=False),
        sa.Column("finished_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("workflow_id", "run_id", name="pk_journey_outcomes"),
    )
    op.create_index("ix_journey_outcomes_journey_id", "journey_outcomes", ["journey_id"])
    op.create_table(
        "journey_cohort_members",
        sa.Column("cohort_id", sa.String(100), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("profile_id", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("cohort_id", "seq", name="pk_journey_cohort_members"),
    )


def downgrade() -> None:
    """Drop the journeys tables."""
    op.drop_table("journey_cohort_members")
    op.drop_index("ix_journey_outcomes_journey_id", table_name="journey_outcomes")
    op.drop_table("journey_outcomes")
    op.drop_table("journey_versions")
    op.drop_table("journeys")
