"""ScoreTransaction: the fraud GNN over the recent-transaction graph, kept in this service's own table.

Where the graph lives: every scored payment is written to ``fraud_transactions`` (this service's table) and
held in memory as a `RecentGraph` (bounded by count and age). A replica loads the window at its first call
and then catches up on rows other replicas wrote every ``sync_s``. The GNN runs here, not in Ray Serve: it
needs the whole recent graph, which would otherwise travel with every request. A transaction id scored
before returns its stored answer, so a retried payment is neither scored twice nor added to the graph twice.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

from prometheus_client import Counter, Histogram
from sqlalchemy import delete, select, update

from loom.common.v1 import common_pb2
from loom.prediction.v1 import prediction_pb2 as pb
from ml.fraud_serving import FraudScore, FraudScorer, RecentGraph, Txn
from ml.registry import ModelRegistry, RegistryError
from services.common.errors import FailedPrecondition, NotFound, Violations
from services.common.storage import Database, insert_ignore
from services.prediction.tables import fraud_transactions

DECISIONS = {"allow": pb.FRAUD_DECISION_ALLOW, "review": pb.FRAUD_DECISION_REVIEW, "block": pb.FRAUD_DECISION_BLOCK}
FRAUD, LEGITIMATE = "fraud", "legitimate"
EXPORT_CHUNK = 1000
OUTCOMES = {pb.FRAUD_OUTCOME_CONFIRMED_FRAUD: FRAUD, pb.FRAUD_OUTCOME_LEGITIMATE: LEGITIMATE}
OUTCOME_CODES = {v: k for k, v in OUTCOMES.items()}
REPORTED = Counter("loom_prediction_fraud_outcomes_total", "Outcomes reported for scored transactions.", ["outcome"])
for _outcome in OUTCOMES.values():
    REPORTED.labels(_outcome)  # exported from zero, so rates exist before the first report
SCORED = Counter("loom_prediction_fraud_transactions_total", "Transactions scored, by decision.", ["decision"])
FRAUD_SECONDS = Histogram("loom_prediction_fraud_score_seconds", "ScoreTransaction graph forward time.",
                          buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5))


class FraudApi:
    """Scores payments; the recent graph in memory mirrors ``fraud_transactions``."""

    def __init__(self, registry: ModelRegistry, db: Database, default_model: str, *, max_transactions: int,
                 window: timedelta, sync_s: float = 1.0) -> None:
        self._registry = registry
        self._db = db
        self._default = default_model
        self._graph = RecentGraph(max_transactions, window)
        self._window = window
        self._sync_s = sync_s
        self._synced_at = -1.0
        self._loaded: set[str] = set()
        self._scorers: dict[tuple[str, str], FraudScorer] = {}
        self._lock = asyncio.Lock()
        # Reported outcomes in the window, per entity key: (confirmed fraud, labelled) transactions.
        self._reported: dict[str, tuple[float, float]] = {}

    async def _scorer(self, name: str, version: str) -> FraudScorer:
        try:
            version = version or await asyncio.to_thread(self._registry.active_version, name)
            if not version:
                raise RegistryError("not_found", f"fraud model {name} has no active version")
            if (name, version) not in self._scorers:
                card, artifact = await asyncio.to_thread(self._registry.load, name, version)
                self._scorers[(name, version)] = FraudScorer(card, artifact)
        except RegistryError as exc:
            raise NotFound(str(exc)) from exc
        except ValueError as exc:
            raise FailedPrecondition(str(exc)) from exc
        return self._scorers[(name, version)]

    async def _sync(self) -> None:
        """Adds rows written since the last look (by any replica) to the graph and prunes old rows."""
        if time.monotonic() - self._synced_at < self._sync_s:
            return
        horizon = datetime.now(UTC) - self._window
        async with self._db.begin() as conn:
            await conn.execute(delete(fraud_transactions).where(fraud_transactions.c.occurred_at < horizon))
        async with self._db.connect() as conn:
            rows = (await conn.execute(select(fraud_transactions).where(
                fraud_transactions.c.occurred_at >= horizon).order_by(fraud_transactions.c.occurred_at))).all()
        reported: dict[str, tuple[float, float]] = {}
        for r in rows:
            txn = Txn(r.transaction_id, r.customer_id, r.device_id, r.card_fingerprint, r.merchant_id, r.amount_eur,
                      r.occurred_at)
            if r.transaction_id not in self._loaded:
                self._add(txn)
            if r.outcome:
                for key in txn.keys():
                    fraud, seen = reported.get(key, (0.0, 0.0))
                    reported[key] = (fraud + (r.outcome == FRAUD), seen + 1.0)
        self._loaded &= {r.transaction_id for r in rows}
        self._reported = reported
        self._synced_at = time.monotonic()

    def _add(self, txn: Txn) -> None:
        self._graph.add(txn)
        self._loaded.add(txn.transaction_id)

    async def score(self, request: pb.ScoreTransactionRequest) -> pb.ScoreTransactionResponse:
        """Validates, answers a repeat from the table, else scores, stores and adds the payment to the graph."""
        txn = _validated(request)
        async with self._db.connect() as conn:
            stored = (await conn.execute(select(fraud_transactions).where(
                fraud_transactions.c.transaction_id == txn.transaction_id))).first()
        if stored is not None:
            return _response(stored.probability, stored.decision, json.loads(stored.signals), stored.model_version)
        scorer = await self._scorer(request.model.name or self._default, request.model.version)
        async with self._lock:
            await self._sync()
            start = time.perf_counter()
            result: FraudScore = await asyncio.to_thread(scorer.score, self._graph, txn, self._reported)
            FRAUD_SECONDS.observe(time.perf_counter() - start)
            async with self._db.begin() as conn:
                inserted = await conn.execute(insert_ignore(fraud_transactions, [{
                    "transaction_id": txn.transaction_id, "customer_id": txn.customer, "device_id": txn.device,
                    "card_fingerprint": txn.card, "merchant_id": txn.merchant, "amount_eur": txn.amount_eur,
                    "occurred_at": txn.occurred_at, "model_version": scorer.version,
                    "probability": result.probability, "decision": result.decision,
                    "signals": json.dumps(result.signals), "scored_at": datetime.now(UTC)}], ["transaction_id"]))
            if inserted.rowcount:
                self._add(txn)
        SCORED.labels(result.decision).inc()
        return _response(result.probability, result.decision, result.signals, scorer.version)

    async def report(self, request: pb.ReportFraudOutcomeRequest) -> pb.ReportFraudOutcomeResponse:
        """Records a scored transaction's outcome; later scores (on every replica, after its next sync) count it."""
        v = Violations()
        v.require(request.transaction_id, "transaction_id")
        v.require(request.source, "source")
        if request.outcome not in OUTCOMES:
            v.add("outcome", "CONFIRMED_FRAUD or LEGITIMATE is required")
        v.raise_if_any()
        outcome = OUTCOMES[request.outcome]
        async with self._db.begin() as conn:
            row = (await conn.execute(select(fraud_transactions.c.outcome).where(
                fraud_transactions.c.transaction_id == request.transaction_id))).first()
            if row is None:
                raise NotFound(f"transaction {request.transaction_id!r} was not scored here or has left the "
                               f"{self._window.days}-day window")
            await conn.execute(update(fraud_transactions).where(
                fraud_transactions.c.transaction_id == request.transaction_id).values(
                outcome=outcome, outcome_source=request.source[:128], outcome_at=datetime.now(UTC)))
        async with self._lock:
            self._synced_at = -1.0  # this replica counts it at its next score; others within sync_s
        REPORTED.labels(outcome).inc()
        return pb.ReportFraudOutcomeResponse(transaction_id=request.transaction_id, outcome=request.outcome,
                                             previous_outcome=OUTCOME_CODES.get(row.outcome or "", 0))

    async def export(self, request: pb.ExportFraudTransactionsRequest
                     ) -> AsyncIterator[pb.ExportFraudTransactionsResponse]:
        """The retained payments in ``request.window`` with their outcomes, oldest first, 1,000 per chunk."""
        query = select(fraud_transactions).order_by(fraud_transactions.c.occurred_at,
                                                    fraud_transactions.c.transaction_id)
        window = request.window
        if window.HasField("start"):
            query = query.where(fraud_transactions.c.occurred_at >= window.start.ToDatetime(tzinfo=UTC))
        if window.HasField("end"):
            query = query.where(fraud_transactions.c.occurred_at < window.end.ToDatetime(tzinfo=UTC))
        async with self._db.connect() as conn:
            rows = (await conn.execute(query)).all()
        for i in range(0, len(rows), EXPORT_CHUNK):
            chunk = []
            for r in rows[i:i + EXPORT_CHUNK]:
                t = pb.Transaction(transaction_id=r.transaction_id, customer_id=r.customer_id, device_id=r.device_id,
                                   card_fingerprint=r.card_fingerprint, merchant_id=r.merchant_id,
                                   amount=common_pb2.Money(currency_code="EUR",
                                                           amount_micros=round(r.amount_eur * 1e6)))
                t.occurred_at.FromDatetime(r.occurred_at)
                chunk.append(pb.LabelledTransaction(transaction=t, outcome=OUTCOME_CODES.get(r.outcome or "", 0)))
            yield pb.ExportFraudTransactionsResponse(transactions=chunk)

    async def erase_customers(self, customer_ids: list[str]) -> int:
        """Deletes a person's payments from the table; the in-memory graph drops them at the next restart."""
        async with self._db.begin() as conn:
            result = await conn.execute(delete(fraud_transactions).where(
                fraud_transactions.c.customer_id.in_(customer_ids)))
        return int(result.rowcount or 0)


def _validated(request: pb.ScoreTransactionRequest) -> Txn:
    t = request.transaction
    v = Violations()
    for field in ("transaction_id", "customer_id", "device_id", "card_fingerprint", "merchant_id"):
        v.require(getattr(t, field), f"transaction.{field}")
    if not t.HasField("amount"):
        v.add("transaction.amount", "is required")
    elif t.amount.amount_micros < 0:
        v.add("transaction.amount.amount_micros", "must not be negative")
    elif t.amount.currency_code not in ("", "EUR"):
        v.add("transaction.amount.currency_code", "only EUR amounts are scored (convert before calling)")
    v.raise_if_any()
    at = t.occurred_at.ToDatetime(tzinfo=UTC) if t.HasField("occurred_at") else datetime.now(UTC)
    return Txn(t.transaction_id, t.customer_id, t.device_id, t.card_fingerprint, t.merchant_id,
               t.amount.amount_micros / 1e6, at)


def _response(probability: float, decision: str, signals: list[dict], version: str) -> pb.ScoreTransactionResponse:
    return pb.ScoreTransactionResponse(
        fraud_probability=probability, decision=DECISIONS[decision], model_version=version,
        signals=[pb.FraudSignal(entity_type=s["entity_type"], entity_id=s["entity_id"], weight=s["weight"],
                                description=s["description"]) for s in signals])
