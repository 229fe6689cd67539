"""Assembles the identity service: the profile consumer on the event stream plus the profile API."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from loom.identity.v1 import identity_pb2_grpc as pb_grpc
from services.common.bus import EventBus
from services.common.config import DataServiceConfig, setting
from services.common.events import EVENTS_FILTER, decode_batches
from services.common.migrate import migrate
from services.common.server import Registration, ServiceApp
from services.common.storage import Database
from services.identity.servicer import FULL_NAME, POLICY, IdentityServicer
from services.identity.store import ProfileStore

CONSUMER = "identity-profiles"


@dataclass(frozen=True, kw_only=True)
class IdentityConfig(DataServiceConfig):
    """Settings of the identity service."""

    grpc_port: int = setting(50052, help="gRPC port")
    metrics_port: int = setting(9102, help="/metrics port")
    db_url: str = setting("sqlite+aiosqlite:///.loom/data/identity.db", help="database URL")


async def build(config: IdentityConfig) -> ServiceApp:
    """Connects storage and the bus; the consumer folds every event into its profile."""
    await migrate(config.db_url, "identity")
    db = Database.from_url(config.db_url)
    bus = await EventBus.connect(config.nats_url, name="loom-identity", prefix=config.bus_prefix)
    await bus.ensure_streams()
    store = ProfileStore(db)

    async def start_consumer() -> Callable[[], Awaitable[None]]:
        consumer = await bus.consume(
            CONSUMER, EVENTS_FILTER, lambda msgs: store.apply(decode_batches(m.data for m in msgs))
        )
        return consumer.stop

    async def close() -> None:
        await bus.close()
        await db.dispose()

    return ServiceApp(
        name="identity",
        registrations=[
            Registration(pb_grpc.add_IdentityServiceServicer_to_server, IdentityServicer(store), FULL_NAME, POLICY)
        ],
        background=[start_consumer],
        on_shutdown=[close],
    )
