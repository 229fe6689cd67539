"""Activities of the training queue: each owns its clients and does one heavy step."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import grpc
from temporalio import activity
from temporalio.exceptions import ApplicationError

from loom.identity.v1 import identity_pb2_grpc
from loom.ingestion.v1 import ingestion_pb2_grpc
from loom.prediction.v1 import prediction_pb2_grpc
from ml.archive import read_histories
from ml.features import ProfilingAllowed
from ml.registry import ModelRegistry, RegistryError
from ml.training import KINDS, TrainingRequest, train
from services.common.consent import ConsentChecker
from workflows.training.scoring import score_histories, write_traits
from workflows.training.types import BatchScoringInput, BatchScoringResult, TrainModelInput, TrainModelResult

UserConsent = Callable[[str], Awaitable[bool]]
FRAUD_KIND = "fraud"
CONSENT_CONCURRENCY = 32


async def deny_user(_user_id: str) -> bool:
    """Fail closed: nobody may be profiled until a consent check is configured."""
    return False


def user_profiling(checker: ConsentChecker) -> UserConsent:
    """The consent service's "profiling" answer for a user id (fail closed, cached by the checker)."""

    async def allowed(user_id: str) -> bool:
        return await checker.allowed([("user_id", user_id)], "profiling")

    return allowed


async def consenting(users: list[str], check: UserConsent) -> ProfilingAllowed:
    """Asks consent for every user up front (bounded concurrency); returns the answer as a set lookup."""
    gate = asyncio.Semaphore(CONSENT_CONCURRENCY)

    async def one(user: str) -> bool:
        async with gate:
            return await check(user)

    answers = await asyncio.gather(*(one(u) for u in users))
    return {u for u, ok in zip(users, answers, strict=True) if ok}.__contains__


@dataclass
class TrainingConfig:
    """What the activities need: the registry, the archive and identity clients, consent and Ray."""

    registry_dir: Path
    ingestion: ingestion_pb2_grpc.IngestionServiceStub
    identity: identity_pb2_grpc.IdentityServiceStub | None = None
    # Asked per user id before any row is built; the default denies everyone (fail closed).
    # With the consent service: ``profiling_allowed=user_profiling(checker)``.
    profiling_allowed: UserConsent = deny_user
    # Score batches as Ray tasks when Ray is initialised in this worker (``ray.init(address=...)``).
    use_ray: bool = False
    # Where fraud models get their training set (ExportFraudTransactions); None: fraud training is refused.
    prediction: prediction_pb2_grpc.PredictionServiceStub | None = None


class TrainingActivities:
    """Training, promotion and batch scoring; one instance per worker."""

    def __init__(self, config: TrainingConfig) -> None:
        self._config = config
        self._registry = ModelRegistry(config.registry_dir)

    def _heartbeat(self) -> Callable[[int], None]:
        return lambda n: activity.heartbeat(n)

    @activity.defn(name="training.train_and_register")
    async def train_and_register(self, params: TrainModelInput) -> TrainModelResult:
        """Reads the archive window, trains and evaluates in a thread (CPU-bound), registers the version."""
        if params.kind == FRAUD_KIND:
            return await self._train_fraud(params)
        if params.kind not in KINDS:
            raise ApplicationError(f"kind must be one of {KINDS}", type="InvalidTrainingRequest", non_retryable=True)
        cutoff = datetime.fromisoformat(params.cutoff)
        histories = await read_histories(self._config.ingestion, cutoff - timedelta(days=params.lookback_days),
                                         cutoff, on_chunk=self._heartbeat())
        request = TrainingRequest(params.name, params.kind, cutoff, params.horizon_days, params.category,
                                  params.hidden, params.epochs)
        info = activity.info()
        try:
            allowed = await consenting(sorted(histories), self._config.profiling_allowed)
            result = await asyncio.to_thread(train, request, histories, allowed,
                                             params.version, info.workflow_id or "")
        except ValueError as exc:
            raise ApplicationError(str(exc), type="InvalidTrainingRequest", non_retryable=True) from exc
        try:
            card = self._registry.register(result.card, result.artifact)
        except RegistryError as exc:
            if exc.kind != "precondition":
                raise
            card = self._registry.card(params.name, params.version)  # a retry after the version was written
        return TrainModelResult(params.name, params.version, card["status"], result.beats_baseline, False,
                                card["training_rows"], card["excluded_by_consent"], card["metrics"])

    async def _train_fraud(self, params: TrainModelInput) -> TrainModelResult:
        """A fraud GNN from the scored payments the prediction service retains, labelled by reported outcomes.

        A payment with no report counts as legitimate. Fraud prevention is not gated by profiling consent
        (it is the payment's own check), so no consent filter applies here.
        """
        if self._config.prediction is None:
            raise ApplicationError("fraud training needs the prediction service address", non_retryable=True)
        from google.protobuf.timestamp_pb2 import Timestamp

        from loom.common.v1 import common_pb2
        from loom.prediction.v1 import prediction_pb2
        from ml.fraud_serving import Txn
        from ml.fraud_training import train_fraud

        cutoff = datetime.fromisoformat(params.cutoff)
        start, end = Timestamp(), Timestamp()
        start.FromDatetime(cutoff - timedelta(days=params.lookback_days))
        end.FromDatetime(cutoff)
        txns: list[Txn] = []
        labels: list[int] = []
        request = prediction_pb2.ExportFraudTransactionsRequest(window=common_pb2.TimeRange(start=start, end=end))
        async for chunk in self._config.prediction.ExportFraudTransactions(request):
            for item in chunk.transactions:
                t = item.transaction
                txns.append(Txn(t.transaction_id, t.customer_id, t.device_id, t.card_fingerprint, t.merchant_id,
                                t.amount.amount_micros / 1e6, t.occurred_at.ToDatetime(tzinfo=UTC)))
                labels.append(int(item.outcome == prediction_pb2.FRAUD_OUTCOME_CONFIRMED_FRAUD))
            activity.heartbeat(len(txns))
        try:
            artifact, card, ok = await asyncio.to_thread(train_fraud, txns, labels, params.name, params.version,
                                                         epochs=params.epochs, hidden=params.hidden)
        except ValueError as exc:
            raise ApplicationError(str(exc), type="InvalidTrainingRequest", non_retryable=True) from exc
        card["workflow_id"] = activity.info().workflow_id or ""
        card.setdefault("training_rows", len(txns))
        card.setdefault("excluded_by_consent", 0)
        try:
            card = self._registry.register(card, artifact)
        except RegistryError as exc:
            if exc.kind != "precondition":
                raise
            card = self._registry.card(params.name, params.version)
        return TrainModelResult(params.name, params.version, card["status"], ok, False,
                                card.get("training_rows", len(txns)), card.get("excluded_by_consent", 0),
                                card["metrics"])

    @activity.defn(name="training.promote")
    async def promote(self, result: TrainModelResult) -> str:
        """Rolls the version out; returns the version it replaced."""
        _card, previous = self._registry.promote(result.name, result.version)
        return previous

    @activity.defn(name="training.batch_score")
    async def batch_score(self, params: BatchScoringInput) -> BatchScoringResult:
        """Features of every consenting profile, scored per model, written to identity as predictive traits."""
        as_of = datetime.fromisoformat(params.as_of)
        histories = await read_histories(self._config.ingestion, as_of - timedelta(days=params.lookback_days),
                                         as_of, on_chunk=self._heartbeat())
        allowed = await consenting(sorted(histories), self._config.profiling_allowed)
        try:
            scored = await asyncio.to_thread(score_histories, self._registry, params.models, histories, as_of,
                                             allowed, self._config.use_ray)
        except RegistryError as exc:
            raise ApplicationError(str(exc), type="InvalidTrainingRequest", non_retryable=True) from exc
        written = 0
        if params.write_traits and scored.keys:
            if self._config.identity is None:
                raise ApplicationError("write_traits needs the identity service address", non_retryable=True)
            try:
                written = await write_traits(self._config.identity, scored, as_of, activity.heartbeat)
            except grpc.aio.AioRpcError as exc:
                if exc.code() in (grpc.StatusCode.UNIMPLEMENTED, grpc.StatusCode.PERMISSION_DENIED,
                                  grpc.StatusCode.INVALID_ARGUMENT):
                    raise ApplicationError(f"identity refused the traits: {exc.details()}", non_retryable=True) from exc
                raise
        return BatchScoringResult(params.job_id, len(histories), len(scored.keys), len(histories) - len(scored.keys),
                                  written, scored.versions)
