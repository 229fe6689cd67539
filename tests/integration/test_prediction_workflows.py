"""Training and batch scoring as Temporal workflows over the real archive, registry and identity."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import pytest
from temporalio.worker import Worker

from infra.synthetic import batches, history, make_customers
from loom.common.v1 import common_pb2
from loom.identity.v1 import identity_pb2, identity_pb2_grpc
from loom.ingestion.v1 import ingestion_pb2 as ipb
from loom.ingestion.v1 import ingestion_pb2_grpc
from ml.registry import ModelRegistry
from services.identity.app import IdentityConfig
from services.identity.app import build as build_identity
from services.ingestion.app import IngestionConfig
from services.ingestion.app import build as build_ingestion
from workflows.training import WORKFLOWS, make_activities
from workflows.training.activities import TrainingConfig
from workflows.training.types import BatchScoringInput, ModelChoice, TrainModelInput

pytestmark = pytest.mark.integration
NOW = datetime.now(UTC).replace(microsecond=0)


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    """SQLite only: the workflows are under test here, not the storage engines."""
    return f"sqlite+aiosqlite:///{tmp_path}/loom.db"


def refuse(users: set[str]):
    """A consent answer refusing profiling to ``users`` only (the consent service's role in production)."""

    async def allowed(user: str) -> bool:
        return user not in users

    return allowed


def backfill(events):
    """Historical events as a backfill sends them: without sent_at, so no clock-skew correction moves them to now."""
    for event in events:
        event.ClearField("sent_at")
        yield event


async def archived_customers(stack, count: int) -> list[str]:
    """Ingests synthetic history ending now and waits until the archive holds all of it; returns user ids."""
    await stack.start("ingestion", IngestionConfig, build_ingestion)
    await stack.start("identity", IdentityConfig, build_identity)
    ingest = ingestion_pb2_grpc.IngestionServiceStub(stack.channel("ingestion"))
    customers = [c for c in make_customers(count, seed=31) if c.identifies]
    sent = 0
    for batch in batches(backfill(history(customers, days=240, seed=5, end=NOW))):
        sent += (await ingest.IngestBatch(ipb.IngestBatchRequest(events=batch))).accepted_count
    archive = stack.running["ingestion"].app.registrations[0].servicer._archive
    for _ in range(400):
        if await archive.count() >= sent:
            break
        await asyncio.sleep(0.05)
    return [c.user_id for c in customers]


async def test_training_registers_a_winner_and_batch_scoring_writes_traits(
    service_stack, temporal_env, task_queue: str, tmp_path: Path
) -> None:
    users = await archived_customers(service_stack, 400)
    refused = set(users[:10])
    config = TrainingConfig(
        registry_dir=tmp_path / "registry",
        ingestion=ingestion_pb2_grpc.IngestionServiceStub(service_stack.channel("ingestion")),
        identity=identity_pb2_grpc.IdentityServiceStub(service_stack.channel("identity")),
        profiling_allowed=refuse(refused),
    )
    client = temporal_env.client
    async with Worker(client, task_queue=task_queue, workflows=WORKFLOWS, activities=make_activities(config)):
        trained = await client.execute_workflow(
            "TrainModel", TrainModelInput(name="churn_60d", kind="churn", version="v1", cutoff=NOW.isoformat(),
                                          epochs=30, auto_promote=True),
            id=f"train-{task_queue}", task_queue=task_queue)
        registry = ModelRegistry(config.registry_dir)
        card = registry.card("churn_60d", "v1")
        assert card["excluded_by_consent"] == len(refused)
        assert trained["beats_baseline"] == (card["status"] in ("candidate", "active"))
        if not trained["beats_baseline"]:
            registry.promote("churn_60d", "v1", force=True, reason="exercise batch scoring")
        assert registry.active_version("churn_60d") == "v1"

        job = await client.execute_workflow(
            "BatchScoring", BatchScoringInput(job_id="j1", models=[ModelChoice("churn_60d")], as_of=NOW.isoformat()),
            id=f"batch-{task_queue}", task_queue=task_queue)
    assert job["profiles_scored"] == len(users) - len(refused)
    assert job["traits_written"] == job["profiles_scored"] and job["model_versions"] == {"churn_60d": "v1"}

    identity = identity_pb2_grpc.IdentityServiceStub(service_stack.channel("identity"))
    lookup = identity_pb2.ProfileLookup(identifier=common_pb2.Identifier(type="user_id", value=users[-1]))
    profile = (await identity.GetProfile(identity_pb2.GetProfileRequest(lookup=lookup))).profile
    trait = profile.predictive["churn_60d"]
    assert trait.model_version == "v1" and 0 < trait.score < 1
    lookup.identifier.value = users[0]
    refused_profile = (await identity.GetProfile(identity_pb2.GetProfileRequest(lookup=lookup))).profile
    assert "churn_60d" not in refused_profile.predictive


async def test_train_and_batch_score_through_the_grpc_service(
    service_stack, temporal_env, task_queue: str, tmp_path: Path
) -> None:
    import grpc

    from loom.prediction.v1 import prediction_pb2 as pb
    from loom.prediction.v1 import prediction_pb2_grpc
    from services.common.errors import field_violations
    from services.prediction.app import PredictionConfig
    from services.prediction.app import build as build_prediction
    await archived_customers(service_stack, 300)
    registry_dir = tmp_path / "registry"
    await service_stack.start(
        "prediction", PredictionConfig, build_prediction, registry_dir=str(registry_dir),
        temporal_address=temporal_env.client.service_client.config.target_host, training_task_queue=task_queue,
        identity_addr=f"127.0.0.1:{service_stack.running['identity'].port}",
        ingestion_addr=f"127.0.0.1:{service_stack.running['ingestion'].port}",
    )
    admin = prediction_pb2_grpc.PredictionServiceStub(service_stack.channel("prediction", service_stack.tokens.admin))
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await admin.TrainModel(pb.TrainModelRequest(name="Bad Name"))
    assert {v.field for v in field_violations(err.value)} == {"name", "kind"}

    config = TrainingConfig(
        registry_dir=registry_dir,
        ingestion=ingestion_pb2_grpc.IngestionServiceStub(service_stack.channel("ingestion")),
        identity=identity_pb2_grpc.IdentityServiceStub(service_stack.channel("identity")),
        profiling_allowed=refuse(set()),
    )
    request = pb.TrainModelRequest(name="churn_60d", kind=pb.MODEL_KIND_CHURN, idempotency_key="nightly-1")
    request.data_window.end.FromDatetime(NOW)
    async with Worker(temporal_env.client, task_queue=task_queue, workflows=WORKFLOWS,
                      activities=make_activities(config)):
        started = await admin.TrainModel(request)
        again = await admin.TrainModel(request)
        assert (again.workflow_id, again.version) == (started.workflow_id, started.version)
        await temporal_env.client.get_workflow_handle(started.workflow_id).result()
        card = (await admin.GetModel(pb.GetModelRequest(model=pb.ModelRef(name="churn_60d",
                                                                         version=started.version)))).model
        assert card.status in (pb.MODEL_STATUS_CANDIDATE, pb.MODEL_STATUS_REJECTED)
        assert card.workflow_id == started.workflow_id and card.training_rows > 0
        await admin.PromoteModel(pb.PromoteModelRequest(model=pb.ModelRef(name="churn_60d", version=started.version),
                                                        force=True, reason="test"))
        job = await admin.StartBatchScoring(pb.StartBatchScoringRequest(models=[pb.ModelRef(name="churn_60d")],
                                                                        write_traits=False))
        await temporal_env.client.get_workflow_handle(job.workflow_id).result()
        state = (await admin.GetBatchScoringJob(pb.GetBatchScoringJobRequest(job_id=job.job_id))).job
    assert state.state == pb.BATCH_SCORING_STATE_SUCCEEDED
    assert state.profiles_scored > 0 and state.models[0].version == started.version
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await admin.GetBatchScoringJob(pb.GetBatchScoringJobRequest(job_id="nope"))
    assert err.value.code() == grpc.StatusCode.NOT_FOUND
