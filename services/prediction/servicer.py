"""gRPC adapter of the prediction service: validation, consent, features, then Ray Serve or the registry."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import grpc
import numpy as np
from prometheus_client import Counter

from loom.identity.v1 import identity_pb2, identity_pb2_grpc
from loom.prediction.v1 import prediction_pb2 as pb
from loom.prediction.v1 import prediction_pb2_grpc as pb_grpc
from ml.registry import ModelRegistry
from services.common.auth import ADMIN, ANALYST, OPERATOR, SERVICE, MethodPolicy
from services.common.errors import Unavailable, Violations
from services.prediction.convert import card_to_proto, now, prediction_to_proto
from services.prediction.features import OnlineFeatures, ProfileFeatures, ProfilingAllowedAsync
from services.prediction.jobs import TrainingJobs
from services.prediction.privacy import PredictionPrivacy
from services.prediction.registry_api import RegistryApi
from services.prediction.rpc_bandit import BanditApi
from services.prediction.rpc_fraud import FraudApi
from services.prediction.serving import ServeClient

FULL_NAME = pb.DESCRIPTOR.services_by_name["PredictionService"].full_name
READERS = frozenset({SERVICE, OPERATOR, ANALYST})
POLICY = MethodPolicy(FULL_NAME, roles={
    "ListModels": READERS, "GetModel": READERS, "GetBatchScoringJob": READERS,
    "PromoteModel": frozenset({ADMIN, OPERATOR}), "TrainModel": frozenset({ADMIN, OPERATOR}),
    "StartBatchScoring": frozenset({ADMIN, OPERATOR, SERVICE}),
    # Chargeback feeds and review tools.
    "ReportFraudOutcome": frozenset({ADMIN, OPERATOR, SERVICE}),
    # Fraud training sets: the training worker and operators.
    "ExportFraudTransactions": frozenset({ADMIN, OPERATOR, SERVICE}),
    # Data-subject requests come from the privacy workflow only.
    "ExportPerson": frozenset({ADMIN, SERVICE}), "ErasePerson": frozenset({ADMIN, SERVICE}),
})
MAX_BATCH = 1024
PREDICTIONS = Counter("loom_prediction_predictions_total", "Predictions answered, by model and status",
                      ["model", "status"])


def _validate_models(models: Any, path: str, v: Violations) -> None:
    if not models:
        v.add(path, "at least one model is required")
    for i, ref in enumerate(models):
        v.require(ref.name, f"{path}[{i}].name")


class PredictionServicer(pb_grpc.PredictionServiceServicer):
    """Online scoring through Ray Serve, the registry and training/batch jobs on Temporal."""

    def __init__(self, registry: ModelRegistry, serve: ServeClient, features: OnlineFeatures,
                 identity: identity_pb2_grpc.IdentityServiceStub, profiling_allowed: ProfilingAllowedAsync,
                 jobs: TrainingJobs, fraud: FraudApi, bandit: BanditApi) -> None:
        self._serve = serve
        self._features = features
        self._identity = identity
        self._allowed = profiling_allowed
        self._registry_api = RegistryApi(registry)
        self._jobs = jobs
        self._fraud = fraud
        self._bandit = bandit
        self._privacy = PredictionPrivacy(registry.root, bandit.log, fraud)

    async def _profile_features(self, profile_id: str) -> tuple[int, ProfileFeatures | None]:
        """(status, features): consent is asked with the profile's identifiers before any event is read."""
        profile = await self._features.profile(profile_id)
        if profile is None:
            return pb.SCORE_STATUS_UNKNOWN_PROFILE, None
        if not await self._allowed(profile):
            return pb.SCORE_STATUS_NO_CONSENT, None
        found = await self._features.features(profile)
        return (pb.SCORE_STATUS_OK, found) if found else (pb.SCORE_STATUS_INSUFFICIENT_DATA, None)

    async def _score(self, refs: Any, rows: list[tuple[str, int, ProfileFeatures | None]]) -> list[list[pb.Prediction]]:
        """Per profile, one prediction per model; one Serve call per model for all scorable rows."""
        at = now()
        out: list[list[pb.Prediction]] = [[] for _ in rows]
        ready = [i for i, (_, status, f) in enumerate(rows) if status == pb.SCORE_STATUS_OK and f is not None]

        async def one_model(ref: Any) -> tuple[str, str, list[dict]] | None:
            if not ready:
                return None
            feats = np.stack([rows[i][2].row for i in ready])  # type: ignore[union-attr]  # ready rows have features
            hours = np.stack([rows[i][2].hours for i in ready])  # type: ignore[union-attr]
            answer = await self._serve.score(ref.name, ref.version, feats, hours)
            if "error" in answer:
                if not answer.get("unavailable"):
                    raise Unavailable(f"scoring with {ref.name} failed: {answer['error']}")
                return None
            return answer["model_version"], answer["kind"], answer["outputs"]

        answers = await asyncio.gather(*(one_model(ref) for ref in refs))
        for ref, answer in zip(refs, answers, strict=True):
            outputs = dict(zip(ready, answer[2], strict=True)) if answer else {}
            for i, (_profile_id, status, f) in enumerate(rows):
                if status != pb.SCORE_STATUS_OK:
                    pred = pb.Prediction(model_name=ref.name, model_version=ref.version, status=status)
                elif answer is None:
                    pred = pb.Prediction(model_name=ref.name, model_version=ref.version,
                                         status=pb.SCORE_STATUS_MODEL_UNAVAILABLE)
                else:
                    pred = prediction_to_proto(ref.name, answer[0], answer[1], outputs[i], at,
                                               f.timezone if f else "")
                pred.scored_at.FromDatetime(at)
                PREDICTIONS.labels(ref.name, pb.ScoreStatus.Name(pred.status)).inc()
                out[i].append(pred)
        return out

    async def _write(self, profile_ids: list[str], predictions: list[list[pb.Prediction]]) -> None:
        request = identity_pb2.WritePredictiveTraitsRequest()
        for profile_id, preds in zip(profile_ids, predictions, strict=True):
            ok = [p for p in preds if p.status == pb.SCORE_STATUS_OK]
            if ok:
                entry = request.predictions.add(profile_id=profile_id)
                for p in ok:
                    entry.traits.add(name=p.model_name, score=p.score, model_name=p.model_name,
                                     model_version=p.model_version, scored_at=p.scored_at)
        if request.predictions:
            try:
                await self._identity.WritePredictiveTraits(request, timeout=10)
            except grpc.aio.AioRpcError as exc:
                raise Unavailable(f"identity did not take the predictive traits: {exc.details()}") from exc

    async def Score(self, request: pb.ScoreRequest, context: grpc.aio.ServicerContext) -> pb.ScoreResponse:
        v = Violations()
        v.require(request.profile_id, "profile_id")
        _validate_models(request.models, "models", v)
        v.raise_if_any()
        status, feats = await self._profile_features(request.profile_id)
        predictions = (await self._score(request.models, [(request.profile_id, status, feats)]))[0]
        if request.write_traits:
            await self._write([request.profile_id], [predictions])
        return pb.ScoreResponse(predictions=predictions)

    async def BatchScore(self, request: pb.BatchScoreRequest,
                         context: grpc.aio.ServicerContext) -> pb.BatchScoreResponse:
        v = Violations()
        if not request.profile_ids:
            v.add("profile_ids", "at least one profile id is required")
        if len(request.profile_ids) > MAX_BATCH:
            v.add("profile_ids", f"at most {MAX_BATCH} profiles per call, got {len(request.profile_ids)}")
        for i, pid in enumerate(request.profile_ids):
            v.require(pid, f"profile_ids[{i}]", "must not be empty")
        _validate_models(request.models, "models", v)
        v.raise_if_any()
        found = await asyncio.gather(*(self._profile_features(pid) for pid in request.profile_ids))
        rows = [(pid, status, f) for pid, (status, f) in zip(request.profile_ids, found, strict=True)]
        predictions = await self._score(request.models, rows)
        if request.write_traits:
            await self._write(list(request.profile_ids), predictions)
        return pb.BatchScoreResponse(results=[pb.ProfilePredictions(profile_id=pid, predictions=p)
                                              for pid, p in zip(request.profile_ids, predictions, strict=True)])

    async def ScoreTransaction(self, request: pb.ScoreTransactionRequest,
                               context: grpc.aio.ServicerContext) -> pb.ScoreTransactionResponse:
        return await self._fraud.score(request)

    async def RecommendAction(self, request: pb.RecommendActionRequest,
                              context: grpc.aio.ServicerContext) -> pb.RecommendActionResponse:
        return await self._bandit.recommend(request)

    async def ReportFraudOutcome(self, request: pb.ReportFraudOutcomeRequest,
                                 context: grpc.aio.ServicerContext) -> pb.ReportFraudOutcomeResponse:
        return await self._fraud.report(request)

    async def ExportFraudTransactions(self, request: pb.ExportFraudTransactionsRequest,
                                      context: grpc.aio.ServicerContext
                                      ) -> AsyncIterator[pb.ExportFraudTransactionsResponse]:
        async for chunk in self._fraud.export(request):
            yield chunk

    async def RecordOutcome(self, request: pb.RecordOutcomeRequest,
                            context: grpc.aio.ServicerContext) -> pb.RecordOutcomeResponse:
        return await self._bandit.record(request)

    async def ListModels(self, request: pb.ListModelsRequest,
                         context: grpc.aio.ServicerContext) -> pb.ListModelsResponse:
        return await self._registry_api.list(request)

    async def GetModel(self, request: pb.GetModelRequest, context: grpc.aio.ServicerContext) -> pb.GetModelResponse:
        return pb.GetModelResponse(model=card_to_proto(await self._registry_api.get(request.model, "model")))

    async def PromoteModel(self, request: pb.PromoteModelRequest,
                           context: grpc.aio.ServicerContext) -> pb.PromoteModelResponse:
        card, previous = await self._registry_api.promote(request)
        return pb.PromoteModelResponse(model=card_to_proto(card), previous_version=previous)

    async def TrainModel(self, request: pb.TrainModelRequest,
                         context: grpc.aio.ServicerContext) -> pb.TrainModelResponse:
        workflow_id, version = await self._jobs.train(request)
        return pb.TrainModelResponse(workflow_id=workflow_id, version=version)

    async def StartBatchScoring(self, request: pb.StartBatchScoringRequest,
                                context: grpc.aio.ServicerContext) -> pb.StartBatchScoringResponse:
        job_id, workflow_id = await self._jobs.start_batch(request)
        return pb.StartBatchScoringResponse(job_id=job_id, workflow_id=workflow_id)

    async def GetBatchScoringJob(self, request: pb.GetBatchScoringJobRequest,
                                 context: grpc.aio.ServicerContext) -> pb.GetBatchScoringJobResponse:
        return pb.GetBatchScoringJobResponse(job=await self._jobs.batch_job(request.job_id))

    async def ExportPerson(self, request: pb.ExportPersonRequest,
                           context: grpc.aio.ServicerContext) -> pb.ExportPersonResponse:
        return await self._privacy.export(request.subject)

    async def ErasePerson(self, request: pb.ErasePersonRequest,
                          context: grpc.aio.ServicerContext) -> pb.ErasePersonResponse:
        return await self._privacy.erase(request.subject)
