"""RecommendAction and RecordOutcome: the next-best-action bandit behind the gRPC API."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC

from google.protobuf import json_format
from prometheus_client import Counter

from loom.prediction.v1 import prediction_pb2 as pb
from ml.bandit_policy import BanditSpec
from ml.registry import ModelRegistry, RegistryError
from services.common.errors import NotFound, Violations
from services.prediction.decisions import DecisionLog, DecisionNotFound, LoggedDecision
from services.prediction.features import OnlineFeatures, ProfilingAllowedAsync

MAX_CANDIDATES = 64
DECISIONS = Counter("loom_prediction_bandit_decisions_total", "RecommendAction answers, by status and "
                    "whether the choice explored.", ["status", "explored"])


class BanditApi:
    """Chooses among candidates by Thompson sampling and learns from outcomes, exactly once per decision."""

    def __init__(self, registry: ModelRegistry, log: DecisionLog, features: OnlineFeatures,
                 allowed: ProfilingAllowedAsync, default_model: str) -> None:
        self._registry = registry
        self.log = log
        self._features = features
        self._allowed = allowed
        self._default = default_model
        self._specs: dict[tuple[str, str], BanditSpec] = {}

    async def _spec(self, name: str, version: str) -> tuple[str, BanditSpec]:
        version = version or await asyncio.to_thread(self._registry.active_version, name)
        if not version:
            raise RegistryError("not_found", f"model {name} has no active version")
        if (name, version) not in self._specs:
            _card, artifact = await asyncio.to_thread(self._registry.load, name, version)
            self._specs[(name, version)] = BanditSpec.from_artifact(artifact)
        return version, self._specs[(name, version)]

    async def recommend(self, request: pb.RecommendActionRequest) -> pb.RecommendActionResponse:
        """Consent first; then one Thompson step, logged before the answer leaves."""
        v = Violations()
        v.require(request.profile_id, "profile_id")
        if not request.candidates:
            v.add("candidates", "at least one candidate is required")
        if len(request.candidates) > MAX_CANDIDATES:
            v.add("candidates", f"at most {MAX_CANDIDATES} candidates, got {len(request.candidates)}")
        seen: set[str] = set()
        for i, c in enumerate(request.candidates):
            v.require(c.action_id, f"candidates[{i}].action_id")
            if c.action_id in seen:
                v.add(f"candidates[{i}].action_id", f"{c.action_id!r} is listed twice")
            seen.add(c.action_id)
        v.raise_if_any()
        name = request.model.name or self._default
        status = pb.SCORE_STATUS_OK
        profile = await self._features.profile(request.profile_id)
        if profile is None:
            status = pb.SCORE_STATUS_UNKNOWN_PROFILE
        elif not await self._allowed(profile):
            status = pb.SCORE_STATUS_NO_CONSENT
        if status == pb.SCORE_STATUS_OK:
            try:
                version, spec = await self._spec(name, request.model.version)
            except (RegistryError, ValueError):
                status = pb.SCORE_STATUS_MODEL_UNAVAILABLE
        if status != pb.SCORE_STATUS_OK:
            # Nothing is learnt or logged: the journey gets its default (first) candidate.
            DECISIONS.labels(pb.ScoreStatus.Name(status), "false").inc()
            first = request.candidates[0].action_id
            return pb.RecommendActionResponse(action_id=first, propensity=1.0, status=status, scores=[
                pb.ActionScore(action_id=first, probability=1.0)])
        actions = [c.action_id for c in request.candidates]
        context = json_format.MessageToDict(request.context)
        vector = spec.vector(context)
        posteriors = await self.log.posteriors(name, version, actions, spec.prior())
        decision_id = str(uuid.uuid4())
        # Seeded by the decision id: a logged decision can be replayed exactly for audits.
        decision = await asyncio.to_thread(spec.decide, posteriors, vector, uuid.UUID(decision_id).int % 2**63)
        chosen = actions[decision.action]
        await self.log.log(LoggedDecision(
            decision_id, request.profile_id, name, version, request.journey_id, request.step_id,
            {"context": context, "vector": vector, "candidates": actions}, chosen, decision.propensity,
            decision.explored), spec.prior())
        DECISIONS.labels("SCORE_STATUS_OK", str(decision.explored).lower()).inc()
        return pb.RecommendActionResponse(
            decision_id=decision_id, action_id=chosen, propensity=decision.propensity, explored=decision.explored,
            model_version=version, status=status,
            scores=[pb.ActionScore(action_id=a, expected_reward=e, probability=p)
                    for a, e, p in zip(actions, decision.expected, decision.probabilities, strict=True)])

    async def record(self, request: pb.RecordOutcomeRequest) -> pb.RecordOutcomeResponse:
        """Folds the reward into the chosen action's posterior unless an outcome was recorded before."""
        v = Violations()
        v.require(request.decision_id, "decision_id")
        if request.decision_id:
            try:
                uuid.UUID(request.decision_id)
            except ValueError:
                v.add("decision_id", "must be a decision id returned by RecommendAction")
        if request.reward != request.reward or abs(request.reward) == float("inf"):
            v.add("reward", "must be a finite number")
        v.raise_if_any()
        observed = request.observed_at.ToDatetime(tzinfo=UTC) if request.HasField("observed_at") else None
        try:
            fresh = await self.log.record_outcome(request.decision_id, request.reward, request.outcome, observed)
        except DecisionNotFound as exc:
            raise NotFound(str(exc)) from exc
        return pb.RecordOutcomeResponse(duplicate=not fresh)
