"""SegmentCustomerWorkflow: reads a profile through the identity service and assigns a lifecycle segment."""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from workflows.platform.types import CustomerSegment, ProfileSnapshot, SegmentCustomerInput


def segment_of(order_count: int, revenue_micros: int, recency_days: int, vip_revenue_micros: int) -> str:
    """Lifecycle segment from order history: prospect, new, active, vip or lapsed."""
    if order_count == 0:
        return "prospect"
    if recency_days > 90:
        return "lapsed"
    if revenue_micros >= vip_revenue_micros:
        return "vip"
    return "new" if order_count == 1 else "active"


@workflow.defn(name="SegmentCustomer")
class SegmentCustomerWorkflow:
    """One customer, one profile read, one segment."""

    @workflow.run
    async def run(self, params: SegmentCustomerInput) -> CustomerSegment:
        snapshot = await workflow.execute_activity(
            "platform.get_profile",
            params.user_id,
            start_to_close_timeout=timedelta(seconds=15),
            retry_policy=RetryPolicy(maximum_attempts=5, initial_interval=timedelta(milliseconds=200)),
            result_type=ProfileSnapshot,
        )
        if not snapshot.found:
            return CustomerSegment(params.user_id, "", "unknown", 0, 0, "")
        segment = segment_of(
            snapshot.order_count, snapshot.revenue_micros, snapshot.recency_days, params.vip_revenue_micros
        )
        return CustomerSegment(
            params.user_id,
            snapshot.profile_id,
            segment,
            snapshot.order_count,
            snapshot.revenue_micros,
            snapshot.top_category,
        )

