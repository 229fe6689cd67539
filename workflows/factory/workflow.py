"""The nightly factory as a Temporal workflow: plan briefs, fan items out (bounded), then a contact sheet.

Resumable: a crashed worker loses nothing. Temporal replays finished activities from history and retries the
unfinished ones on the next worker, and every item activity is idempotent (the library keys items by id).
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from workflows.factory.types import (
        PLAN_ACTIVITY,
        PRODUCE_ACTIVITY,
        SHEET_ACTIVITY,
        BriefItem,
        FactoryInput,
        ItemResult,
        Progress,
    )

RETRY = RetryPolicy(initial_interval=timedelta(seconds=1), maximum_attempts=5)


@workflow.defn(name="CreativeFactory")
class FactoryWorkflow:
    """Produces every asset of one market's night."""

    def __init__(self) -> None:
        self._progress = Progress()

    @workflow.query
    def progress(self) -> Progress:
        """Counts so far, for the CLI's progress bar."""
        return self._progress

    @workflow.run
    async def run(self, params: FactoryInput) -> Progress:
        """Runs the night."""
        items = await workflow.execute_activity(
            PLAN_ACTIVITY, params, result_type=list[BriefItem],
            start_to_close_timeout=timedelta(minutes=2), retry_policy=RETRY)
        self._progress.categories = len(items)
        limit = asyncio.Semaphore(max(1, params.parallelism))

        async def one(item: BriefItem) -> None:
            async with limit:
                try:
                    result = await workflow.execute_activity(
                        PRODUCE_ACTIVITY, item, result_type=ItemResult,
                        start_to_close_timeout=timedelta(minutes=10), heartbeat_timeout=timedelta(minutes=2),
                        retry_policy=RETRY)
                except Exception:  # noqa: BLE001 - an item failing for good is counted, the night goes on
                    self._progress.failed += 1
                    return
            p = self._progress
            p.done += 1
            p.assets += result.assets
            p.passed += result.passed
            p.needs_review += result.needs_review
            p.rejected += result.rejected

        await asyncio.gather(*(one(i) for i in items))
        self._progress.sheet = await workflow.execute_activity(
            SHEET_ACTIVITY, params, result_type=str, start_to_close_timeout=timedelta(minutes=5), retry_policy=RETRY)
        return self._progress
