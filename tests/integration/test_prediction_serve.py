"""Online scoring end to end: gRPC Score -> consent -> identity + archive features -> Ray Serve -> torch.

One Ray (with the Serve app) for the module: Ray is slow to start on two cores, so its tests are few.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import grpc
import pytest

from infra.local.procs import free_port
from infra.synthetic import batches, history, make_customers
from loom.common.v1 import common_pb2
from loom.identity.v1 import identity_pb2, identity_pb2_grpc
from loom.ingestion.v1 import ingestion_pb2 as ipb
from loom.ingestion.v1 import ingestion_pb2_grpc
from loom.prediction.v1 import prediction_pb2 as pb
from loom.prediction.v1 import prediction_pb2_grpc
from ml.datasets import SYNTHETIC_END, allow_all, synthetic_histories
from ml.registry import ModelRegistry
from ml.serve import local
from ml.training import TrainingRequest, train
from services.common.errors import field_violations
from services.identity.app import IdentityConfig
from services.identity.app import build as build_identity
from services.ingestion.app import IngestionConfig
from services.ingestion.app import build as build_ingestion
from services.prediction.app import PredictionConfig
from services.prediction.app import build as build_prediction

pytestmark = pytest.mark.integration
MODEL = "churn_60d"


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    """SQLite only here: these tests are about serving, and storage runs on both engines elsewhere."""
    return f"sqlite+aiosqlite:///{tmp_path}/loom.db"


def register_version(registry: ModelRegistry, version: str, seed: int) -> None:
    """Trains a small churn model on synthetic customers and registers it (whatever its evaluation says)."""
    histories = synthetic_histories(600, days=200, seed=seed)
    result = train(TrainingRequest(MODEL, "churn", SYNTHETIC_END, epochs=15, seed=seed), histories, allow_all,
                   version)
    result.card["status"] = "candidate"
    registry.register(result.card, result.artifact)


@pytest.fixture(scope="module")
def serve_app(tmp_path_factory: pytest.TempPathFactory):
    """Ray + Serve with the prediction app over a registry holding one active version."""
    root = tmp_path_factory.mktemp("registry")
    registry = ModelRegistry(root)
    register_version(registry, "v1", seed=7)
    registry.promote(MODEL, "v1")
    url = local.start(root, free_port())
    try:
        yield registry, url
    finally:
        local.stop()


async def start_stack(stack, url: str, registry: ModelRegistry, consent: str = "allow-all"):
    """Ingestion, identity and prediction on the stack; returns the prediction stub."""
    ingestion = await stack.start("ingestion", IngestionConfig, build_ingestion)
    identity = await stack.start("identity", IdentityConfig, build_identity)
    await stack.start("prediction", PredictionConfig, build_prediction, serve_url=url,
                      registry_dir=str(registry.root), consent_mode=consent,
                      identity_addr=f"127.0.0.1:{identity.port}", ingestion_addr=f"127.0.0.1:{ingestion.port}")
    return prediction_pb2_grpc.PredictionServiceStub(stack.channel("prediction"))


async def ingest_customers(stack, count: int) -> list[str]:
    """Ingests synthetic history up to now; returns the identity profile ids of the customers who signed in."""
    ingest = ingestion_pb2_grpc.IngestionServiceStub(stack.channel("ingestion"))
    identity = identity_pb2_grpc.IdentityServiceStub(stack.channel("identity"))
    customers = [c for c in make_customers(count, seed=21) if c.identifies]
    for batch in batches(history(customers, days=120, seed=3, end=datetime.now(UTC).replace(microsecond=0))):
        for event in batch:
            event.ClearField("sent_at")  # a backfill: keep the historical times (no clock-skew correction)
        response = await ingest.IngestBatch(ipb.IngestBatchRequest(events=batch))
        assert response.accepted_count == len(batch)
    profile_ids = []
    for customer in customers:
        lookup = identity_pb2.ProfileLookup(identifier=common_pb2.Identifier(type="user_id", value=customer.user_id))
        for _ in range(200):
            try:
                profile = (await identity.GetProfile(identity_pb2.GetProfileRequest(lookup=lookup))).profile
                if profile.computed.order_count == customer.orders:
                    break
            except grpc.aio.AioRpcError as exc:
                if exc.code() != grpc.StatusCode.NOT_FOUND:
                    raise
            await asyncio.sleep(0.05)
        profile_ids.append(profile.profile_id)
    return profile_ids


async def wait_for_archive(stub, profile_id: str) -> pb.Prediction:
    """Scores until the archive consumer caught up (the archive is written asynchronously from the bus)."""
    for _ in range(200):
        response = await stub.Score(pb.ScoreRequest(profile_id=profile_id, models=[pb.ModelRef(name=MODEL)]))
        if response.predictions[0].status == pb.SCORE_STATUS_OK:
            return response.predictions[0]
        await asyncio.sleep(0.05)
    raise AssertionError(f"never scored: {response}")


async def test_score_through_grpc_and_ray_serve_with_hot_swap(service_stack, serve_app) -> None:
    registry, url = serve_app
    stub = await start_stack(service_stack, url, registry)
    profile_ids = await ingest_customers(service_stack, 12)
    first = await wait_for_archive(stub, profile_ids[0])
    assert first.model_version == "v1" and first.kind == pb.MODEL_KIND_CHURN and 0 < first.score < 1

    batch = await stub.BatchScore(pb.BatchScoreRequest(profile_ids=[*profile_ids, "no-such-profile"],
                                                       models=[pb.ModelRef(name=MODEL)]))
    statuses = [r.predictions[0].status for r in batch.results]
    assert statuses[-1] == pb.SCORE_STATUS_UNKNOWN_PROFILE
    assert statuses[:-1].count(pb.SCORE_STATUS_OK) >= len(profile_ids) - 1
    again = next(r.predictions[0] for r in batch.results if r.profile_id == profile_ids[0])
    assert again.score == pytest.approx(first.score, abs=1e-3)  # same features, same model, same answer

    # Hot swap: requests keep flowing while v2 is registered and promoted; none fails, v2 takes over.
    register_version(registry, "v2", seed=8)
    request = pb.ScoreRequest(profile_id=profile_ids[0], models=[pb.ModelRef(name=MODEL)])
    seen: set[str] = set()

    async def keep_scoring() -> None:
        for _ in range(40):
            prediction = (await stub.Score(request)).predictions[0]
            assert prediction.status == pb.SCORE_STATUS_OK
            seen.add(prediction.model_version)
            if prediction.model_version == "v2":
                return
            await asyncio.sleep(0.1)

    scoring = asyncio.create_task(keep_scoring())
    await asyncio.sleep(0.2)
    admin = prediction_pb2_grpc.PredictionServiceStub(service_stack.channel("prediction", service_stack.tokens.admin))
    promoted = await admin.PromoteModel(pb.PromoteModelRequest(model=pb.ModelRef(name=MODEL, version="v2")))
    assert promoted.previous_version == "v1" and promoted.model.status == pb.MODEL_STATUS_ACTIVE
    await scoring
    assert "v2" in seen

    pinned = await stub.Score(pb.ScoreRequest(profile_id=profile_ids[0], models=[pb.ModelRef(name=MODEL,
                                                                                            version="v1")]))
    assert pinned.predictions[0].model_version == "v1"
    unknown = await stub.Score(pb.ScoreRequest(profile_id=profile_ids[0], models=[pb.ModelRef(name="nope")]))
    assert unknown.predictions[0].status == pb.SCORE_STATUS_MODEL_UNAVAILABLE


async def test_without_consent_nothing_is_computed_and_bad_requests_say_why(service_stack, serve_app) -> None:
    registry, url = serve_app
    stub = await start_stack(service_stack, url, registry, consent="deny")
    profile_ids = await ingest_customers(service_stack, 2)
    response = await stub.Score(pb.ScoreRequest(profile_id=profile_ids[0], models=[pb.ModelRef(name=MODEL)]))
    assert response.predictions[0].status == pb.SCORE_STATUS_NO_CONSENT
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await stub.Score(pb.ScoreRequest(models=[pb.ModelRef()]))
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert {v.field for v in field_violations(err.value)} == {"profile_id", "models[0].name"}
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await stub.PromoteModel(pb.PromoteModelRequest(model=pb.ModelRef(name=MODEL, version="v1")))
    assert err.value.code() == grpc.StatusCode.PERMISSION_DENIED  # services score; operators promote
    admin = prediction_pb2_grpc.PredictionServiceStub(service_stack.channel("prediction", service_stack.tokens.admin))
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await admin.PromoteModel(pb.PromoteModelRequest(model=pb.ModelRef(name=MODEL, version="v9")))
    assert err.value.code() == grpc.StatusCode.NOT_FOUND
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await admin.PromoteModel(pb.PromoteModelRequest(model=pb.ModelRef(name=MODEL), force=True))
    assert {v.field for v in field_violations(err.value)} == {"model.version", "reason"}
    listed = await stub.ListModels(pb.ListModelsRequest(name=MODEL))
    assert [m.version for m in listed.models][-1] == "v1"
    card = (await stub.GetModel(pb.GetModelRequest(model=pb.ModelRef(name=MODEL, version="v1")))).model
    assert card.baseline.startswith("RFM") and card.metrics and card.consent_purposes == ["profiling"]
