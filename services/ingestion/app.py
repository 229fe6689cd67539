"""Assembles the ingestion service from its config."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta

from loom.ingestion.v1 import ingestion_pb2_grpc as pb_grpc
from services.common.bus import EventBus
from services.common.config import DataServiceConfig, positive, setting
from services.common.events import EVENTS_FILTER
from services.common.migrate import migrate
from services.common.server import Registration, ServiceApp
from services.common.storage import Database
from services.ingestion.archive import Archive
from services.ingestion.ingestor import Ingestor
from services.ingestion.servicer import FULL_NAME, POLICY, IngestionServicer

ARCHIVER = "ingestion-archiver"


@dataclass(frozen=True, kw_only=True)
class IngestionConfig(DataServiceConfig):
    """Settings of the ingestion service."""

    grpc_port: int = setting(50051, help="gRPC port")
    metrics_port: int = setting(9101, help="/metrics port")
    db_url: str = setting("sqlite+aiosqlite:///.loom/data/ingestion.db", help="database URL")
    dedup_window_days: float = setting(7.0, help="days a message_id is remembered for dedup", check=positive)


async def build(config: IngestionConfig) -> ServiceApp:
    """Connects the database and the bus and wires the servicer and the archiver."""
    await migrate(config.db_url, "ingestion")
    db = Database.from_url(config.db_url)
    bus = await EventBus.connect(config.nats_url, name="loom-ingestion", prefix=config.bus_prefix)
    await bus.ensure_streams()
    archive = Archive(db, timedelta(days=config.dedup_window_days))
    servicer = IngestionServicer(Ingestor(db, bus), archive)

    async def start_archiver() -> Callable[[], Awaitable[None]]:
        consumer = await bus.consume(ARCHIVER, EVENTS_FILTER, lambda msgs: archive.write([m.data for m in msgs]))
        return consumer.stop

    async def close() -> None:
        await bus.close()
        await db.dispose()

    return ServiceApp(
        name="ingestion",
        registrations=[Registration(pb_grpc.add_IngestionServiceServicer_to_server, servicer, FULL_NAME, POLICY)],
        background=[start_archiver],
        on_shutdown=[close],
    )
