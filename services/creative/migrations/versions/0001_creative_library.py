"""Create factory runs, the creative library index, the review audit trail, brand kits, occasion calendars,
remembered translations and lookbooks.

Revision ID: 0001
Revises:
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

from services.common.storage import JsonDocument, UtcDateTime, autoincrement_bigint

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the creative service's seven tables with their indexes."""
    op.create_table(
        "factory_runs",
        sa.Column("run_id", sa.String(64), nullable=False),
        sa.Column("workflow_id", sa.String(128), nullable=False),
        sa.Column("market", sa.String(8), nullable=False),
        sa.Column("date", sa.String(10), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("params", JsonDocument(), nullable=False),
        sa.Column("progress", JsonDocument(), nullable=False),
        sa.Column("categories", JsonDocument(), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("started_at", UtcDateTime(), nullable=False),
        sa.Column("finished_at", UtcDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("run_id", name="pk_factory_runs"),
    )
    op.create_index("ix_factory_runs_started_at", "factory_runs", ["started_at"])
    op.create_table(
        "creative_assets",
        sa.Column("asset_id", sa.String(160), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("market", sa.String(8), nullable=False),
        sa.Column("category", sa.String(128), nullable=False),
        sa.Column("language", sa.String(16), nullable=False),
        sa.Column("touchpoint", sa.String(64), nullable=False),
        sa.Column("occasion_id", sa.String(128), nullable=False),
        sa.Column("run_id", sa.String(64), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("uri", sa.Text(), nullable=False),
        sa.Column("mime_type", sa.String(32), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("copy", JsonDocument(), nullable=True),
        sa.Column("lineage", JsonDocument(), nullable=False),
        sa.Column("assessment", JsonDocument(), nullable=True),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("profile_id", sa.String(64), nullable=True),
        sa.Column("reviewed", sa.Integer(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("published_at", UtcDateTime(), nullable=True),
        sa.Column("expires_at", UtcDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("asset_id", name="pk_creative_assets"),
    )
    op.create_index("ix_creative_assets_state_touchpoint_market", "creative_assets",
                    ["state", "touchpoint", "market"])
    op.create_index("ix_creative_assets_run_id", "creative_assets", ["run_id"])
    op.create_index("ix_creative_assets_content_hash", "creative_assets", ["content_hash"])
    op.create_index("ix_creative_assets_profile_id", "creative_assets", ["profile_id"])
    op.create_table(
        "creative_asset_reviews",
        sa.Column("id", autoincrement_bigint(), autoincrement=True, nullable=False),
        sa.Column("asset_id", sa.String(160), nullable=False),
        sa.Column("reviewer", sa.String(255), nullable=False),
        sa.Column("decision", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("state_before", sa.String(16), nullable=False),
        sa.Column("state_after", sa.String(16), nullable=False),
        sa.Column("quality_score", sa.Float(), nullable=True),
        sa.Column("reviewed_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_creative_asset_reviews"),
    )
    op.create_index("ix_creative_asset_reviews_asset_id", "creative_asset_reviews", ["asset_id"])
    op.create_table(
        "brand_kits",
        sa.Column("brand_id", sa.String(64), nullable=False),
        sa.Column("revision", sa.BigInteger(), nullable=False),
        sa.Column("document", JsonDocument(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("brand_id", name="pk_brand_kits"),
    )
    op.create_table(
        "occasion_calendars",
        sa.Column("market", sa.String(8), nullable=False),
        sa.Column("revision", sa.BigInteger(), nullable=False),
        sa.Column("occasions", JsonDocument(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("market", name="pk_occasion_calendars"),
    )
    op.create_table(
        "translation_memory",
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("brand_id", sa.String(64), nullable=False),
        sa.Column("source_language", sa.String(16), nullable=False),
        sa.Column("target_language", sa.String(16), nullable=False),
        sa.Column("source_text", sa.Text(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_translation_memory"),
    )
    op.create_table(
        "lookbooks",
        sa.Column("lookbook_id", sa.String(64), nullable=False),
        sa.Column("profile_id", sa.String(64), nullable=False),
        sa.Column("asset_id", sa.String(160), nullable=False),
        sa.Column("product_ids", JsonDocument(), nullable=False),
        sa.Column("rendered_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("lookbook_id", name="pk_lookbooks"),
    )
    op.create_index("ix_lookbooks_profile_id", "lookbooks", ["profile_id"])


def downgrade() -> None:
    """Drop the creative service's tables (the library's files on disk stay)."""
    for table in ("lookbooks", "translation_memory", "occasion_calendars", "brand_kits", "creative_asset_reviews",
                  "creative_assets", "factory_runs"):
        op.drop_table(table)
