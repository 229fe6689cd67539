"""The worker's queue order: bus events leave in order, journey messages as they fall due."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from loom.forwarding.v1 import forwarding_pb2 as pb
from services.forwarding.consent import ConsentFilter
from services.forwarding.destinations import compile_destination
from services.forwarding.worker import DestinationWorker


class NoSender:
    """Never called: the test only asks which rows are due."""

    max_batch = 10
    timeout = 1.0

    async def send(self, items: Any) -> Any:
        raise AssertionError("not expected")

    async def close(self) -> None:
        return None


def row(i: int, kind: str, due_in_s: float) -> dict[str, Any]:
    return {"id": i, "kind": kind, "next_attempt_at": datetime.now(UTC) + timedelta(seconds=due_in_s)}


def test_an_event_not_yet_due_holds_back_later_events_but_not_messages() -> None:
    dest = compile_destination(pb.Destination(destination_id="d", required_purposes=["a"],
                                              webhook=pb.WebhookConfig(url="http://x.example")), datetime.now(UTC))
    worker = DestinationWorker(dest, store=None, consent=ConsentFilter(), sender=NoSender())  # type: ignore[arg-type]
    rows = [row(1, "event", -1), row(2, "event", 60), row(3, "event", -1), row(4, "message", -1),
            row(5, "message", 3600)]
    assert [r["id"] for r in worker._due(rows)] == [1, 4]
