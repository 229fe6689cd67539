"""The archiver: the durable consumer that writes every accepted event to the archive and dedup record.

It runs inside the ingestion process by default (``LOOM_RUN_ARCHIVER=true``, simplest for a laptop), or as
its own deployment with ``python -m services.ingestion.archiver``, so that archive writes do not compete
with the ingestion front door for CPU. Either way it is the same durable consumer: any number of archiver
processes share its work, and a stopped archiver catches up from the stream where it left off.
It also does the housekeeping: expired dedup records and old violation rows are deleted periodically.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from nats.aio.msg import Msg

from services.common.bus import EventBus
from services.common.config import DataServiceConfig, positive, setting
from services.common.events import EVENTS_FILTER
from services.common.migrate import migrate
from services.common.server import ServiceApp, run
from services.common.storage import Database
from services.ingestion.archive import Archive
from services.ingestion.violations import ViolationLog

log = logging.getLogger("loom.ingestion.archiver")
ARCHIVER = "ingestion-archiver"
Starter = Callable[[], Awaitable[Callable[[], Awaitable[None]]]]


@dataclass(frozen=True, kw_only=True)
class ArchiveSettings(DataServiceConfig):
    """Settings shared by the ingestion service and the stand-alone archiver."""

    db_url: str = setting("sqlite+aiosqlite:///.loom/data/ingestion.db", help="database URL")
    dedup_window_days: float = setting(7.0, help="days a message_id is remembered for dedup", check=positive)
    violation_retention_days: float = setting(30.0, help="days violation examples are kept", check=positive)
    maintenance_interval_s: float = setting(3600.0, help="seconds between dedup/violation purges", check=positive)
    archiver_fetch_batch: int = setting(256, help="bus messages the archiver takes per fetch", check=positive)
    archiver_ack_wait_s: float = setting(30.0, help="seconds before messages a crashed archiver held are redelivered",
                                         check=positive)


@dataclass(frozen=True, kw_only=True)
class ArchiverConfig(ArchiveSettings):
    """Settings of the stand-alone archiver process (health and /metrics only, no API)."""

    grpc_port: int = setting(50060, help="gRPC port (health checks)")
    metrics_port: int = setting(9110, help="/metrics port")


def archiver_starter(bus: EventBus, archive: Archive, violations: ViolationLog, config: ArchiveSettings) -> Starter:
    """A ServiceApp background starter: the archive consumer plus the periodic purge."""

    async def start() -> Callable[[], Awaitable[None]]:
        async def handle(msgs: list[Msg]) -> None:
            await archive.write([m.data for m in msgs])

        consumer = await bus.consume(ARCHIVER, EVENTS_FILTER, handle, batch=config.archiver_fetch_batch,
                                     ack_wait=config.archiver_ack_wait_s)

        async def maintain() -> None:
            while True:
                try:
                    purged = await archive.purge_expired_dedup()
                    cutoff = datetime.now(UTC) - timedelta(days=config.violation_retention_days)
                    old = await violations.purge_before(cutoff)
                    log.info("purged %d expired dedup records and %d old violations", purged, old)
                except Exception as exc:  # noqa: BLE001 - housekeeping must not stop archiving
                    log.warning("housekeeping failed, will retry: %r", exc)
                await asyncio.sleep(config.maintenance_interval_s)

        task = asyncio.create_task(maintain(), name="ingestion-archive-maintenance")

        async def stop() -> None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            await consumer.stop()

        return stop

    return start


async def build(config: ArchiverConfig) -> ServiceApp:
    """The stand-alone archiver: no RPCs, just the consumer, health and metrics."""
    await migrate(config.db_url, "ingestion")
    db = Database.from_url(config.db_url, application_name=ARCHIVER)
    bus = await EventBus.connect(config.nats_url, name="loom-ingestion-archiver", prefix=config.bus_prefix)
    await bus.ensure_streams()
    archive = Archive(db, timedelta(days=config.dedup_window_days))

    async def close() -> None:
        await bus.close()
        await db.dispose()

    return ServiceApp(name=ARCHIVER, registrations=[],
                      background=[archiver_starter(bus, archive, ViolationLog(db), config)], on_shutdown=[close])


if __name__ == "__main__":
    run(ArchiverConfig, build, ARCHIVER)
