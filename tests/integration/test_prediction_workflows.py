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
from workflows.training import WORKFLOWS, activities
from workflows.training.activities import TrainingConfig
from workflows.training.types import BatchScoringInput, ModelChoice, TrainModelInput

pytestmark = pytest.mark.integration
NOW = datetime.now(UTC).replace(microsecond=0)


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    """SQLite only: the workflows are under test here, not the storage engines."""
    return f"sqlite+aiosqlite:///{tmp_path}/loom.db"


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
        profiling_allowed=lambda user: user not in refused,
    )
    client = temporal_env.client
    async with Worker(client, task_queue=task_queue, workflows=WORKFLOWS, activities=activities(config)):
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
