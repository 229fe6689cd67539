"""gRPC adapter of the ingestion service: thin, everything else lives in the domain modules."""

from __future__ import annotations

from collections.abc import AsyncIterator

import grpc

from loom.ingestion.v1 import ingestion_pb2 as pb
from loom.ingestion.v1 import ingestion_pb2_grpc as pb_grpc
from services.common.auth import ANALYST, OPERATOR, SERVICE, SOURCE, MethodPolicy
from services.common.pipeline import current_principal
from services.common.unimplemented import fill_unimplemented
from services.ingestion.archive import Archive
from services.ingestion.ingestor import Ingestor

FULL_NAME = pb.DESCRIPTOR.services_by_name["IngestionService"].full_name
POLICY = MethodPolicy(
    FULL_NAME,
    roles={
        "IngestBatch": frozenset({SOURCE, SERVICE}),
        "Ingest": frozenset({SOURCE, SERVICE}),
        "QueryArchive": frozenset({SERVICE, OPERATOR, ANALYST}),
        "TopCategories": frozenset({SERVICE, OPERATOR, ANALYST}),
    },
)


class IngestionServicer(pb_grpc.IngestionServiceServicer):
    """Implements IngestBatch, Ingest and QueryArchive; the rest arrive with the ingestion capability."""

    def __init__(self, ingestor: Ingestor, archive: Archive) -> None:
        self._ingestor = ingestor
        self._archive = archive

    async def IngestBatch(
        self, request: pb.IngestBatchRequest, context: grpc.aio.ServicerContext
    ) -> pb.IngestBatchResponse:
        self._ingestor.check_batch_limits(request.events, request.ByteSize())
        outcome = await self._ingestor.ingest(request.events, _source_id())
        return pb.IngestBatchResponse(results=outcome.results, accepted_count=outcome.accepted)

    async def Ingest(
        self, request_iterator: AsyncIterator[pb.IngestRequest], context: grpc.aio.ServicerContext
    ) -> pb.IngestResponse:
        summary = pb.IngestResponse()
        counters = {
            pb.EVENT_STATUS_ACCEPTED: "accepted_count",
            pb.EVENT_STATUS_DUPLICATE: "duplicate_count",
            pb.EVENT_STATUS_REJECTED: "rejected_count",
            pb.EVENT_STATUS_QUARANTINED: "quarantined_count",
        }
        source = _source_id()
        async for chunk in request_iterator:
            self._ingestor.check_batch_limits(chunk.events, chunk.ByteSize())
            outcome = await self._ingestor.ingest(chunk.events, source)
            for result in outcome.results:
                name = counters.get(result.status)
                if name:
                    setattr(summary, name, getattr(summary, name) + 1)
                if result.status != pb.EVENT_STATUS_ACCEPTED:
                    summary.problems.append(result)
        return summary

    async def QueryArchive(
        self, request: pb.QueryArchiveRequest, context: grpc.aio.ServicerContext
    ) -> AsyncIterator[pb.QueryArchiveResponse]:
        async for events in self._archive.query(request):
            yield pb.QueryArchiveResponse(events=events)


def _source_id() -> str:
    principal = current_principal()
    return principal.source_id or principal.subject


fill_unimplemented(
    IngestionServicer,
    pb.DESCRIPTOR.services_by_name["IngestionService"],
    {
        "*": "the ingestion capability (data plans, quarantine, sources, top categories; issue #3)",
        "ExportPerson": "data-subject requests (issue #5)",
        "ErasePerson": "data-subject requests (issue #5)",
    },
)
