"""Prediction benchmarks, each next to its raw ceiling measured in the same run:

- online scoring latency (p50/p99) of one profile through gRPC Score -> consent -> features (identity and the
  archive) -> Ray Serve, next to the same model's raw torch forward on one row and a direct HTTP call to Serve;
- throughput at batch 256 through Ray Serve (dynamic batching on) against the raw torch forward of 256 rows
  (goal: Serve overhead <= 2x), and gRPC BatchScore of 256 profiles (features included) beside it;
- batch scoring of 1M profiles as Ray tasks on 2 CPUs from a materialised feature matrix (goal: < 60 s),
  and the feature build rate measured on real histories, extrapolated to 1M and labelled as such.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import torch

from infra.local.procs import free_port
from infra.synthetic import batches, history, make_customers
from loom.common.v1 import common_pb2
from loom.identity.v1 import identity_pb2, identity_pb2_grpc
from loom.ingestion.v1 import ingestion_pb2 as ipb
from loom.ingestion.v1 import ingestion_pb2_grpc
from loom.prediction.v1 import prediction_pb2 as pb
from loom.prediction.v1 import prediction_pb2_grpc
from ml.datasets import SYNTHETIC_END, allow_all, synthetic_histories
from ml.features import build_features
from ml.registry import ModelRegistry
from ml.servable import Servable
from ml.serve import local
from ml.training import TrainingRequest, train
from services.identity.app import IdentityConfig
from services.identity.app import build as build_identity
from services.ingestion.app import IngestionConfig
from services.ingestion.app import build as build_ingestion
from services.prediction.app import PredictionConfig
from services.prediction.app import build as build_prediction
from services.prediction.serving import encode_rows
from tests.fixtures.nats import start_nats
from tests.fixtures.services import ServiceStack, write_tokens
from workflows.training.scoring import score_matrix

MODEL = "churn_60d"
ONLINE_CALLS = 300
BATCH = 256
BATCH_REQUESTS = 40
PROFILES_1M = 1_000_000


def _percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {"p50_ms": round(1000 * ordered[len(ordered) // 2], 3),
            "p99_ms": round(1000 * ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))], 3)}


def _raw(servable: Servable, features: np.ndarray) -> dict[str, Any]:
    one = features[:1]
    single = []
    for _ in range(ONLINE_CALLS):
        start = time.perf_counter()
        servable.predict(one)
        single.append(time.perf_counter() - start)
    rows = features[:BATCH]
    start = time.perf_counter()
    for _ in range(BATCH_REQUESTS):
        servable.predict(rows)
    return {"single_row": _percentiles(single),
            "batch_256_rows_per_s": round(BATCH * BATCH_REQUESTS / (time.perf_counter() - start))}


async def _serve_direct(url: str, features: np.ndarray) -> dict[str, Any]:
    async with httpx.AsyncClient(timeout=30) as http:
        single = []
        cols = features.shape[1]
        body = {"model": MODEL, "version": "", "features": encode_rows(features[:1]), "cols": cols}
        for _ in range(ONLINE_CALLS):
            start = time.perf_counter()
            (await http.post(url, json=body)).raise_for_status()
            single.append(time.perf_counter() - start)
        big = {"model": MODEL, "version": "", "features": encode_rows(features[:BATCH]), "cols": cols}
        queue = list(range(BATCH_REQUESTS))

        async def worker() -> None:
            while queue:
                queue.pop()
                (await http.post(url, json=big)).raise_for_status()

        start = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(4)))
        rate = BATCH * BATCH_REQUESTS / (time.perf_counter() - start)
    return {"single_row": _percentiles(single), "batch_256_rows_per_s": round(rate)}


async def _through_grpc(url: str, registry: ModelRegistry, tmp: Path, nats_url: str) -> dict[str, Any]:
    async def same_db(_name: str) -> str:
        return f"sqlite+aiosqlite:///{tmp}/loom.db"

    stack = ServiceStack(tmp, nats_url, same_db, write_tokens(tmp))
    try:
        ingestion = await stack.start("ingestion", IngestionConfig, build_ingestion)
        identity = await stack.start("identity", IdentityConfig, build_identity)
        await stack.start("prediction", PredictionConfig, build_prediction, serve_url=url,
                          registry_dir=str(registry.root), consent_mode="allow-all",
                          identity_addr=f"127.0.0.1:{identity.port}", ingestion_addr=f"127.0.0.1:{ingestion.port}")
        ingest = ingestion_pb2_grpc.IngestionServiceStub(stack.channel("ingestion"))
        customers = [c for c in make_customers(300, seed=41) if c.identifies]
        for batch in batches(history(customers, days=120, seed=2, end=datetime.now(UTC).replace(microsecond=0))):
            for event in batch:
                event.ClearField("sent_at")  # a backfill keeps its historical times
            await ingest.IngestBatch(ipb.IngestBatchRequest(events=batch))
        await asyncio.sleep(3)  # archive and profiles are written asynchronously from the bus
        identity_stub = identity_pb2_grpc.IdentityServiceStub(stack.channel("identity"))
        lookups = [identity_pb2.ProfileLookup(identifier=common_pb2.Identifier(type="user_id", value=c.user_id))
                   for c in customers]
        request = identity_pb2.BatchGetProfilesRequest(lookups=lookups)
        profiles = (await identity_stub.BatchGetProfiles(request)).profiles
        ids = [p.profile_id for p in profiles if p.profile_id]
        stub = prediction_pb2_grpc.PredictionServiceStub(stack.channel("prediction"))
        latencies, ok = [], 0
        for i in range(ONLINE_CALLS):
            start = time.perf_counter()
            response = await stub.Score(pb.ScoreRequest(profile_id=ids[i % len(ids)],
                                                        models=[pb.ModelRef(name=MODEL)]))
            latencies.append(time.perf_counter() - start)
            ok += response.predictions[0].status == pb.SCORE_STATUS_OK
        batch_ids = (ids * (BATCH // len(ids) + 1))[:BATCH]
        start = time.perf_counter()
        rounds = 5
        for _ in range(rounds):
            await stub.BatchScore(pb.BatchScoreRequest(profile_ids=batch_ids, models=[pb.ModelRef(name=MODEL)]))
        rate = BATCH * rounds / (time.perf_counter() - start)
        return {"score_one_profile": _percentiles(latencies), "scored_ok": ok, "calls": ONLINE_CALLS,
                "batch_score_256_profiles_per_s_with_features": round(rate)}
    finally:
        await stack.stop()


def _batch_1m(registry: ModelRegistry, features: np.ndarray) -> dict[str, Any]:
    card, artifact = registry.load(MODEL)
    reps = PROFILES_1M // len(features) + 1
    matrix = np.ascontiguousarray(np.tile(features, (reps, 1))[:PROFILES_1M])
    start = time.perf_counter()
    out = score_matrix(card, artifact, matrix, None, use_ray=True, chunk=125_000)
    ray_s = time.perf_counter() - start
    assert len(out) == PROFILES_1M
    servable = Servable(card, artifact, torch.device("cpu"))
    start = time.perf_counter()
    servable.forward(matrix)
    raw_s = time.perf_counter() - start
    return {"profiles": PROFILES_1M, "ray_tasks_seconds": round(ray_s, 2),
            "raw_single_forward_seconds": round(raw_s, 2), "goal_seconds": 60}


def _feature_rate() -> dict[str, Any]:
    histories = synthetic_histories(3000, days=365, seed=5)
    start = time.perf_counter()
    frame = build_features(histories, SYNTHETIC_END, allow_all)
    per_s = len(frame.keys) / (time.perf_counter() - start)
    return {"profiles_measured": len(frame.keys), "profiles_per_s_one_core": round(per_s),
            "extrapolated_1m_seconds_on_2_cores": round(PROFILES_1M / per_s / 2, 1)}


async def run() -> dict[str, Any]:
    """Runs every prediction benchmark once and returns the numbers with their ceilings."""
    tmp = Path(tempfile.mkdtemp(prefix="loom-bench-prediction-"))
    registry = ModelRegistry(tmp / "registry")
    histories = synthetic_histories(1500, days=240)
    result = train(TrainingRequest(MODEL, "churn", SYNTHETIC_END, epochs=20), histories, allow_all, "bench")
    result.card["status"] = "candidate"
    registry.register(result.card, result.artifact)
    registry.promote(MODEL, "bench")
    features = build_features(histories, SYNTHETIC_END, allow_all).matrix
    card, artifact = registry.load(MODEL)
    raw = _raw(Servable(card, artifact, torch.device("cpu")), features)
    url = local.start(registry.root, free_port())
    nats = start_nats(tmp / "nats")
    try:
        serve = await _serve_direct(url, features)
        grpc_numbers = await _through_grpc(url, registry, tmp, nats.url)
        batch = _batch_1m(registry, features)
    finally:
        nats.stop(timeout=10)
        local.stop()
    overhead = raw["batch_256_rows_per_s"] / max(serve["batch_256_rows_per_s"], 1)
    return {
        "online": {"grpc_to_ray_serve": grpc_numbers["score_one_profile"], "serve_http_direct": serve["single_row"],
                   "raw_torch_forward": raw["single_row"], "scored_ok": grpc_numbers["scored_ok"],
                   "calls": grpc_numbers["calls"]},
        "throughput_batch_256": {"ray_serve_rows_per_s": serve["batch_256_rows_per_s"],
                                 "raw_torch_rows_per_s": raw["batch_256_rows_per_s"],
                                 "overhead_x": round(overhead, 2), "goal_overhead_x": 2.0,
                                 "grpc_batch_score_profiles_per_s_with_features":
                                     grpc_numbers["batch_score_256_profiles_per_s_with_features"]},
        "batch_scoring_1m": batch,
        "feature_build": _feature_rate(),
    }


if __name__ == "__main__":
    import json

    print(json.dumps(asyncio.run(run()), indent=2))
