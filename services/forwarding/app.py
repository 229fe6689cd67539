"""Assembles the forwarding service: one worker per destination on the event stream, plus the API."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from loom.forwarding.v1 import forwarding_pb2_grpc as pb_grpc
from services.common.bus import EventBus
from services.common.config import DataServiceConfig, positive, setting
from services.common.consent import ConsentChecker
from services.common.migrate import migrate
from services.common.server import Registration, ServiceApp
from services.common.storage import Database
from services.forwarding.consent import ConsentFilter, ConsentServiceChecker, PurposeChecker
from services.forwarding.deadletters import DeadLetterBox
from services.forwarding.ledger import DeliveryLedger
from services.forwarding.messages import IdentityDirectory, MessageDesk, NoDirectory, ProfileDirectory
from services.forwarding.registry import WorkerRegistry
from services.forwarding.rules import RulesStore
from services.forwarding.servicer import FULL_NAME, POLICY, ForwardingServicer
from services.forwarding.store import DestinationStore

log = logging.getLogger("loom.forwarding")


@dataclass(frozen=True, kw_only=True)
class ForwardingConfig(DataServiceConfig):
    """Settings of the forwarding service."""

    grpc_port: int = setting(50056, help="gRPC port")
    metrics_port: int = setting(9106, help="/metrics port")
    db_url: str = setting("sqlite+aiosqlite:///.loom/data/forwarding.db", help="database URL")
    identity_addr: str = setting("", help="identity service address for recipient traits; empty: none")
    consent_addr: str = setting("", help="consent service address; empty: only event snapshots grant consent")
    consumer_batch: int = setting(256, help="bus messages per consumer fetch", check=positive)
    ack_wait_s: float = setting(30.0, help="seconds a fetched bus message may stay unacked before redelivery; "
                                "longer than a destination's request timeout", check=positive)
    sync_interval_s: float = setting(10.0, help="how often destinations changed by other replicas are picked up",
                                     check=positive)


async def build(config: ForwardingConfig, checker: PurposeChecker | None = None) -> ServiceApp:
    """Connects storage and the bus and starts a worker per stored destination.

    ``checker`` answers consent for what event snapshots do not cover and for journey messages; by default
    the consent service at LOOM_CONSENT_ADDR answers, and with neither the consent filter denies (fail closed).
    """
    await migrate(config.db_url, "forwarding")
    db = Database.from_url(config.db_url, application_name="loom-forwarding")
    bus = await EventBus.connect(config.nats_url, name="loom-forwarding", prefix=config.bus_prefix)
    await bus.ensure_streams()
    consent_client: ConsentChecker | None = None
    if checker is None and config.consent_addr:
        consent_client = await ConsentChecker.connect(config.consent_addr, config.service_token, bus,
                                                      deadline_s=config.consent_deadline_s)
        checker = ConsentServiceChecker(consent_client)
    consent = ConsentFilter(checker)
    store = DestinationStore(db)
    registry = WorkerRegistry(bus, store, consent, batch=config.consumer_batch, ack_wait=config.ack_wait_s)
    directory: ProfileDirectory = (IdentityDirectory(config.identity_addr, config.service_token)
                                   if config.identity_addr else NoDirectory())
    rules = RulesStore(db)
    desk = MessageDesk(db, store, rules, consent, directory, registry.wake)
    servicer = ForwardingServicer(store, registry, desk, DeliveryLedger(db), DeadLetterBox(db), rules)

    async def start_workers() -> Callable[[], Awaitable[None]]:
        await registry.start_all()

        async def keep_in_sync() -> None:
            while True:
                await asyncio.sleep(config.sync_interval_s)
                try:
                    await registry.sync()
                except Exception:  # noqa: BLE001 - retried at the next interval
                    log.exception("destination sync failed")

        sync_task = asyncio.create_task(keep_in_sync(), name="forwarding-sync")

        async def stop() -> None:
            sync_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await sync_task
            await registry.stop_all()

        return stop

    async def close() -> None:
        if consent_client is not None:
            await consent_client.close()
        if isinstance(directory, IdentityDirectory):
            await directory.close()
        await bus.close()
        await db.dispose()

    return ServiceApp(
        name="forwarding",
        registrations=[Registration(pb_grpc.add_ForwardingServiceServicer_to_server, servicer, FULL_NAME, POLICY)],
        background=[start_workers],
        on_shutdown=[close],
    )
