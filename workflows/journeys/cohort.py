"""Broadcast journeys: one workflow per campaign that sends to an audience in chunks, not one per customer.

Why: a per-customer workflow costs a few history events and a workflow-task round trip per customer. For
150M customers that is hundreds of millions of persisted events for one send. Here the audience is frozen
once into the cohort table (so chunks re-read identically after a crash), and each chunk of a few
thousand customers is one activity whose sends carry a per-customer idempotency key, so a retried chunk
never sends twice. The workflow continues as new every few hundred chunks to keep its history small.
"""

from __future__ import annotations

import asyncio
from collections import Counter as Tally
from datetime import timedelta
from typing import Any

from temporalio import activity, workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    import grpc

    import workflows.journeys.rules as rules  # a submodule via "from pkg import" would load in the sandbox
    from loom.identity.v1 import identity_pb2, identity_pb2_grpc
    from workflows.journeys.activities import permanent
    from workflows.journeys.registry import JourneyRegistry
    from workflows.journeys.spec import parse_spec
    from workflows.journeys.types import (
        ChunkRequest,
        ChunkResult,
        CohortInput,
        CohortResult,
        SendRequest,
        SendResult,
        SnapshotRequest,
    )

CHUNKS_PER_RUN = 200
CHUNK_RETRY = RetryPolicy(initial_interval=timedelta(seconds=1), maximum_interval=timedelta(minutes=1))
SEND_CONCURRENCY = 64


@workflow.defn(name="BroadcastCohortWorkflow")
class BroadcastCohortWorkflow:
    """Freezes the audience, then sends to it chunk by chunk (two chunks in flight)."""

    @workflow.run
    async def run(self, params: CohortInput) -> CohortResult:
        """Processes chunks from ``next_offset``; continues as new after CHUNKS_PER_RUN chunks."""
        if not params.cohort_id:
            # A Temporal Schedule starts every run with the same input; its workflow id (schedule id plus the
            # fire time) names the run's cohort, so each fire freezes its own audience and a retried chunk
            # reuses its idempotency keys. Continue-as-new carries the id on in the input.
            params.cohort_id = workflow.info().workflow_id
        if params.total < 0:
            params.total = await workflow.execute_activity(
                "journeys.snapshot_cohort", SnapshotRequest(params.cohort_id, params.audience_id),
                start_to_close_timeout=timedelta(hours=2), heartbeat_timeout=timedelta(minutes=2),
                retry_policy=CHUNK_RETRY, result_type=int)
        counts = Tally(params.counts)
        offsets = list(range(params.next_offset, params.total, params.chunk_size))
        for start in range(0, min(len(offsets), CHUNKS_PER_RUN), 2):
            batch = offsets[start:start + 2]
            results = await asyncio.gather(*(workflow.execute_activity(
                "journeys.broadcast_chunk",
                ChunkRequest(params.cohort_id, params.journey_id, params.version, params.spec, offset,
                             params.chunk_size, params.global_control_percent),
                start_to_close_timeout=timedelta(minutes=10), heartbeat_timeout=timedelta(minutes=2),
                retry_policy=CHUNK_RETRY, result_type=ChunkResult) for offset in batch))
            for result in results:
                counts.update(result.counts)
            params.next_offset = batch[-1] + params.chunk_size
        params.counts = dict(counts)
        if params.next_offset < params.total:
            workflow.continue_as_new(params)
        return CohortResult(params.cohort_id, params.total, dict(counts))


class CohortActivities:
    """Freezes audiences and sends chunks; `send` is the per-customer journey send activity's function."""

    def __init__(self, *, identity: identity_pb2_grpc.IdentityServiceStub, registry: JourneyRegistry,
                 send: Any) -> None:
        self._identity = identity
        self._registry = registry
        self._send = send

    @activity.defn(name="journeys.snapshot_cohort")
    async def snapshot_cohort(self, request: SnapshotRequest) -> int:
        """Exports the audience from identity into the cohort table; returns its size.

        Re-running after a crash rewrites the same sequence numbers (insert-ignore), so it is safe to retry
        as long as the export order is stable, which identity's ExportAudience gives per revision.
        """
        seq = 0
        try:
            async for chunk in self._identity.ExportAudience(
                    identity_pb2.ExportAudienceRequest(audience_id=request.audience_id), timeout=3600):
                await self._registry.freeze_cohort(request.cohort_id, list(chunk.profile_ids), seq)
                seq += len(chunk.profile_ids)
                activity.heartbeat(seq)
        except grpc.aio.AioRpcError as exc:
            raise permanent(exc, "ExportAudience") from exc
        return await self._registry.cohort_size(request.cohort_id)

    @activity.defn(name="journeys.broadcast_chunk")
    async def broadcast_chunk(self, request: ChunkRequest) -> ChunkResult:
        """Sends the journey's one step to members [offset, offset + limit), holding out the control groups."""
        spec = parse_spec(request.spec)
        step = spec.steps[0]
        members = await self._registry.cohort_chunk(request.cohort_id, request.offset, request.limit)
        counts: Tally[str] = Tally()
        gate = asyncio.Semaphore(SEND_CONCURRENCY)

        async def one(profile_id: str) -> None:
            group = rules.measurement_group(profile_id, spec.id, spec.holdout_percent,
                                            request.global_control_percent)
            if group != "treatment":
                counts[group] += 1
                return
            async with gate:
                result: SendResult = await self._send(SendRequest(
                    idempotency_key=f"broadcast-{request.cohort_id}-{profile_id}", journey_id=spec.id,
                    step_id=step.id, profile_id=profile_id, channel=step.channel, touchpoint=step.touchpoint,
                    category=step.category, transactional=step.transactional))
            counts[result.status] += 1

        await asyncio.gather(*(one(p) for p in members))
        activity.heartbeat(request.offset + len(members))
        return ChunkResult(len(members), dict(counts))

    def all(self) -> list[Any]:
        """Both cohort activities."""
        return [self.snapshot_cohort, self.broadcast_chunk]
