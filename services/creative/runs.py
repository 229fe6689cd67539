"""Factory runs: started as the ``CreativeFactory`` Temporal workflow, tracked in ``factory_runs``.

The workflow is the source of truth for progress; reading a run asks Temporal (the workflow's ``progress``
query while it runs, its result once it finished) and stores what it learnt, so a run stays readable when
Temporal is briefly away. When a run has finished, its items on disk are indexed into the library (idempotent),
which covers workers that ran without a database.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import logging
import zoneinfo
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import func, select, update
from temporalio.client import Client, WorkflowExecutionStatus, WorkflowHandle
from temporalio.common import WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError

from ml.creative.brand import load_markets
from ml.creative.library import CreativeLibrary
from services.common.errors import FieldViolation, InvalidArgument, NotFound, Unavailable
from services.common.storage import Database, insert_ignore
from services.creative.library_index import LibraryIndex, now_utc
from services.creative.tables import factory_runs
from workflows.factory.types import FactoryInput, Progress, run_id_of, workflow_id
from workflows.factory.workflow import FactoryWorkflow

log = logging.getLogger("loom.creative.runs")
FINISHED = {WorkflowExecutionStatus.COMPLETED: "succeeded", WorkflowExecutionStatus.FAILED: "failed",
            WorkflowExecutionStatus.TERMINATED: "failed", WorkflowExecutionStatus.TIMED_OUT: "failed",
            WorkflowExecutionStatus.CANCELED: "cancelled"}


def validate_start(market: str, date: str, categories_limit: int) -> str:
    """Checks a StartFactoryRun request; returns the day (today in the market's time zone when empty)."""
    markets = load_markets()
    problems: list[FieldViolation] = []
    if not market:
        problems.append(FieldViolation("market", "is required"))
    elif market not in markets:
        problems.append(FieldViolation("market", f"unknown market {market!r}; known: {', '.join(sorted(markets))}"))
    if date:
        try:
            dt.date.fromisoformat(date)
        except ValueError:
            problems.append(FieldViolation("date", f"{date!r} is not a YYYY-MM-DD date"))
    if categories_limit < 0 or categories_limit > 200:
        problems.append(FieldViolation("categories_limit", "must be between 0 (default 30) and 200"))
    if problems:
        raise InvalidArgument(problems)
    if not date:
        date = dt.datetime.now(zoneinfo.ZoneInfo(markets[market].time_zone)).date().isoformat()
    return date


class FactoryRuns:
    """Starts and tracks factory runs."""

    def __init__(self, db: Database, index: LibraryIndex, library: CreativeLibrary,
                 connect: Callable[[], Awaitable[Client]], task_queue: str) -> None:
        self.db, self.index, self.library = db, index, library
        self._connect, self.task_queue = connect, task_queue
        self._client: Client | None = None
        self._lock = asyncio.Lock()

    async def client(self) -> Client:
        """The Temporal client, connected on first use so the service starts without Temporal."""
        async with self._lock:
            if self._client is None:
                try:
                    self._client = await self._connect()
                except Exception as exc:  # noqa: BLE001 - any connection failure means "Temporal is away"
                    raise Unavailable(f"cannot reach Temporal to run the factory: {exc}", 5.0) from exc
            return self._client

    async def start(self, params: FactoryInput) -> tuple[dict[str, Any], bool]:
        """Starts the workflow for a market and day unless it exists; returns the run and whether it existed."""
        run_id = run_id_of(params.market, params.date, params.brand_id)
        wf_id = workflow_id(params.market, params.date, params.brand_id)
        client = await self.client()
        already = False
        try:
            await client.start_workflow(FactoryWorkflow.run, params, id=wf_id, task_queue=self.task_queue,
                                        id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE)
        except WorkflowAlreadyStartedError:
            already = True
        except RPCError as exc:
            raise Unavailable(f"Temporal refused to start {wf_id}: {exc}", 5.0) from exc
        row = {"run_id": run_id, "workflow_id": wf_id, "market": params.market, "date": params.date,
               "state": "running", "params": dataclasses.asdict(params), "progress": {}, "categories": [],
               "error": "", "started_at": now_utc(), "finished_at": None}
        async with self.db.begin() as conn:
            inserted = (await conn.execute(insert_ignore(factory_runs, [row], ["run_id"]))).rowcount
        return await self.get(run_id), already or not inserted

    async def get(self, run_id: str, refresh: bool = True) -> dict[str, Any]:
        """A run, refreshed from Temporal when it has not finished yet."""
        async with self.db.connect() as conn:
            found = (await conn.execute(select(factory_runs).where(factory_runs.c.run_id == run_id))).first()
        if found is None:
            raise NotFound(f"factory run {run_id!r} does not exist")
        row = dict(found._mapping)
        if refresh and row["state"] in ("pending", "running"):
            row = await self._refresh(row)
        return row

    async def _refresh(self, row: dict[str, Any]) -> dict[str, Any]:
        try:
            handle: WorkflowHandle[Any, Progress] = (await self.client()).get_workflow_handle(
                row["workflow_id"], result_type=Progress)
            status = (await handle.describe()).status
            changes: dict[str, Any] = {}
            if status in FINISHED:
                changes["state"] = FINISHED[status]
                changes["finished_at"] = now_utc()
                if status == WorkflowExecutionStatus.COMPLETED:
                    changes["progress"] = dataclasses.asdict(await handle.result())
                else:
                    changes["error"] = f"workflow ended {status.name.lower()}"
            else:
                progress: Progress = await asyncio.wait_for(
                    handle.query(FactoryWorkflow.progress), 3)
                changes = {"state": "running" if progress.categories else "pending",
                           "progress": dataclasses.asdict(progress)}
        except (Unavailable, RPCError, TimeoutError) as exc:
            log.warning("factory run %s not refreshed: %s", row["run_id"], exc)
            return row
        if changes.get("state") == "succeeded":
            categories = []
            for record in self.library.items(row["run_id"]):
                await self.index.record_item(record)
                categories.append(record["category"])
            changes["categories"] = categories
        async with self.db.begin() as conn:
            await conn.execute(update(factory_runs).where(factory_runs.c.run_id == row["run_id"]).values(**changes))
        return {**row, **changes}

    async def list(self, market: str, state: str, offset: int, size: int) -> tuple[list[dict[str, Any]], int]:
        """Runs, newest first, with the total."""
        where = [c for c in (factory_runs.c.market == market if market else None,
                             factory_runs.c.state == state if state else None) if c is not None]
        async with self.db.connect() as conn:
            total = int((await conn.execute(select(func.count()).select_from(factory_runs).where(*where)))
                        .scalar_one())
            rows = await conn.execute(select(factory_runs.c.run_id).where(*where)
                                      .order_by(factory_runs.c.started_at.desc()).offset(offset).limit(size))
            ids = [r.run_id for r in rows]
        return [await self.get(i) for i in ids], total
