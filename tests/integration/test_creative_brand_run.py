"""A factory run for a brand kit and occasion calendar stored through the API: StartFactoryRun on a real
Temporal server, a worker that reads both from the creative service over gRPC, and assets that follow them."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from loom.creative.v1 import creative_pb2 as pb
from loom.creative.v1 import creative_pb2_grpc as pb_grpc
from ml.creative.library import CreativeLibrary
from services.creative.app import CreativeConfig, build
from tests.unit.test_creative_brand_kits import acme
from workflows.factory import WORKFLOWS
from workflows.factory.activities import CreativeDatabaseIndex, CreativeServiceBrandKits, FactoryActivities

pytestmark = pytest.mark.integration


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    """SQLite only: the brand's path through the factory is under test here, not the storage engines."""
    return f"sqlite+aiosqlite:///{tmp_path}/loom.db"


class FakeTopCategories:
    """Stands in for the ingestion service's TopCategories RPC (no order history in this test)."""

    async def top(self, market: str, day: dt.date, limit: int) -> list[str]:
        return ["shoes/sneakers"][:limit]


async def test_a_run_for_a_stored_brand_kit_renders_with_that_kit(
        service_stack: Any, db_url: str, temporal_env: WorkflowEnvironment, task_queue: str, tmp_path: Path) -> None:
    library = CreativeLibrary(tmp_path / "creative")
    server = await service_stack.start("creative", CreativeConfig, build, creative_library=str(library.root),
                                       factory_task_queue=task_queue, semantic_claims="false",
                                       temporal_address=temporal_env.client.service_client.config.target_host)
    creative = pb_grpc.CreativeServiceStub(service_stack.channel("creative"))
    stored = (await creative.PutBrandKit(pb.PutBrandKitRequest(brand_kit=acme()))).brand_kit
    date = "2026-06-02"
    # The market's calendar as stored through the API, not the built-in one, themes the run.
    await creative.PutOccasionCalendar(pb.PutOccasionCalendarRequest(market="SE", occasions=[
        pb.Occasion(occasion_id="se-acme-days", name="Acme days", start_date="2026-06-01", end_date="2026-06-03",
                    theme="summer_sale", priority=1),
        pb.Occasion(occasion_id="se-quiet", name="Quiet week", start_date="2026-05-30", end_date="2026-06-05",
                    theme="default", priority=0)]))
    start = await creative.StartFactoryRun(pb.StartFactoryRunRequest(
        market="SE", date=date, categories_limit=1, languages=["sv"], touchpoints=["wide"], brand_id="acme"))
    assert (start.run_id, start.workflow_id) == (f"SE-{date}-acme", f"creative-factory-SE-{date}-acme")
    brands = CreativeServiceBrandKits(f"127.0.0.1:{server.port}", service_stack.tokens.service)
    index = CreativeDatabaseIndex(db_url)
    acts = FactoryActivities(library, FakeTopCategories(), index=index, brands=brands)
    try:
        async with Worker(temporal_env.client, task_queue=task_queue, workflows=WORKFLOWS, activities=acts.all()):
            await temporal_env.client.get_workflow_handle(start.workflow_id).result()
    finally:
        await index.close()
    run = (await creative.GetFactoryRun(pb.GetFactoryRunRequest(run_id=start.run_id))).run
    assert run.state == pb.FACTORY_RUN_STATE_SUCCEEDED
    banners = (await creative.ListAssets(pb.ListAssetsRequest(run_id=start.run_id,
                                                              kind=pb.ASSET_KIND_BANNER))).assets
    assert [(b.touchpoint, b.language) for b in banners] == [("wide", "sv")]
    assert (banners[0].dimensions.width_px, banners[0].dimensions.height_px) == (1500, 500)
    assert banners[0].copy.body.startswith("Acme-skor from Acme. ")
    record = next(library.items(start.run_id))
    assert (record["brand_id"], record["brand_revision"]) == ("acme", stored.revision)
    assert record["occasion_id"] == "se-acme-days"
