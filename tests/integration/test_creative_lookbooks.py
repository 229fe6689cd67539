"""Lookbooks from real affinities (ingestion -> identity -> creative over gRPC), their export and erasure, and a
factory run started through StartFactoryRun on a real Temporal server with the assets indexed in SQL."""

from __future__ import annotations

import asyncio
import datetime as dt
import io
from pathlib import Path
from typing import Any

import grpc
import pytest
from PIL import Image
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from loom.common.v1 import common_pb2
from loom.creative.v1 import creative_pb2 as pb
from loom.creative.v1 import creative_pb2_grpc as pb_grpc
from loom.identity.v1 import identity_pb2_grpc
from loom.ingestion.v1 import ingestion_pb2, ingestion_pb2_grpc
from ml.creative.library import CreativeLibrary
from services.creative.app import CreativeConfig, build
from services.identity.app import IdentityConfig
from services.identity.app import build as build_identity
from services.ingestion.app import IngestionConfig
from services.ingestion.app import build as build_ingestion
from tests.integration.test_slice import order, wait_for_profile
from workflows.factory import WORKFLOWS
from workflows.factory.activities import CreativeDatabaseIndex, FactoryActivities

pytestmark = pytest.mark.integration
CATEGORIES = ["shoes/sneakers", "bags/handbags", "home/lamps"]


class FakeTopCategories:
    """Stands in for the ingestion service's TopCategories RPC (its archive is empty in this test)."""

    async def top(self, market: str, day: dt.date, limit: int) -> list[str]:
        return CATEGORIES[:limit]


async def serve_factory_run(creative: pb_grpc.CreativeServiceStub, env: WorkflowEnvironment, queue: str,
                            library: CreativeLibrary, db_url: str, run_id: str) -> pb.FactoryRun:
    """Serves a started run with a worker that indexes into the service's tables; returns it once succeeded."""
    index = CreativeDatabaseIndex(db_url)
    acts = FactoryActivities(library, FakeTopCategories(), index=index)
    try:
        async with Worker(env.client, task_queue=queue, workflows=WORKFLOWS, activities=acts.all()):
            for _ in range(600):
                run = (await creative.GetFactoryRun(pb.GetFactoryRunRequest(run_id=run_id))).run
                if run.state == pb.FACTORY_RUN_STATE_SUCCEEDED:
                    return run
                await asyncio.sleep(0.2)
    finally:
        await index.close()
    raise AssertionError(f"factory run did not succeed: {run}")


async def _factory_run(creative: pb_grpc.CreativeServiceStub, env: WorkflowEnvironment, queue: str,
                       library: CreativeLibrary, db_url: str) -> str:
    """Starts a run through the RPC, serves it with a worker that indexes into the service's tables."""
    # One workflow per market and day on the session's Temporal server: each database variant takes its own day.
    date = "2026-05-28" if db_url.startswith("sqlite") else "2026-05-29"
    start = await creative.StartFactoryRun(pb.StartFactoryRunRequest(
        market="SE", date=date, categories_limit=3, languages=["sv"], touchpoints=["social_square"]))
    assert start.workflow_id == f"creative-factory-SE-{date}" and not start.already_started
    again = await creative.StartFactoryRun(pb.StartFactoryRunRequest(market="SE", date=date))
    assert again.already_started and again.run_id == start.run_id
    run = await serve_factory_run(creative, env, queue, library, db_url, start.run_id)
    assert run.progress.assets == 3 * 2
    assert sorted(run.categories) == sorted(CATEGORIES)
    listed = await creative.ListFactoryRuns(pb.ListFactoryRunsRequest(market="SE"))
    assert [r.run_id for r in listed.runs] == [start.run_id]
    return start.run_id


async def test_factory_run_then_lookbook_render_export_and_erase(
        service_stack: Any, db_url: str, temporal_env: WorkflowEnvironment, task_queue: str, tmp_path: Path) -> None:
    await service_stack.start("ingestion", IngestionConfig, build_ingestion)
    identity = await service_stack.start("identity", IdentityConfig, build_identity)
    library = CreativeLibrary(tmp_path / "creative")
    await service_stack.start("creative", CreativeConfig, build, creative_library=str(library.root),
                              identity_addr=f"127.0.0.1:{identity.port}", factory_task_queue=task_queue,
                              temporal_address=temporal_env.client.service_client.config.target_host,
                              semantic_claims="false")
    creative = pb_grpc.CreativeServiceStub(service_stack.channel("creative"))
    run_id = await _factory_run(creative, temporal_env, task_queue, library, db_url)
    banners = await creative.ListAssets(pb.ListAssetsRequest(run_id=run_id, kind=pb.ASSET_KIND_BANNER))
    assert len(banners.assets) == 3 and all(a.state == pb.ASSET_STATE_APPROVED for a in banners.assets)

    # A customer who bought sneakers twice and a lamp once: sneakers lead the lookbook.
    now = dt.datetime.now(dt.UTC)
    ingest = ingestion_pb2_grpc.IngestionServiceStub(service_stack.channel("ingestion"))
    await ingest.IngestBatch(ingestion_pb2.IngestBatchRequest(events=[
        order("o1", "u-lb", 90_000_000, "shoes/sneakers", now - dt.timedelta(days=2)),
        order("o2", "u-lb", 80_000_000, "shoes/sneakers", now - dt.timedelta(days=1)),
        order("o3", "u-lb", 40_000_000, "home/lamps", now)]))
    profile = await wait_for_profile(identity_pb2_grpc.IdentityServiceStub(service_stack.channel("identity")),
                                     "u-lb", orders=3)
    book = (await creative.RenderLookbook(pb.RenderLookbookRequest(profile_id=profile.profile_id,
                                                                   language="sv"))).lookbook
    assert book.profile_id == profile.profile_id and len(book.product_ids) == 2
    assert book.render.kind == pb.ASSET_KIND_LOOKBOOK and book.render.touchpoint == "social_square"
    image = Image.open(io.BytesIO(Path(book.render.uri).read_bytes()))
    assert image.size == (1080, 1080) and image.format == "PNG"
    arabic = (await creative.RenderLookbook(pb.RenderLookbookRequest(
        profile_id=profile.profile_id, language="ar", touchpoint="email_hero", max_items=1))).lookbook
    assert len(arabic.product_ids) == 1 and arabic.render.dimensions.width_px == 1200

    subject = common_pb2.DataSubjectRef(request_id="dsr-1", identifiers=[
        common_pb2.Identifier(type="profile_id", value=profile.profile_id)])
    exported = await creative.ExportPersonalisations(pb.ExportPersonalisationsRequest(subject=subject))
    assert sorted(b.lookbook_id for b in exported.lookbooks) == sorted([book.lookbook_id, arabic.lookbook_id])
    subject.dry_run = True
    dry = (await creative.ErasePersonalisations(pb.ErasePersonalisationsRequest(subject=subject))).receipts[0]
    assert (dry.items_found, dry.items_erased) == (4, 0) and Path(book.render.uri).exists()
    subject.dry_run = False
    receipt = (await creative.ErasePersonalisations(pb.ErasePersonalisationsRequest(subject=subject))).receipts[0]
    assert receipt.store == "creative.lookbooks" and (receipt.items_found, receipt.items_erased) == (4, 4)
    assert not Path(book.render.uri).exists() and not Path(arabic.render.uri).exists()
    assert not (await creative.ExportPersonalisations(pb.ExportPersonalisationsRequest(subject=subject))).lookbooks
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await creative.GetAsset(pb.GetAssetRequest(asset_id=book.render.asset_id))
    assert err.value.code() == grpc.StatusCode.NOT_FOUND
    # The factory's assets are not personal data: erasure leaves them alone.
    assert all(Path(a.uri).exists() for a in banners.assets)
