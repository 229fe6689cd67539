"""Assembles the identity service: the profile consumer on the event stream plus the profile API."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from nats.aio.msg import Msg

from loom.common.v1 import common_pb2
from loom.consent.v1.consent_pb2_grpc import ConsentServiceStub
from loom.identity.v1 import identity_pb2_grpc as pb_grpc
from services.common.audit import AuditTrail
from services.common.bus import EventBus
from services.common.client import channel
from services.common.config import DataServiceConfig, positive, setting
from services.common.events import EVENTS_FILTER, decode_batches
from services.common.migrate import migrate
from services.common.server import Registration, ServiceApp
from services.common.storage import Database
from services.identity.audiences.engine import AudienceEngine
from services.identity.components import Identity
from services.identity.masking import DEFAULT_PII_TRAITS, MaskingPolicy
from services.identity.privacy import IdentityPrivacy
from services.identity.rebuild import EventSource, archive_source
from services.identity.roles import ConsentRoles
from services.identity.servicer import FULL_NAME, POLICY, IdentityServicer
from services.identity.store import ProfileStore

CONSUMER = "identity-profiles"
# How often unpublished audience changes are retried (after a bus outage).
OUTBOX_RETRY_S = 5.0
log = logging.getLogger("loom.identity")


@dataclass(frozen=True, kw_only=True)
class IdentityConfig(DataServiceConfig):
    """Settings of the identity service."""

    grpc_port: int = setting(50052, help="gRPC port")
    metrics_port: int = setting(9102, help="/metrics port")
    db_url: str = setting("sqlite+aiosqlite:///.loom/data/identity.db", help="database URL")
    ingestion_addr: str = setting("127.0.0.1:50051", help="ingestion's gRPC address, for RebuildProfiles "
                                                         "('' to disable)")
    audience_refresh_s: float = setting(300.0, help="seconds between full re-evaluations of audiences "
                                                    "(time-relative rules)", check=positive)
    pii_identifier_types: tuple[str, ...] = setting(("email", "phone"), help="identifier types masked for "
                                                    "callers without admin/service/operator")
    pii_traits: tuple[str, ...] = setting(DEFAULT_PII_TRAITS, help="trait names masked for callers without "
                                          "admin/service/operator")
    consent_addr: str = setting("", help="consent service address: its roles' field rules decide what each "
                                         "caller sees ('' to use the PII lists only)")
    roles_refresh_s: float = setting(30.0, help="seconds between reads of the consent service's roles",
                                     check=positive)


async def build(config: IdentityConfig) -> ServiceApp:
    """Connects storage and the bus; the consumer folds every event into its profile."""
    await migrate(config.db_url, "identity")
    db = Database.from_url(config.db_url)
    bus = await EventBus.connect(config.nats_url, name="loom-identity", prefix=config.bus_prefix)
    await bus.ensure_streams()
    store = ProfileStore(db)
    audiences = AudienceEngine(db, bus)
    archive_channel = channel(config.ingestion_addr, config.service_token) if config.ingestion_addr else None

    def open_archive(window: common_pb2.TimeRange | None) -> EventSource:
        assert archive_channel is not None
        return archive_source(archive_channel, window)

    consent_roles = None
    audit = AuditTrail(None, "identity")
    if config.consent_addr:
        consent_stub = ConsentServiceStub(channel(config.consent_addr, config.service_token))
        consent_roles = ConsentRoles(consent_stub)
        audit = AuditTrail(bus, "identity")  # the consent service consumes the AUDIT stream into its log
    identity = Identity.build(store, audiences,
                              MaskingPolicy.from_names(config.pii_identifier_types, config.pii_traits, consent_roles),
                              open_archive if archive_channel is not None else None,
                              IdentityPrivacy(db, bus, CONSUMER), audit)

    async def handle(msgs: list[Msg]) -> None:
        await store.apply_batch(decode_batches(m.data for m in msgs), None)
        try:
            await audiences.flush()
        except Exception as exc:  # noqa: BLE001 - the events are safe in the outbox; the refresher retries
            log.warning("publishing audience changes failed (retried in %.0fs): %r", OUTBOX_RETRY_S, exc)

    async def start_consumer() -> Callable[[], Awaitable[None]]:
        consumer = await bus.consume(CONSUMER, EVENTS_FILTER, handle)
        return consumer.stop

    async def start_refresher() -> Callable[[], Awaitable[None]]:
        async def loop() -> None:
            last_full = time.monotonic()
            await identity.reader.count()
            while True:
                try:
                    await audiences.flush()
                    if time.monotonic() - last_full >= config.audience_refresh_s:
                        last_full = time.monotonic()
                        await identity.reader.count()
                        await audiences.evaluate_all()
                except Exception:  # noqa: BLE001 - the refresher must outlive a failed round
                    log.exception("audience refresh failed; retrying in %.0fs", OUTBOX_RETRY_S)
                await asyncio.sleep(OUTBOX_RETRY_S)

        task = asyncio.create_task(loop(), name="identity-audience-refresh")

        async def stop() -> None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

        return stop

    async def close() -> None:
        await bus.close()
        if archive_channel is not None:
            await archive_channel.close()
        await db.dispose()

    return ServiceApp(
        name="identity",
        registrations=[
            Registration(pb_grpc.add_IdentityServiceServicer_to_server, IdentityServicer(identity), FULL_NAME, POLICY)
        ],
        background=[start_consumer, start_refresher,
                    *([lambda: consent_roles.start(config.roles_refresh_s), audit.start] if consent_roles else [])],
        on_shutdown=[close],
    )
