"""TrainModel and BatchScoring workflows: durable orchestration; the heavy work lives in the activities."""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from workflows.training.types import BatchScoringInput, BatchScoringResult, TrainModelInput, TrainModelResult

# Training is CPU-bound for minutes; a lost worker is noticed through heartbeats, not the full timeout.
_HEAVY_TIMEOUT = timedelta(hours=2)
_HEARTBEAT = timedelta(minutes=2)
_HEAVY_RETRY = RetryPolicy(maximum_attempts=3, initial_interval=timedelta(seconds=5),
                           non_retryable_error_types=["InvalidTrainingRequest"])


@workflow.defn(name="TrainModel")
class TrainModelWorkflow:
    """Builds a point-in-time dataset, trains, evaluates against the baseline, registers, and promotes when
    asked and the model won."""

    @workflow.run
    async def run(self, params: TrainModelInput) -> TrainModelResult:
        result: TrainModelResult = await workflow.execute_activity(
            "training.train_and_register", params, result_type=TrainModelResult,
            start_to_close_timeout=_HEAVY_TIMEOUT, heartbeat_timeout=_HEARTBEAT, retry_policy=_HEAVY_RETRY,
        )
        if params.auto_promote and result.beats_baseline:
            await workflow.execute_activity(
                "training.promote", result, start_to_close_timeout=timedelta(seconds=60),
                retry_policy=RetryPolicy(maximum_attempts=5),
            )
            result.promoted = True
            result.status = "active"
        return result


@workflow.defn(name="BatchScoring")
class BatchScoringWorkflow:
    """Scores every consenting profile with the chosen models (on Ray when connected) and writes traits back."""

    def __init__(self) -> None:
        self._state = "pending"

    @workflow.query(name="state")
    def state(self) -> str:
        """pending, running, succeeded or failed."""
        return self._state

    @workflow.run
    async def run(self, params: BatchScoringInput) -> BatchScoringResult:
        if not params.as_of:
            params.as_of = workflow.now().isoformat()
        self._state = "running"
        try:
            result: BatchScoringResult = await workflow.execute_activity(
                "training.batch_score", params, result_type=BatchScoringResult,
                start_to_close_timeout=_HEAVY_TIMEOUT, heartbeat_timeout=_HEARTBEAT, retry_policy=_HEAVY_RETRY,
            )
        except Exception:
            self._state = "failed"
            raise
        self._state = "succeeded"
        return result
