"""Stage 4: train a purchase-propensity model through the training workflow, then batch-score every profile.

Both go through the prediction service (TrainModel, StartBatchScoring), which starts the Temporal workflows
the worker runs: the archive becomes a point-in-time dataset, the model must beat its RFM baseline, and the
scores land on the profiles as predictive traits. The journey reads that trait from the profile, so no online
Score call (and no Ray Serve) is needed for the story.
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime

from google.protobuf import struct_pb2
from rich.console import Console
from temporalio.client import Client

from infra.demo.report import DemoStageError, ModelNumbers, progress
from loom.prediction.v1 import prediction_pb2 as pb
from loom.prediction.v1 import prediction_pb2_grpc

MODEL = "demo_purchase_propensity"
HORIZON_DAYS = 30
EPOCHS = 40


def _status(value: int) -> str:
    return pb.ModelStatus.Name(value).removeprefix("MODEL_STATUS_").lower()


async def train(stub: prediction_pb2_grpc.PredictionServiceStub, client: Client, numbers: ModelNumbers,
                console: Console, run_key: str) -> None:
    """TrainModel, waits for the workflow, reads the model card (metrics next to the baseline's)."""
    target = struct_pb2.Struct()
    target.update({"horizon_days": HORIZON_DAYS})
    hyper = struct_pb2.Struct()
    hyper.update({"epochs": EPOCHS})
    request = pb.TrainModelRequest(name=MODEL, kind=pb.MODEL_KIND_PROPENSITY, target=target, hyperparameters=hyper,
                                   auto_promote=True, idempotency_key=f"demo-{run_key}")
    request.data_window.end.FromDatetime(datetime.now(UTC))
    started = time.perf_counter()
    reply = await stub.TrainModel(request, timeout=30)
    with progress(console) as bar:
        task = bar.add_task("training (TrainModel)", total=1)
        try:
            await client.get_workflow_handle(reply.workflow_id).result()
        except Exception as exc:  # the workflow's failure, whatever its type, ends the stage with its message
            raise DemoStageError("predictions", f"training workflow {reply.workflow_id} failed: {exc}; "
                                 "see the worker log") from exc
        bar.advance(task)
    numbers.train_seconds = time.perf_counter() - started
    card = (await stub.GetModel(pb.GetModelRequest(model=pb.ModelRef(name=MODEL, version=reply.version)),
                                timeout=30)).model
    numbers.name, numbers.version, numbers.status = MODEL, card.version, _status(card.status)
    numbers.training_rows, numbers.excluded_by_consent = card.training_rows, card.excluded_by_consent
    numbers.baseline = card.baseline
    numbers.metrics = [(m.name, m.value, m.baseline_value, m.higher_is_better) for m in card.metrics]


async def batch_score(stub: prediction_pb2_grpc.PredictionServiceStub, numbers: ModelNumbers, console: Console,
                      run_key: str, timeout_s: float = 300.0) -> None:
    """StartBatchScoring with write_traits; follows the job until it finishes."""
    started = time.perf_counter()
    reply = await stub.StartBatchScoring(pb.StartBatchScoringRequest(
        models=[pb.ModelRef(name=numbers.name, version=numbers.version)], write_traits=True,
        idempotency_key=f"demo-{run_key}"), timeout=30)
    deadline = time.monotonic() + timeout_s
    with progress(console) as bar:
        task = bar.add_task("batch scoring profiles", total=None)
        while True:
            job = (await stub.GetBatchScoringJob(pb.GetBatchScoringJobRequest(job_id=reply.job_id), timeout=30)).job
            if job.profiles_total:
                bar.update(task, total=job.profiles_total, completed=job.profiles_scored + job.profiles_skipped)
            # The running workflow's query may already say SUCCEEDED; the counts come with the closed run.
            if job.state == pb.BATCH_SCORING_STATE_SUCCEEDED and job.HasField("finished_at"):
                break
            if job.state in (pb.BATCH_SCORING_STATE_FAILED, pb.BATCH_SCORING_STATE_CANCELLED):
                raise DemoStageError("predictions", f"batch scoring job {job.job_id} ended "
                                     f"{pb.BatchScoringState.Name(job.state)}: {job.error or 'see the worker log'}")
            if time.monotonic() > deadline:
                raise DemoStageError("predictions", f"batch scoring job {job.job_id} still running after "
                                     f"{timeout_s:.0f} s; see the worker log")
            await asyncio.sleep(0.5)
    numbers.profiles_total, numbers.profiles_scored = job.profiles_total, job.profiles_scored
    numbers.profiles_skipped = job.profiles_skipped
    numbers.score_seconds = time.perf_counter() - started
