"""Reads the event archive through the ingestion service's QueryArchive stream (never its tables)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from loom.common.v1 import common_pb2
from loom.ingestion.v1 import ingestion_pb2 as pb
from loom.ingestion.v1 import ingestion_pb2_grpc
from ml.features import History, histories_from_events


async def read_histories(
    ingestion: ingestion_pb2_grpc.IngestionServiceStub, start: datetime, end: datetime, *, user_id: str = "",
    on_chunk: Callable[[int], None] | None = None, timeout_s: float = 600,
) -> dict[str, History]:
    """Histories of every user with events in [start, end) (one user's only when ``user_id`` is set)."""
    window = common_pb2.TimeRange()
    window.start.FromDatetime(start)
    window.end.FromDatetime(end)
    events: list[pb.Event] = []
    request = pb.QueryArchiveRequest(window=window, user_id=user_id)
    async for chunk in ingestion.QueryArchive(request, timeout=timeout_s):
        events.extend(chunk.events)
        if on_chunk is not None:
            on_chunk(len(events))
    return histories_from_events(events)
