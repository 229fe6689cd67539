"""gRPC adapter of the ingestion service: thin, everything else lives in the domain modules."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass

import grpc

from loom.ingestion.v1 import ingestion_pb2 as pb
from loom.ingestion.v1 import ingestion_pb2_grpc as pb_grpc
from services.common.auth import ANALYST, OPERATOR, SERVICE, SOURCE, MethodPolicy
from services.common.errors import Violations
from services.common.pipeline import current_principal
from services.common.storage import Database
from services.ingestion.archive import Archive
from services.ingestion.ingestor import BatchOutcome, Ingestor
from services.ingestion.plan_store import PlanStore
from services.ingestion.privacy import IngestionPrivacy
from services.ingestion.quarantine import QuarantineStore
from services.ingestion.sources import RateLimiter, SourceStore
from services.ingestion.top_categories import top_categories
from services.ingestion.violations import ViolationLog

FULL_NAME = pb.DESCRIPTOR.services_by_name["IngestionService"].full_name
_READERS = frozenset({SERVICE, OPERATOR, ANALYST})
POLICY = MethodPolicy(
    FULL_NAME,
    roles={
        "IngestBatch": frozenset({SOURCE, SERVICE}),
        "Ingest": frozenset({SOURCE, SERVICE}),
        "QueryArchive": _READERS,
        "TopCategories": _READERS,
        "QueryViolations": _READERS,
        "ListQuarantined": _READERS,
        "GetDataPlan": _READERS,
        "ListDataPlans": _READERS,
        # Changing plans, replaying and issuing write keys are operator actions (admin may do all).
        "PutDataPlan": frozenset({OPERATOR}),
        "DeleteDataPlan": frozenset({OPERATOR}),
        "ReplayQuarantined": frozenset({OPERATOR}),
        "DiscardQuarantined": frozenset({OPERATOR}),
        "CreateSource": frozenset({OPERATOR}),
        "ListSources": frozenset({OPERATOR}),
        # Data-subject requests come from the privacy workflow only (admin may do all).
        "ExportPerson": frozenset({SERVICE}),
        "ErasePerson": frozenset({SERVICE}),
    },
)
_COUNTERS = {
    pb.EVENT_STATUS_ACCEPTED: "accepted_count",
    pb.EVENT_STATUS_DUPLICATE: "duplicate_count",
    pb.EVENT_STATUS_REJECTED: "rejected_count",
    pb.EVENT_STATUS_QUARANTINED: "quarantined_count",
}
# The Global Privacy Control signal (the browser's Sec-GPC header), forwarded by SDKs and proxies as metadata.
GPC_HEADER = "sec-gpc"


@dataclass(frozen=True, kw_only=True)
class IngestionParts:
    """The domain objects the servicer adapts."""

    ingestor: Ingestor
    archive: Archive
    plans: PlanStore
    quarantine: QuarantineStore
    sources: SourceStore
    limiter: RateLimiter
    violations: ViolationLog
    db: Database
    privacy: IngestionPrivacy


class IngestionServicer(pb_grpc.IngestionServiceServicer):
    """Ingestion, data plans, quarantine, sources, violations, the archive and top categories."""

    def __init__(self, parts: IngestionParts) -> None:
        self._parts = parts
        self._archive = parts.archive

    async def _ingest(self, events: Sequence[pb.Event], size: int, context: grpc.aio.ServicerContext) -> BatchOutcome:
        self._parts.ingestor.check_batch_limits(events, size)
        principal = current_principal()
        if principal.source_id:
            # Write keys are rate-limited; internal services (replays, imports) are not.
            limits = self._parts.sources.limits(principal.source_id)
            self._parts.limiter.take(principal.source_id, len(events), limits)
        gpc = any(k.lower() == GPC_HEADER and str(v).strip() == "1" for k, v in context.invocation_metadata() or ())
        return await self._parts.ingestor.ingest(events, principal.source_id or principal.subject, gpc=gpc)

    async def IngestBatch(
        self, request: pb.IngestBatchRequest, context: grpc.aio.ServicerContext
    ) -> pb.IngestBatchResponse:
        outcome = await self._ingest(request.events, request.ByteSize(), context)
        return pb.IngestBatchResponse(results=outcome.results, accepted_count=outcome.accepted)

    async def Ingest(
        self, request_iterator: AsyncIterator[pb.IngestRequest], context: grpc.aio.ServicerContext
    ) -> pb.IngestResponse:
        summary = pb.IngestResponse()
        async for chunk in request_iterator:
            outcome = await self._ingest(chunk.events, chunk.ByteSize(), context)
            for result in outcome.results:
                name = _COUNTERS.get(result.status)
                if name:
                    setattr(summary, name, getattr(summary, name) + 1)
                if result.status != pb.EVENT_STATUS_ACCEPTED:
                    summary.problems.append(result)
        return summary

    async def PutDataPlan(
        self, request: pb.PutDataPlanRequest, context: grpc.aio.ServicerContext
    ) -> pb.PutDataPlanResponse:
        return pb.PutDataPlanResponse(plan=await self._parts.plans.put(request.plan))

    async def GetDataPlan(
        self, request: pb.GetDataPlanRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetDataPlanResponse:
        _require(request.plan_id, "plan_id")
        return pb.GetDataPlanResponse(plan=await self._parts.plans.get(request.plan_id))

    async def ListDataPlans(
        self, request: pb.ListDataPlansRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListDataPlansResponse:
        plans, token, total = await self._parts.plans.list(request.page.page_size, request.page.page_token)
        response = pb.ListDataPlansResponse(plans=plans)
        response.page.next_page_token, response.page.total_size = token, total
        return response

    async def DeleteDataPlan(
        self, request: pb.DeleteDataPlanRequest, context: grpc.aio.ServicerContext
    ) -> pb.DeleteDataPlanResponse:
        _require(request.plan_id, "plan_id")
        await self._parts.plans.delete(request.plan_id)
        return pb.DeleteDataPlanResponse()

    async def QueryViolations(
        self, request: pb.QueryViolationsRequest, context: grpc.aio.ServicerContext
    ) -> pb.QueryViolationsResponse:
        return await self._parts.violations.query(request)

    async def ListQuarantined(
        self, request: pb.ListQuarantinedRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListQuarantinedResponse:
        return await self._parts.quarantine.list(request)

    async def ReplayQuarantined(
        self, request: pb.ReplayQuarantinedRequest, context: grpc.aio.ServicerContext
    ) -> pb.ReplayQuarantinedResponse:
        return await self._parts.quarantine.replay(request)

    async def DiscardQuarantined(
        self, request: pb.DiscardQuarantinedRequest, context: grpc.aio.ServicerContext
    ) -> pb.DiscardQuarantinedResponse:
        return await self._parts.quarantine.discard(request)

    async def CreateSource(
        self, request: pb.CreateSourceRequest, context: grpc.aio.ServicerContext
    ) -> pb.CreateSourceResponse:
        created, key = await self._parts.sources.create(request.source)
        return pb.CreateSourceResponse(source=created, write_key=key)

    async def ListSources(
        self, request: pb.ListSourcesRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListSourcesResponse:
        sources, token, total = await self._parts.sources.list(request.page.page_size, request.page.page_token)
        response = pb.ListSourcesResponse(sources=sources)
        response.page.next_page_token, response.page.total_size = token, total
        return response

    async def QueryArchive(
        self, request: pb.QueryArchiveRequest, context: grpc.aio.ServicerContext
    ) -> AsyncIterator[pb.QueryArchiveResponse]:
        async for events in self._archive.query(request):
            yield pb.QueryArchiveResponse(events=events)

    async def TopCategories(
        self, request: pb.TopCategoriesRequest, context: grpc.aio.ServicerContext
    ) -> pb.TopCategoriesResponse:
        return await top_categories(self._parts.db, request)

    async def ExportPerson(
        self, request: pb.ExportPersonRequest, context: grpc.aio.ServicerContext
    ) -> pb.ExportPersonResponse:
        return await self._parts.privacy.export(request.subject)

    async def ErasePerson(
        self, request: pb.ErasePersonRequest, context: grpc.aio.ServicerContext
    ) -> pb.ErasePersonResponse:
        return await self._parts.privacy.erase(request.subject)


def _require(value: str, field: str) -> None:
    problems = Violations()
    problems.require(value, field)
    problems.raise_if_any()

