"""The running workers, one per destination, kept in step with the stored destinations."""

from __future__ import annotations

import logging
from datetime import datetime

from loom.forwarding.v1 import forwarding_pb2 as pb
from services.common.bus import EventBus
from services.forwarding.consent import ConsentFilter
from services.forwarding.destinations import compile_destination
from services.forwarding.store import DestinationStore
from services.forwarding.worker import DestinationWorker

log = logging.getLogger("loom.forwarding")


class WorkerRegistry:
    """Starts, replaces and stops destination workers in this process."""

    def __init__(self, bus: EventBus, store: DestinationStore, consent: ConsentFilter, *, batch: int = 256,
                 ack_wait: float = 30.0) -> None:
        self.bus, self.store, self.consent, self.batch, self.ack_wait = bus, store, consent, batch, ack_wait
        self.workers: dict[str, DestinationWorker] = {}

    async def start_all(self) -> None:
        """Starts a worker for every stored destination (at service start)."""
        for proto, created_at in await self.store.all():
            await self.apply(proto, created_at)

    async def sync(self) -> None:
        """Brings this process in line with the database: another replica may have put, paused or deleted a
        destination. Called periodically."""
        stored = {proto.destination_id: (proto, created) for proto, created in await self.store.all()}
        for destination_id in set(self.workers) - set(stored):
            worker = self.workers.pop(destination_id)
            await worker.stop()
        for destination_id, (proto, created) in stored.items():
            current = self.workers.get(destination_id)
            if current is None or current.dest.proto.revision != proto.revision:
                await self.apply(proto, created)

    async def apply(self, proto: pb.Destination, created_at: datetime) -> None:
        """Runs the given revision: a new sender and consumer binding when the config changed, else an
        in-place update (pause, resume)."""
        compiled = compile_destination(proto, created_at)
        current = self.workers.get(proto.destination_id)
        if current is not None and _same_sending(current.dest.proto, proto):
            current.replace(compiled)
            return
        if current is not None:
            await current.stop()
        worker = DestinationWorker(compiled, self.store, self.consent, batch=self.batch, ack_wait=self.ack_wait)
        await worker.start(self.bus)
        self.workers[proto.destination_id] = worker

    async def remove(self, destination_id: str) -> None:
        """Stops a deleted destination's worker and removes its durable consumer."""
        worker = self.workers.pop(destination_id, None)
        if worker is not None:
            await worker.stop()
        try:
            stream = self.bus.wire_stream("EVENTS")
            await self.bus.js.delete_consumer(stream, f"forwarding-{destination_id}")
        except Exception as exc:  # noqa: BLE001 - a consumer left behind only costs server memory
            log.warning("destination %s: consumer not deleted: %r", destination_id, exc)

    def wake(self, destination_id: str) -> None:
        """Nudges a destination's queue loop."""
        worker = self.workers.get(destination_id)
        if worker is not None:
            worker.wake()

    async def stop_all(self) -> None:
        """Stops every worker (SIGTERM drain)."""
        for worker in list(self.workers.values()):
            await worker.stop()
        self.workers.clear()


def _same_sending(old: pb.Destination, new: pb.Destination) -> bool:
    """Whether two revisions differ only in state, so the running sender and consumer can stay."""
    a, b = pb.Destination(), pb.Destination()
    a.CopyFrom(old)
    b.CopyFrom(new)
    for d in (a, b):
        for name in ("state", "paused_reason", "revision", "updated_at"):
            d.ClearField(name)
    return a == b
