"""Assembles the ingestion service from its config."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from loom.ingestion.v1 import ingestion_pb2_grpc as pb_grpc
from services.common.bus import EventBus
from services.common.config import positive, setting
from services.common.consent import ConsentChecker
from services.common.migrate import migrate
from services.common.server import Registration, ServiceApp
from services.common.storage import Database
from services.ingestion.archive import Archive
from services.ingestion.archiver import ArchiveSettings, archiver_starter
from services.ingestion.consent_gate import ConsentGate
from services.ingestion.contract import MAX_EVENTS_PER_BATCH
from services.ingestion.ingestor import ConsentHook, Ingestor
from services.ingestion.pii import IdentifierHasher
from services.ingestion.plan_store import PlanStore
from services.ingestion.privacy import IngestionPrivacy
from services.ingestion.quarantine import QuarantineStore
from services.ingestion.redact import StreamRedactor
from services.ingestion.servicer import FULL_NAME, POLICY, IngestionParts, IngestionServicer
from services.ingestion.sources import RateLimiter, SourceLimits, SourceStore
from services.ingestion.violations import ViolationLog

log = logging.getLogger("loom.ingestion")


def _burst_check(value: int) -> str | None:
    return None if value >= MAX_EVENTS_PER_BATCH else f"must be at least {MAX_EVENTS_PER_BATCH} (one full batch)"


@dataclass(frozen=True, kw_only=True)
class IngestionConfig(ArchiveSettings):
    """Settings of the ingestion service."""

    grpc_port: int = setting(50051, help="gRPC port")
    metrics_port: int = setting(9101, help="/metrics port")
    run_archiver: bool = setting(True, help="run the archiver in this process (false when it is deployed apart)")
    pii_hmac_key: str = setting("", help="secret key for hashing PII identifiers; empty turns hashing off")
    pii_hash_types: list[str] = setting(["email", "phone"], help="identifier types whose values are hashed")
    source_rate_limit_per_s: float = setting(2000.0, help="default events/s per source and replica", check=positive)
    source_burst: int = setting(10_000, help="default token bucket size per source", check=_burst_check)
    plan_refresh_s: float = setting(5.0, help="seconds between checks for data plans changed elsewhere",
                                    check=positive)
    write_key_cache_s: float = setting(30.0, help="seconds a resolved write key is cached", check=positive)
    recent_ids_capacity: int = setting(1_000_000, help="message_ids each replica remembers having published "
                                       "(dedup before the archiver records them; ~150 bytes each)", check=positive)
    consent_addr: str = setting("", help="consent service address: events of erased people are refused and every "
                                "accepted event is tagged with its consent; empty turns both off (events go out "
                                "untagged, which consumers treat as no consent)")


async def build(config: IngestionConfig, consent: ConsentHook | None = None) -> ServiceApp:
    """Connects the database and the bus and wires the servicer, plans, sources and (optionally) the archiver.

    ``consent`` drops events of erased people and tags the rest with their consent snapshot before
    publishing; without it one is built on ``config.consent_addr`` (none when that is empty).
    """
    await migrate(config.db_url, "ingestion")
    db = Database.from_url(config.db_url, application_name="ingestion")
    bus = await EventBus.connect(config.nats_url, name="loom-ingestion", prefix=config.bus_prefix)
    await bus.ensure_streams()
    if config.pii_hash_types and not config.pii_hmac_key:
        log.warning("LOOM_PII_HMAC_KEY is empty: identifiers of types %s are stored unhashed",
                    sorted(config.pii_hash_types))
    checker = None
    if consent is None and config.consent_addr:
        checker = await ConsentChecker.connect(config.consent_addr, config.service_token, bus,
                                               deadline_s=config.consent_deadline_s)
        consent = ConsentGate(checker)
    plans = PlanStore(db)
    hasher = IdentifierHasher(config.pii_hmac_key.encode(), config.pii_hash_types)
    ingestor = Ingestor(db, bus, plans, hasher, consent, recent_capacity=config.recent_ids_capacity)
    archive = Archive(db, timedelta(days=config.dedup_window_days))
    violations = ViolationLog(db)
    sources = SourceStore(db, SourceLimits(config.source_rate_limit_per_s, config.source_burst),
                          cache_s=config.write_key_cache_s)
    parts = IngestionParts(ingestor=ingestor, archive=archive, plans=plans,
                           quarantine=QuarantineStore(db, plans, ingestor), sources=sources, limiter=RateLimiter(),
                           violations=violations, db=db,
                           privacy=IngestionPrivacy(db, StreamRedactor(bus), hasher))
    background = [plans.refresher(config.plan_refresh_s)]
    if config.run_archiver:
        background.append(archiver_starter(bus, archive, violations, config))

    async def close() -> None:
        if checker is not None:
            await checker.close()
        await bus.close()
        await db.dispose()

    return ServiceApp(
        name="ingestion",
        registrations=[Registration(pb_grpc.add_IngestionServiceServicer_to_server, IngestionServicer(parts),
                                    FULL_NAME, POLICY)],
        authenticators=[sources],
        background=background,
        on_shutdown=[close],
    )
