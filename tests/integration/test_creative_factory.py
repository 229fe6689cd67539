"""The factory workflow on a real Temporal dev server: a worker crashes mid-batch, a new worker resumes the
run, every item ends up in the library exactly once, and the contact sheet is drawn."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path

import pytest
from PIL import Image
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from ml.creative.library import CreativeLibrary
from workflows.factory import WORKFLOWS
from workflows.factory.activities import FactoryActivities
from workflows.factory.types import FactoryInput, workflow_id
from workflows.factory.workflow import FactoryWorkflow

pytestmark = pytest.mark.integration
CATEGORIES = ["bags/handbags", "shoes/sneakers", "home/lamps", "toys/plush"]


class FakeTopCategories:
    """Stands in for the ingestion service's TopCategories RPC."""

    async def top(self, market: str, day: dt.date, limit: int) -> list[str]:
        return CATEGORIES[:limit]


async def test_factory_resumes_after_a_worker_crash(temporal_env: WorkflowEnvironment, task_queue: str,
                                                    tmp_path: Path) -> None:
    library = CreativeLibrary(tmp_path)
    params = FactoryInput(market="SE", date="2026-05-28", categories_limit=4, languages=["sv", "ar"],
                          touchpoints=["email_hero", "push_thumbnail"], parallelism=1)
    first = FactoryActivities(library, FakeTopCategories())
    run_id = "SE-2026-05-28"
    worker = Worker(temporal_env.client, task_queue=task_queue, workflows=WORKFLOWS, activities=first.all(),
                    graceful_shutdown_timeout=dt.timedelta(seconds=0))
    runner = asyncio.create_task(worker.run())
    handle = await temporal_env.client.start_workflow(
        FactoryWorkflow.run, params, id=f"{workflow_id('SE', params.date)}-{task_queue}", task_queue=task_queue)
    while len(list(library.items(run_id))) < 1:
        await asyncio.sleep(0.1)
    await worker.shutdown()  # the crash: the worker goes away with the batch half done
    await asyncio.gather(runner, return_exceptions=True)
    assert len(list(library.items(run_id))) < len(CATEGORIES)

    second = FactoryActivities(library, FakeTopCategories())
    async with Worker(temporal_env.client, task_queue=task_queue, workflows=WORKFLOWS, activities=second.all()):
        progress = await handle.result()

    assert progress.categories == progress.done == len(CATEGORIES) and progress.failed == 0
    assert first.produced_items >= 1 and second.produced_items >= 1
    records = list(library.items(run_id))
    assert sorted(r["category"] for r in records) == sorted(CATEGORIES)
    for record in records:
        assert len(record["assets"]) == 1 + 2 * 2  # master + 2 touchpoints x 2 languages
        assert all(Path(a["uri"]).exists() for a in record["assets"])
        assert record["occasion_id"] == "se-mothers-day-2026"
    assert progress.assets == 4 * 5 and progress.passed == 4 * 4
    sheet = Image.open(progress.sheet)
    assert sheet.width > 1000 and sheet.height > 300
