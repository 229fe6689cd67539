"""The creative service's tables: factory runs, the asset library's metadata and lineage, the review audit
trail, brand kits, occasion calendars, remembered translations and lookbooks.

Asset bytes stay content-addressed on disk (`ml.creative.library`); these tables index them. Schema changes go
through a new hand-written revision in ``migrations/versions/``; a test checks migrations and this file agree.
"""

from sqlalchemy import BigInteger, Column, Float, Index, Integer, String, Table, Text

from services.common.storage import JsonDocument, UtcDateTime, autoincrement_bigint, new_metadata

metadata = new_metadata()

factory_runs = Table(
    "factory_runs",
    metadata,
    Column("run_id", String(64), primary_key=True),
    Column("workflow_id", String(128), nullable=False),
    Column("market", String(8), nullable=False),
    Column("date", String(10), nullable=False),
    # FactoryRunState name without its prefix: pending, running, succeeded, failed, cancelled.
    Column("state", String(16), nullable=False),
    Column("params", JsonDocument(), nullable=False),
    Column("progress", JsonDocument(), nullable=False),
    Column("categories", JsonDocument(), nullable=False),
    Column("error", Text(), nullable=False),
    Column("started_at", UtcDateTime(), nullable=False),
    Column("finished_at", UtcDateTime(), nullable=True),
    Index("ix_factory_runs_started_at", "started_at"),
)

assets = Table(
    "creative_assets",
    metadata,
    Column("asset_id", String(160), primary_key=True),
    # image, copy, banner or lookbook.
    Column("kind", String(16), nullable=False),
    # draft, needs_review, approved, rejected or published.
    Column("state", String(16), nullable=False),
    Column("market", String(8), nullable=False),
    Column("category", String(128), nullable=False),
    Column("language", String(16), nullable=False),
    Column("touchpoint", String(64), nullable=False),
    Column("occasion_id", String(128), nullable=False),
    Column("run_id", String(64), nullable=False),
    Column("content_hash", String(64), nullable=False),
    Column("uri", Text(), nullable=False),
    Column("mime_type", String(32), nullable=False),
    Column("width", Integer, nullable=False),
    Column("height", Integer, nullable=False),
    Column("copy", JsonDocument(), nullable=True),
    Column("lineage", JsonDocument(), nullable=False),
    Column("assessment", JsonDocument(), nullable=True),
    # Ranking key of ChooseCreative, kept beside the assessment so candidates sort in the database.
    Column("score", Float(), nullable=False),
    # Set only for personal renders (lookbooks): erased with the person.
    Column("profile_id", String(64), nullable=True),
    # True once a human reviewed it: a later assessment no longer moves its state.
    Column("reviewed", Integer, nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("published_at", UtcDateTime(), nullable=True),
    Column("expires_at", UtcDateTime(), nullable=True),
    Index("ix_creative_assets_state_touchpoint_market", "state", "touchpoint", "market"),
    Index("ix_creative_assets_run_id", "run_id"),
    Index("ix_creative_assets_content_hash", "content_hash"),
    Index("ix_creative_assets_profile_id", "profile_id"),
)

# Every human review, never updated or deleted: the audit trail, and the history the thresholds learn from.
asset_reviews = Table(
    "creative_asset_reviews",
    metadata,
    Column("id", autoincrement_bigint(), primary_key=True, autoincrement=True),
    Column("asset_id", String(160), nullable=False),
    Column("reviewer", String(255), nullable=False),
    # approve or reject.
    Column("decision", String(16), nullable=False),
    Column("reason", Text(), nullable=False),
    Column("state_before", String(16), nullable=False),
    Column("state_after", String(16), nullable=False),
    # The creative director's quality score when the reviewer decided (what the thresholds learn from).
    Column("quality_score", Float(), nullable=True),
    Column("reviewed_at", UtcDateTime(), nullable=False),
    Index("ix_creative_asset_reviews_asset_id", "asset_id"),
)

brand_kits = Table(
    "brand_kits",
    metadata,
    Column("brand_id", String(64), primary_key=True),
    Column("revision", BigInteger, nullable=False),
    # The BrandKit proto as JSON (json_format), without revision and updated_at.
    Column("document", JsonDocument(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
)

occasion_calendars = Table(
    "occasion_calendars",
    metadata,
    Column("market", String(8), primary_key=True),
    Column("revision", BigInteger, nullable=False),
    # The market's Occasion protos as a JSON list.
    Column("occasions", JsonDocument(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
)

# Translations remembered by Translate(remember=true); keyed by a hash of brand, languages and source text.
translation_memory = Table(
    "translation_memory",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("brand_id", String(64), nullable=False),
    Column("source_language", String(16), nullable=False),
    Column("target_language", String(16), nullable=False),
    Column("source_text", Text(), nullable=False),
    Column("text", Text(), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
)

lookbooks = Table(
    "lookbooks",
    metadata,
    Column("lookbook_id", String(64), primary_key=True),
    Column("profile_id", String(64), nullable=False),
    Column("asset_id", String(160), nullable=False),
    Column("product_ids", JsonDocument(), nullable=False),
    Column("rendered_at", UtcDateTime(), nullable=False),
    Index("ix_lookbooks_profile_id", "profile_id"),
)
