"""Batch scoring: feature rows of every consenting profile through each model, in chunks, on Ray or locally.

On Ray every chunk is a task that rebuilds the model from the artifact held once in the object store, so 2
CPUs or 200 share the work the same way; without Ray the same chunk function runs in this process.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
import torch
from google.protobuf import struct_pb2

from loom.common.v1 import common_pb2
from loom.identity.v1 import identity_pb2, identity_pb2_grpc
from ml.features import History, ProfilingAllowed, build_features, hour_of_week_counts
from ml.registry import ModelRegistry
from ml.servable import Servable
from workflows.training.types import ModelChoice

CHUNK = 50_000
WRITE_BATCH = 1000


@dataclass
class Scored:
    """Outputs per model for the scored profile keys (user ids), and the versions that produced them."""

    keys: list[str]
    outputs: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    versions: dict[str, str] = field(default_factory=dict)


def score_chunk(card: dict[str, Any], artifact: dict[str, Any], features: np.ndarray,
                hours: np.ndarray | None) -> list[dict[str, Any]]:
    """Scores one chunk of rows on the CPU (a Ray task body or a local call)."""
    torch.set_num_threads(1)
    return Servable(card, artifact, torch.device("cpu")).predict(features, hours)


def score_matrix(card: dict[str, Any], artifact: dict[str, Any], features: np.ndarray,
                 hours: np.ndarray | None, use_ray: bool, chunk: int = CHUNK) -> list[dict[str, Any]]:
    """Every row's output, chunk by chunk; chunks run as parallel Ray tasks when ``use_ray``."""
    bounds = [(s, min(s + chunk, len(features))) for s in range(0, len(features), chunk)]
    if not use_ray:
        return [o for s, e in bounds for o in score_chunk(card, artifact, features[s:e],
                                                            None if hours is None else hours[s:e])]
    import ray

    remote = ray.remote(num_cpus=1)(score_chunk)
    art = ray.put(artifact)
    refs = [remote.remote(card, art, features[s:e], None if hours is None else hours[s:e]) for s, e in bounds]
    return [o for part in ray.get(refs) for o in part]


def score_histories(registry: ModelRegistry, models: Sequence[ModelChoice], histories: dict[str, History],
                    as_of: datetime, profiling_allowed: ProfilingAllowed, use_ray: bool) -> Scored:
    """Builds features once (consent-gated) and scores them with every model."""
    frame = build_features(histories, as_of, profiling_allowed)
    scored = Scored(frame.keys)
    hours = None
    for choice in models:
        card, artifact = registry.load(choice.name, choice.version)
        if artifact["kind"] == "send_time" and hours is None:
            hours = np.stack([hour_of_week_counts(histories[k], as_of) for k in frame.keys]) if frame.keys else None
        if frame.keys:
            scored.outputs[choice.name] = score_matrix(card, artifact, frame.matrix, hours, use_ray)
        scored.versions[choice.name] = card["version"]
    return scored


def trait_of(name: str, version: str, output: dict[str, Any], at: datetime) -> identity_pb2.PredictiveTrait:
    """The predictive trait written for one model output."""
    trait = identity_pb2.PredictiveTrait(name=name, score=float(output.get("score", 0.0)), model_name=name,
                                         model_version=version,
                                         label=str(output.get("category", output.get("best_hour_of_week", ""))))
    trait.scored_at.FromDatetime(at)
    details = struct_pb2.Struct()
    details.update({k: v for k, v in output.items() if k not in ("score", "hour_scores")})
    trait.details.CopyFrom(details)
    return trait


async def write_traits(identity: identity_pb2_grpc.IdentityServiceStub, scored: Scored, at: datetime,
                       heartbeat: Callable[[int], None]) -> int:
    """Resolves user ids to profiles and writes the traits in batches of 1000; returns profiles written."""
    written = 0
    for start in range(0, len(scored.keys), WRITE_BATCH):
        keys = scored.keys[start : start + WRITE_BATCH]
        lookups = [identity_pb2.ProfileLookup(identifier=common_pb2.Identifier(type="user_id", value=k)) for k in keys]
        profiles = (await identity.BatchGetProfiles(identity_pb2.BatchGetProfilesRequest(lookups=lookups),
                                                    timeout=60)).profiles
        request = identity_pb2.WritePredictiveTraitsRequest()
        for offset, profile in enumerate(profiles):
            if not profile.profile_id:
                continue
            traits = [trait_of(name, scored.versions[name], outputs[start + offset], at)
                      for name, outputs in scored.outputs.items() if "score" in outputs[start + offset]]
            if traits:
                request.predictions.add(profile_id=profile.profile_id, traits=traits)
        if request.predictions:
            response = await identity.WritePredictiveTraits(request, timeout=60)
            written += int(response.written_count)
        heartbeat(start + len(keys))
    return written
