"""DataSubjectRequestWorkflow in the time-skipping server, with every store played by a test fake registered
under the real activity name: order of visits, receipts, dry runs, refusals and the SLA budget."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from temporalio import activity
from temporalio.exceptions import ApplicationError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from loom.consent.v1 import consent_pb2 as pb
from workflows.privacy import WORKFLOWS
from workflows.privacy.activities import PrivacyActivities
from workflows.privacy.types import (
    ACCESS,
    ERASURE,
    PROGRESS_ACTIVITY,
    RESOLVE_ACTIVITY,
    STORES,
    DsrInput,
    DsrOutcome,
    Progress,
    Receipt,
    StoreCall,
    StoreResult,
    SubjectIdentifier,
    erase_activity,
    export_activity,
)

pytestmark = pytest.mark.integration
ADA = [SubjectIdentifier("email", "ada@example.com")]


@dataclass
class FakeStores:
    """Test fakes for the store, resolve and progress activities; records every call they get."""

    export_dir: Path
    refuse: str = ""
    unavailable: str = ""
    calls: list[tuple[str, StoreCall]] = field(default_factory=list)
    progress: list[Progress] = field(default_factory=list)

    def activities(self, stores: Sequence[str] = STORES, support: bool = True) -> list[Callable[..., Any]]:
        """Fakes for ``stores``; with ``support`` also resolve, progress and the real bundle writer."""
        out: list[Callable[..., Any]] = []
        if support:
            out += [self.fake_resolve, self.fake_progress,
                    PrivacyActivities({}, None, None, self.export_dir).write_bundle]
        for store in stores:
            out.append(activity.defn(name=erase_activity(store))(self._fake_store(store, "erase")))
            out.append(activity.defn(name=export_activity(store))(self._fake_store(store, "export")))
        return out

    def _fake_store(self, store: str, op: str) -> Callable[[StoreCall], Any]:
        async def fake_store(call: StoreCall) -> StoreResult:
            self.calls.append((f"{op}.{store}", call))
            if store == self.refuse:
                raise ApplicationError(f"{store} refused: UNIMPLEMENTED", type="StoreRefused", non_retryable=True)
            if store == self.unavailable:
                raise ApplicationError(f"{store} unavailable", type="StoreUnavailable")
            erased = 0 if call.dry_run or op == "export" else 2
            receipt = Receipt(f"{store}.main", 2, erased, datetime.now(UTC).isoformat(), "fake")
            path = ""
            if op == "export":
                target = self.export_dir / call.request_id / f"{store}.json"
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text("{}")
                path = str(target)
            return StoreResult(store, [receipt], path)

        return fake_store

    @activity.defn(name=RESOLVE_ACTIVITY)
    async def fake_resolve(self, identifiers: list[SubjectIdentifier]) -> list[SubjectIdentifier]:
        return [SubjectIdentifier("profile_id", "p-1")]

    @activity.defn(name=PROGRESS_ACTIVITY)
    async def fake_progress(self, progress: Progress) -> None:
        self.progress.append(progress)


async def run(env: WorkflowEnvironment, task_queue: str, fakes: FakeStores, params: DsrInput) -> DsrOutcome:
    async with Worker(env.client, task_queue=task_queue, workflows=WORKFLOWS, activities=fakes.activities()):
        return await env.client.execute_workflow("DataSubjectRequest", params, id=f"dsr-{params.request_id}",
                                                 task_queue=task_queue, result_type=DsrOutcome)


async def test_erasure_visits_every_store_in_order_and_collects_a_receipt_each(
        temporal_time_skipping_env: WorkflowEnvironment, task_queue: str, tmp_path: Path) -> None:
    fakes = FakeStores(tmp_path)
    outcome = await run(temporal_time_skipping_env, task_queue, fakes, DsrInput("r1", ERASURE, ADA))
    assert outcome.completed
    assert [name for name, _ in fakes.calls] == [f"erase.{s}" for s in STORES]
    assert all(c.identifiers == [*ADA, SubjectIdentifier("profile_id", "p-1")] for _, c in fakes.calls)
    assert [r.store for r in outcome.receipts] == [f"{s}.main" for s in STORES]
    assert all(r.items_erased == 2 for r in outcome.receipts)
    states = [p.state for p in fakes.progress]
    assert states[0] == pb.DATA_SUBJECT_REQUEST_STATE_RUNNING
    assert states[-1] == pb.DATA_SUBJECT_REQUEST_STATE_COMPLETED
    assert sum(len(p.receipts) for p in fakes.progress) == len(STORES)


async def test_a_dry_run_reaches_every_store_as_a_dry_run(
        temporal_time_skipping_env: WorkflowEnvironment, task_queue: str, tmp_path: Path) -> None:
    fakes = FakeStores(tmp_path)
    outcome = await run(temporal_time_skipping_env, task_queue, fakes, DsrInput("r2", ERASURE, ADA, dry_run=True))
    assert outcome.completed and all(c.dry_run for _, c in fakes.calls)
    assert all(r.items_found == 2 and r.items_erased == 0 for r in outcome.receipts)


async def test_access_exports_every_store_and_writes_a_bundle(
        temporal_time_skipping_env: WorkflowEnvironment, task_queue: str, tmp_path: Path) -> None:
    fakes = FakeStores(tmp_path)
    outcome = await run(temporal_time_skipping_env, task_queue, fakes, DsrInput("r3", ACCESS, ADA))
    assert outcome.completed and [n for n, _ in fakes.calls] == [f"export.{s}" for s in STORES]
    assert outcome.export_uri == (tmp_path / "r3").resolve().as_uri()
    manifest = (tmp_path / "r3" / "manifest.json").read_text()
    assert all(f'"{s}": "{s}.json"' in manifest for s in STORES)
    assert fakes.progress[-1].export_uri == outcome.export_uri


async def test_a_refusing_store_fails_the_request_naming_it_and_keeps_earlier_receipts(
        temporal_time_skipping_env: WorkflowEnvironment, task_queue: str, tmp_path: Path) -> None:
    fakes = FakeStores(tmp_path, refuse="ingestion")
    outcome = await run(temporal_time_skipping_env, task_queue, fakes, DsrInput("r4", ERASURE, ADA))
    assert not outcome.completed and outcome.error.startswith("store ingestion:")
    assert [r.store for r in outcome.receipts] == ["forwarding.main", "prediction.main", "creative.main"]
    assert fakes.progress[-1].state == pb.DATA_SUBJECT_REQUEST_STATE_FAILED
    assert "ingestion" in fakes.progress[-1].error
    assert "erase.identity" not in [n for n, _ in fakes.calls]


async def test_a_store_down_past_the_due_date_fails_the_request_instead_of_retrying_forever(
        temporal_time_skipping_env: WorkflowEnvironment, task_queue: str, tmp_path: Path) -> None:
    fakes = FakeStores(tmp_path, unavailable="prediction")
    due = (await temporal_time_skipping_env.get_current_time()) + timedelta(hours=2)
    outcome = await run(temporal_time_skipping_env, task_queue, fakes,
                        DsrInput("r5", ERASURE, ADA, due_at=due.isoformat()))
    assert not outcome.completed and outcome.error.startswith("store prediction:")
    attempts = [n for n, _ in fakes.calls if n == "erase.prediction"]
    assert len(attempts) > 3
    assert fakes.progress[-1].state == pb.DATA_SUBJECT_REQUEST_STATE_FAILED
