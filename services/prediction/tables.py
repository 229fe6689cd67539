"""The prediction service's tables: the bandit's decision log and posteriors, and recent scored payments.

Schema changes go through a new hand-written revision in ``migrations/versions/``; a test checks that
migrating an empty database yields exactly these tables.
"""

from sqlalchemy import BigInteger, Column, Float, Index, String, Table, Text

from services.common.storage import JsonDocument, UtcDateTime, new_metadata

metadata = new_metadata()

# Every RecommendAction answer that chose by the bandit: what it saw, what it chose and with which probability.
# The outcome columns are written once; RecordOutcome's guarded update makes a repeated outcome a no-op.
nba_decisions = Table(
    "nba_decisions",
    metadata,
    Column("decision_id", String(36), primary_key=True),
    Column("profile_id", String(64), nullable=False),
    Column("model_name", String(64), nullable=False),
    Column("model_version", String(64), nullable=False),
    Column("journey_id", String(128), nullable=False),
    Column("step_id", String(128), nullable=False),
    # {"context": {...request context...}, "vector": [...], "candidates": [...action ids...]}
    Column("context", JsonDocument(), nullable=False),
    Column("action_id", String(128), nullable=False),
    Column("propensity", Float, nullable=False),
    Column("explored", BigInteger, nullable=False),
    Column("decided_at", UtcDateTime(), nullable=False),
    Column("reward", Float, nullable=True),
    Column("outcome", String(64), nullable=True),
    Column("observed_at", UtcDateTime(), nullable=True),
    Column("recorded_at", UtcDateTime(), nullable=True),
    Index("ix_nba_decisions_profile_id", "profile_id"),
)

# Posterior of one action's Bayesian linear reward model: precision matrix and b vector (JSON lists).
nba_posteriors = Table(
    "nba_posteriors",
    metadata,
    Column("model_name", String(64), primary_key=True),
    Column("model_version", String(64), primary_key=True),
    Column("action_id", String(128), primary_key=True),
    Column("precision", JsonDocument(), nullable=False),
    Column("b", JsonDocument(), nullable=False),
    Column("updates", BigInteger, nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
)

# Scored payments: the recent-transaction graph every replica rebuilds in memory, and the stored answer that
# makes a repeated ScoreTransaction of the same transaction id return the same score. Pruned by age.
fraud_transactions = Table(
    "fraud_transactions",
    metadata,
    Column("transaction_id", String(128), primary_key=True),
    Column("customer_id", String(64), nullable=False),
    Column("device_id", String(128), nullable=False),
    Column("card_fingerprint", String(128), nullable=False),
    Column("merchant_id", String(128), nullable=False),
    Column("amount_eur", Float, nullable=False),
    Column("occurred_at", UtcDateTime(), nullable=False),
    Column("model_version", String(64), nullable=False),
    Column("probability", Float, nullable=False),
    Column("decision", String(16), nullable=False),
    Column("signals", Text, nullable=False),
    Column("scored_at", UtcDateTime(), nullable=False),
    # What it turned out to be (ReportFraudOutcome): "fraud" or "legitimate"; null until reported.
    Column("outcome", String(16), nullable=True),
    Column("outcome_source", String(128), nullable=True),
    Column("outcome_at", UtcDateTime(), nullable=True),
    Index("ix_fraud_transactions_occurred_at", "occurred_at"),
    Index("ix_fraud_transactions_customer_id", "customer_id"),
)
