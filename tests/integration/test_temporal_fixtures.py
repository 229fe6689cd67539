"""The Temporal fixtures run real servers: a workflow with an activity, and a month-long timer skipped."""

from __future__ import annotations

from datetime import timedelta

import pytest
from temporalio import activity, workflow
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

pytestmark = pytest.mark.integration


@activity.defn
async def greet(name: str) -> str:
    return f"hello {name}"


@workflow.defn
class GreetingWorkflow:
    @workflow.run
    async def run(self, name: str) -> str:
        return await workflow.execute_activity(greet, name, start_to_close_timeout=timedelta(seconds=10))


@workflow.defn
class MonthlyReminderWorkflow:
    @workflow.run
    async def run(self) -> str:
        await workflow.sleep(timedelta(days=30))
        return "reminded"


async def test_dev_server_runs_a_workflow_with_an_activity(temporal_env: WorkflowEnvironment, task_queue: str) -> None:
    async with Worker(temporal_env.client, task_queue=task_queue, workflows=[GreetingWorkflow], activities=[greet]):
        result = await temporal_env.client.execute_workflow(
            GreetingWorkflow.run, "ada", id=f"greet-{task_queue}", task_queue=task_queue
        )
    assert result == "hello ada"


async def test_time_skipping_env_skips_a_30_day_timer(
    temporal_time_skipping_env: WorkflowEnvironment, task_queue: str
) -> None:
    client = temporal_time_skipping_env.client
    async with Worker(client, task_queue=task_queue, workflows=[MonthlyReminderWorkflow]):
        before = await temporal_time_skipping_env.get_current_time()
        result = await client.execute_workflow(MonthlyReminderWorkflow.run, id=f"remind-{task_queue}",
                                               task_queue=task_queue)
        after = await temporal_time_skipping_env.get_current_time()
    assert result == "reminded"
    assert after - before >= timedelta(days=30)
