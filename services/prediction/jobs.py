"""Training and batch scoring runs as Temporal workflows on the ``loom-training`` task queue."""

from __future__ import annotations

import asyncio
import hashlib
from datetime import UTC, datetime
from typing import Any

from loom.prediction.v1 import prediction_pb2 as pb
from ml.registry import new_version, valid_name
from ml.training import KINDS
from services.common.errors import FailedPrecondition, NotFound, Unavailable, Violations
from services.prediction.convert import KIND_FROM_PROTO
from workflows.training.types import TASK_QUEUE, BatchScoringInput, ModelChoice, TrainModelInput

_STATES = {"pending": pb.BATCH_SCORING_STATE_PENDING, "running": pb.BATCH_SCORING_STATE_RUNNING,
           "succeeded": pb.BATCH_SCORING_STATE_SUCCEEDED, "failed": pb.BATCH_SCORING_STATE_FAILED}


def _key(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()[:16]


class TrainingJobs:
    """Starts and reads the workflows. Temporal is connected on first use, so scoring never waits for it and
    the service starts while Temporal is still coming up."""

    def __init__(self, address: str, namespace: str = "default", task_queue: str = TASK_QUEUE) -> None:
        self._address = address
        self._task_queue = task_queue
        self._namespace = namespace
        self._temporal: Any | None = None
        self._lock = asyncio.Lock()

    async def _client(self) -> Any:
        if not self._address:
            raise FailedPrecondition("training and batch scoring need Temporal: set LOOM_TEMPORAL_ADDRESS")
        async with self._lock:
            if self._temporal is None:
                from temporalio.client import Client

                try:
                    self._temporal = await Client.connect(self._address, namespace=self._namespace)
                except RuntimeError as exc:  # the SDK reports connection failures as RuntimeError
                    raise Unavailable(f"Temporal at {self._address} is unreachable: {exc}", 5.0) from exc
        return self._temporal

    async def _start(self, workflow: str, arg: Any, workflow_id: str, memo: dict[str, str]) -> dict[str, str]:
        """Starts the workflow; with an id already used (same idempotency key) returns that run's memo."""
        from temporalio.common import WorkflowIDReusePolicy
        from temporalio.exceptions import WorkflowAlreadyStartedError

        try:
            client = await self._client()
            await client.start_workflow(workflow, arg, id=workflow_id, task_queue=self._task_queue, memo=memo,
                                        id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE)
            return memo
        except WorkflowAlreadyStartedError:
            described = await (await self._client()).get_workflow_handle(workflow_id).describe()
            return {k: str(v) for k, v in (await described.memo()).items()}

    async def train(self, request: pb.TrainModelRequest) -> tuple[str, str]:
        """Starts TrainModel; returns (workflow id, version)."""
        v = Violations()
        if not valid_name(request.name):
            v.add("name", "must be a lower-case identifier of 2 to 63 characters, e.g. propensity_card")
        kind = KIND_FROM_PROTO.get(request.kind, "")
        if kind not in (*KINDS, "fraud"):
            v.add("kind", f"one of {', '.join((*KINDS, 'fraud'))} is required")
        target = dict(request.target) if request.HasField("target") else {}
        hyper = dict(request.hyperparameters) if request.HasField("hyperparameters") else {}
        for field in ("hidden", "epochs"):
            if field in hyper and (not isinstance(hyper[field], float) or hyper[field] < 1):
                v.add(f"hyperparameters.{field}", "must be a positive number")
        if "horizon_days" in target and (not isinstance(target["horizon_days"], float) or target["horizon_days"] < 1):
            v.add("target.horizon_days", "must be a positive number of days")
        v.raise_if_any()
        cutoff = (request.data_window.end.ToDatetime(tzinfo=UTC) if request.data_window.HasField("end")
                  else datetime.now(UTC))
        version = new_version()
        key = request.idempotency_key or version
        workflow_id = f"train-{request.name}-{_key(key)}"
        params = TrainModelInput(
            name=request.name, kind=kind, version=version, cutoff=cutoff.isoformat(),
            horizon_days=int(target.get("horizon_days", 0)), category=str(target.get("category", "")),
            hidden=int(hyper.get("hidden", 32)), epochs=int(hyper.get("epochs", 60)),
            auto_promote=request.auto_promote,
        )
        memo = await self._start("TrainModel", params, workflow_id, {"version": version})
        return workflow_id, memo.get("version", version)

    async def start_batch(self, request: pb.StartBatchScoringRequest) -> tuple[str, str]:
        """Starts BatchScoring over every profile; returns (job id, workflow id)."""
        v = Violations()
        if not request.models:
            v.add("models", "at least one model is required")
        for i, ref in enumerate(request.models):
            v.require(ref.name, f"models[{i}].name")
        if request.audience_id:
            v.add("audience_id", "scoring one audience is not supported yet; leave it empty for every profile")
        v.raise_if_any()
        job_id = _key(request.idempotency_key) if request.idempotency_key else new_version()
        workflow_id = f"batch-scoring-{job_id}"
        params = BatchScoringInput(job_id=job_id, models=[ModelChoice(m.name, m.version) for m in request.models],
                                   write_traits=request.write_traits)
        await self._start("BatchScoring", params, workflow_id, {"job_id": job_id})
        return job_id, workflow_id

    async def batch_job(self, job_id: str) -> pb.BatchScoringJob:
        """A job's state and, once finished, its counts."""
        from temporalio.client import WorkflowExecutionStatus
        from temporalio.service import RPCError

        v = Violations()
        v.require(job_id, "job_id")
        v.raise_if_any()
        handle = (await self._client()).get_workflow_handle(f"batch-scoring-{job_id}")
        try:
            described = await handle.describe()
        except RPCError as exc:
            raise NotFound(f"no batch scoring job {job_id}") from exc
        job = pb.BatchScoringJob(job_id=job_id, workflow_id=handle.id)
        job.started_at.FromDatetime(described.start_time)
        if described.status == WorkflowExecutionStatus.COMPLETED:
            result = await handle.result()
            job.state = pb.BATCH_SCORING_STATE_SUCCEEDED
            job.profiles_total, job.profiles_scored = result["profiles_total"], result["profiles_scored"]
            job.profiles_skipped = result["profiles_skipped"]
            for name, version in result["model_versions"].items():
                job.models.add(name=name, version=version)
            if described.close_time:
                job.finished_at.FromDatetime(described.close_time)
        elif described.status == WorkflowExecutionStatus.RUNNING:
            job.state = _STATES[await handle.query("state")]
        elif described.status == WorkflowExecutionStatus.CANCELED:
            job.state = pb.BATCH_SCORING_STATE_CANCELLED
        else:
            job.state = pb.BATCH_SCORING_STATE_FAILED
            job.error = f"workflow ended {described.status.name.lower() if described.status else 'unknown'}"
        return job
