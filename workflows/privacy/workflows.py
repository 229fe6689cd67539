"""DataSubjectRequestWorkflow: visits every store for an access or erasure request and collects receipts.

Each store is one activity with its own retries; the retry budget of a store call ends at the request's
legal due date, so a store that stays down fails the request visibly (state FAILED, the error naming the
store) instead of letting it slip past its SLA in silence. Receipts are reported to the consent service
after every store, so progress survives anything that happens to the workflow later.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError, FailureError

with workflow.unsafe.imports_passed_through():
    from loom.consent.v1 import consent_pb2 as pb
    from workflows.privacy.types import (
        BUNDLE_ACTIVITY,
        ERASURE,
        PROGRESS_ACTIVITY,
        RESOLVE_ACTIVITY,
        STORES,
        Bundle,
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

# Store refusals that no retry can fix: the call is wrong or the store does not implement erasure.
NON_RETRYABLE = ["StoreRefused"]
STORE_RETRY = RetryPolicy(initial_interval=timedelta(seconds=1), backoff_coefficient=2.0,
                          maximum_interval=timedelta(minutes=30), non_retryable_error_types=NON_RETRYABLE)
QUICK_RETRY = RetryPolicy(initial_interval=timedelta(milliseconds=500), maximum_interval=timedelta(minutes=1),
                          maximum_attempts=50)
MIN_BUDGET = timedelta(hours=1)


def _cause(exc: ActivityError) -> str:
    """The innermost failure's message: the store's own words, not Temporal's wrapper."""
    cause: BaseException | None = exc.cause
    while isinstance(cause, FailureError) and not isinstance(cause, ApplicationError) and cause.cause is not None:
        cause = cause.cause
    return str(cause or exc)


@workflow.defn(name="DataSubjectRequest")
class DataSubjectRequestWorkflow:
    """One data-subject request, one workflow (id ``dsr-<request_id>``)."""

    def __init__(self) -> None:
        self._receipts: list[Receipt] = []
        self._current = ""

    @workflow.query(name="receipts")
    def receipts(self) -> list[Receipt]:
        """Receipts collected so far."""
        return list(self._receipts)

    @workflow.query(name="current_store")
    def current_store(self) -> str:
        """The store being visited now (empty when none)."""
        return self._current

    async def _progress(self, params: DsrInput, state: int, **extra: object) -> None:
        await workflow.execute_activity(
            PROGRESS_ACTIVITY, Progress(params.request_id, state, **extra),  # type: ignore[arg-type]
            start_to_close_timeout=timedelta(seconds=30), retry_policy=QUICK_RETRY)

    def _budget(self, params: DsrInput) -> timedelta:
        if not params.due_at:
            return timedelta(days=30)
        left = datetime.fromisoformat(params.due_at) - workflow.now()
        return max(left, MIN_BUDGET)

    @workflow.run
    async def run(self, params: DsrInput) -> DsrOutcome:
        """Resolves the person's profile ids, visits every store, then completes (or fails) the request."""
        await self._progress(params, pb.DATA_SUBJECT_REQUEST_STATE_RUNNING)
        identifiers = list(params.identifiers)
        identifiers += await workflow.execute_activity(
            RESOLVE_ACTIVITY, params.identifiers, start_to_close_timeout=timedelta(seconds=30),
            retry_policy=QUICK_RETRY, result_type=list[SubjectIdentifier])
        erasing = params.kind == ERASURE
        parts: dict[str, str] = {}
        for store in STORES:
            self._current = store
            call = StoreCall(store, params.request_id, identifiers, params.dry_run)
            try:
                result: StoreResult = await workflow.execute_activity(
                    erase_activity(store) if erasing else export_activity(store), call,
                    start_to_close_timeout=timedelta(minutes=10), schedule_to_close_timeout=self._budget(params),
                    retry_policy=STORE_RETRY, result_type=StoreResult)
            except ActivityError as exc:
                error = f"store {store}: {_cause(exc)}"
                await self._progress(params, pb.DATA_SUBJECT_REQUEST_STATE_FAILED, error=error)
                return DsrOutcome(params.request_id, False, list(self._receipts), error=error)
            self._receipts.extend(result.receipts)
            if result.export_path:
                parts[store] = result.export_path
            await self._progress(params, pb.DATA_SUBJECT_REQUEST_STATE_RUNNING, receipts=result.receipts)
        self._current = ""
        export_uri = ""
        if not erasing:
            export_uri = await workflow.execute_activity(
                BUNDLE_ACTIVITY, Bundle(params.request_id, parts), start_to_close_timeout=timedelta(minutes=2),
                retry_policy=QUICK_RETRY, result_type=str)
        await self._progress(params, pb.DATA_SUBJECT_REQUEST_STATE_COMPLETED, export_uri=export_uri)
        return DsrOutcome(params.request_id, True, list(self._receipts), export_uri=export_uri)
