"""Assembles the creative service: the library index and factory runs in its database, asset files in the
content-addressed library folder, factory workflows through Temporal, customers through identity."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from temporalio.client import Client

from loom.creative.v1 import creative_pb2_grpc
from loom.identity.v1 import identity_pb2_grpc
from ml.creative.library import CreativeLibrary
from ml.creative.models_config import build_language_model, load_models_config
from services.common.client import channel
from services.common.config import DataServiceConfig, setting
from services.common.migrate import migrate
from services.common.server import Registration, ServiceApp
from services.common.storage import Database
from services.creative.assessor import Assessor
from services.creative.brand_store import BrandStore
from services.creative.chooser import Chooser
from services.creative.library_index import LibraryIndex
from services.creative.lookbooks import Lookbooks
from services.creative.profiles import ProfileReader
from services.creative.runs import FactoryRuns
from services.creative.servicer import FULL_NAME, POLICY, Creative, CreativeServicer
from services.creative.translation import Translator

log = logging.getLogger("loom.creative")


@dataclass(frozen=True, kw_only=True)
class CreativeConfig(DataServiceConfig):
    """Settings of the creative service."""

    grpc_port: int = setting(50055, help="gRPC port")
    metrics_port: int = setting(9105, help="/metrics port")
    db_url: str = setting("sqlite+aiosqlite:///.loom/data/creative.db", help="database URL")
    creative_library: Path = setting(Path(".loom/creative"), help="folder of the content-addressed asset files "
                                                                    "(shared with the factory worker)")
    temporal_address: str = setting("127.0.0.1:7233", help="Temporal frontend address, for factory runs")
    temporal_namespace: str = setting("default", help="Temporal namespace")
    factory_task_queue: str = setting("loom-factory", help="task queue of the factory workflow")
    identity_addr: str = setting("127.0.0.1:50052", help="identity's gRPC address, for customers' affinities "
                                                         "('' to disable)")
    semantic_claims: bool = setting(True, help="check banned claims by meaning with the bundled MiniLM model "
                                               "(false: exact phrases only)")


def _embedder(enabled: bool) -> Any | None:
    if not enabled:
        return None
    from ml.creative.embeddings import default_embedder

    return default_embedder()


async def build(config: CreativeConfig) -> ServiceApp:
    """Migrates, opens the database and wires the domain; Temporal is connected on first use."""
    await migrate(config.db_url, "creative")
    db = Database.from_url(config.db_url, application_name="loom-creative")
    library = CreativeLibrary(config.creative_library)
    index = LibraryIndex(db)
    identity_channel = channel(config.identity_addr, config.service_token) if config.identity_addr else None
    profiles = ProfileReader(identity_pb2_grpc.IdentityServiceStub(identity_channel) if identity_channel else None)

    async def connect() -> Client:
        return await Client.connect(config.temporal_address, namespace=config.temporal_namespace)

    brands = BrandStore(db)
    translator = Translator(db, brands, build_language_model(load_models_config()))
    creative = Creative(
        index=index, runs=FactoryRuns(db, index, library, connect, config.factory_task_queue),
        assessor=Assessor(index, _embedder(config.semantic_claims)), chooser=Chooser(index, profiles),
        lookbooks=Lookbooks(db, index, library, profiles), brands=brands, translator=translator)

    async def close() -> None:
        if identity_channel is not None:
            await identity_channel.close()
        await db.dispose()

    registration = Registration(creative_pb2_grpc.add_CreativeServiceServicer_to_server, CreativeServicer(creative),
                                FULL_NAME, POLICY)
    return ServiceApp(name="creative", registrations=[registration], on_shutdown=[close])

