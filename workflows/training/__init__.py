"""Model training and batch scoring on the ``loom-training`` task queue.

The worker registers ``WORKFLOWS`` and ``make_activities(config)``; ``nightly_schedule`` creates the Temporal
schedule that scores every profile each night.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from workflows.training.types import TASK_QUEUE, BatchScoringInput, ModelChoice
from workflows.training.workflows import BatchScoringWorkflow, TrainModelWorkflow

WORKFLOWS = [TrainModelWorkflow, BatchScoringWorkflow]
NIGHTLY_SCHEDULE_ID = "prediction-nightly-batch-scoring"

__all__ = ["TASK_QUEUE", "WORKFLOWS", "make_activities", "nightly_schedule"]


def make_activities(config: Any) -> list[Any]:
    """The activity callables for a worker, bound to one TrainingActivities that owns the clients.

    ``config`` is a ``workflows.training.activities.TrainingConfig``. The import is deferred because the
    workflow sandbox re-imports this package for every workflow and must not pull torch in with it.
    """
    from workflows.training.activities import TrainingActivities

    acts = TrainingActivities(config)
    return [acts.train_and_register, acts.promote, acts.batch_score]


async def nightly_schedule(client: Any, models: list[str], hour_utc: int = 2) -> str:
    """Creates (or keeps) the nightly batch scoring schedule; returns its id."""
    from temporalio.client import (
        Schedule,
        ScheduleActionStartWorkflow,
        ScheduleAlreadyRunningError,
        ScheduleCalendarSpec,
        ScheduleRange,
        ScheduleSpec,
    )

    schedule = Schedule(
        action=ScheduleActionStartWorkflow(
            BatchScoringWorkflow.run,
            BatchScoringInput(job_id="nightly", models=[ModelChoice(m) for m in models], write_traits=True),
            id="prediction-batch-scoring-nightly",
            task_queue=TASK_QUEUE,
            execution_timeout=timedelta(hours=6),
        ),
        spec=ScheduleSpec(calendars=[ScheduleCalendarSpec(hour=[ScheduleRange(hour_utc)])]),
    )
    try:
        await client.create_schedule(NIGHTLY_SCHEDULE_ID, schedule)
    except ScheduleAlreadyRunningError:
        pass
    return NIGHTLY_SCHEDULE_ID
