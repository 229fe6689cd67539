"""Assembles the prediction service: the registry, the Ray Serve client, identity, ingestion and Temporal."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from loom.identity.v1 import identity_pb2_grpc
from loom.ingestion.v1 import ingestion_pb2_grpc
from loom.prediction.v1 import prediction_pb2_grpc as pb_grpc
from ml.registry import ModelRegistry
from services.common.client import channel
from services.common.config import DataServiceConfig, setting
from services.common.consent import ConsentChecker
from services.common.migrate import migrate
from services.common.server import Registration, ServiceApp
from services.common.storage import Database
from services.prediction.decisions import DecisionLog
from services.prediction.features import (
    OnlineFeatures,
    ProfilingAllowedAsync,
    allow_profiling,
    checker_profiling,
    deny_profiling,
)
from services.prediction.jobs import TrainingJobs
from services.prediction.rpc_bandit import BanditApi
from services.prediction.rpc_fraud import FraudApi
from services.prediction.servicer import FULL_NAME, POLICY, PredictionServicer
from services.prediction.serving import ServeClient


def _consent_mode(value: str) -> str | None:
    return None if value in ("checker", "deny", "allow-all") else "must be checker, deny or allow-all"


@dataclass(frozen=True, kw_only=True)
class PredictionConfig(DataServiceConfig):
    """Settings of the prediction service."""

    grpc_port: int = setting(50054, help="gRPC port")
    metrics_port: int = setting(9104, help="/metrics port")
    db_url: str = setting("sqlite+aiosqlite:///.loom/data/prediction.db", help="database URL")
    registry_dir: Path = setting(Path(".loom/models"), help="model registry root (shared with Ray Serve)")
    serve_url: str = setting("http://127.0.0.1:8000/prediction", help="Ray Serve prediction application URL")
    identity_addr: str = setting("127.0.0.1:50052", help="identity service address")
    ingestion_addr: str = setting("127.0.0.1:50051", help="ingestion service address (event archive)")
    temporal_address: str = setting("", help="Temporal frontend host:port; empty disables training RPCs")
    temporal_namespace: str = setting("default", help="Temporal namespace")
    training_task_queue: str = setting("loom-training", help="task queue of the training worker")
    feature_lookback_days: int = setting(365, help="days of events online features read")
    consent_addr: str = setting("127.0.0.1:50053", help="consent service address")
    consent_mode: str = setting("checker", help="checker (ask the consent service, fail closed), deny, or "
                                "allow-all (local experiments only)", check=_consent_mode)
    fraud_model: str = setting("fraud", help="fraud model scoring transactions when a request names none")
    fraud_graph_transactions: int = setting(20_000, help="most recent transactions the fraud graph holds")
    fraud_graph_days: int = setting(7, help="days of transactions the fraud graph holds")
    nba_model: str = setting("next_best_action", help="bandit answering RecommendAction when none is named")


async def build(config: PredictionConfig) -> ServiceApp:
    """Connects its peers; nothing here loads a model (Serve replicas do)."""
    identity_ch = channel(config.identity_addr, config.service_token)
    ingestion_ch = channel(config.ingestion_addr, config.service_token)
    identity = identity_pb2_grpc.IdentityServiceStub(identity_ch)
    features = OnlineFeatures(identity, ingestion_pb2_grpc.IngestionServiceStub(ingestion_ch),
                              config.feature_lookback_days)
    serve = ServeClient(config.serve_url)
    checker = None
    consent: ProfilingAllowedAsync = allow_profiling if config.consent_mode == "allow-all" else deny_profiling
    if config.consent_mode == "checker":
        # Without the bus every check is a CheckPurposes call; answers are still fail-closed.
        checker = await ConsentChecker.connect(config.consent_addr, config.service_token, None,
                                               deadline_s=config.consent_deadline_s)
        consent = checker_profiling(checker)
    jobs = TrainingJobs(config.temporal_address, config.temporal_namespace, config.training_task_queue)
    await migrate(config.db_url, "prediction")
    db = Database.from_url(config.db_url, application_name="loom-prediction")
    registry = ModelRegistry(config.registry_dir)
    fraud = FraudApi(registry, db, config.fraud_model, max_transactions=config.fraud_graph_transactions,
                     window=timedelta(days=config.fraud_graph_days))
    bandit = BanditApi(registry, DecisionLog(db), features, consent, config.nba_model)
    servicer = PredictionServicer(registry, serve, features, identity, consent, jobs, fraud, bandit)

    async def close() -> None:
        if checker is not None:
            await checker.close()
        await serve.close()
        await identity_ch.close()
        await ingestion_ch.close()
        await db.dispose()

    return ServiceApp(
        name="prediction",
        registrations=[Registration(pb_grpc.add_PredictionServiceServicer_to_server, servicer, FULL_NAME, POLICY)],
        on_shutdown=[close],
    )
