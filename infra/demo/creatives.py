"""Stage 5: the creative factory for one market, then publishing what the creative director approved.

StartFactoryRun starts the CreativeFactory workflow (top categories from the archive x today's occasion ->
image pipeline -> copy per language -> creative director). Approved banners are published so the journey's
ChooseCreative has something to pick; assets the director sent to review are left for a human.
"""

from __future__ import annotations

import asyncio
import time
from datetime import datetime
from zoneinfo import ZoneInfo

from rich.console import Console

from infra.demo.report import CreativeNumbers, DemoStageError, progress
from loom.common.v1 import common_pb2
from loom.creative.v1 import creative_pb2 as pb
from loom.creative.v1 import creative_pb2_grpc

MARKET = "SE"
LANGUAGES = ("sv", "en")
TOUCHPOINT = "email_hero"
# Top categories to brief; some synthetic categories have no approved glossary name, and the factory refuses
# to write copy for those (counted as failed), so the brief is wide enough to always include translatable ones.
CATEGORIES = 8


async def factory_run(stub: creative_pb2_grpc.CreativeServiceStub, numbers: CreativeNumbers, console: Console,
                      date: str, timeout_s: float = 420.0) -> None:
    """Starts (or, on a rerun the same day, joins) the market's factory run and follows it to the end."""
    started = time.perf_counter()
    reply = await stub.StartFactoryRun(pb.StartFactoryRunRequest(
        market=MARKET, date=date, categories_limit=CATEGORIES, languages=list(LANGUAGES), touchpoints=[TOUCHPOINT]),
        timeout=30)
    numbers.run_id, numbers.market = reply.run_id, MARKET
    deadline = time.monotonic() + timeout_s
    with progress(console) as bar:
        task = bar.add_task(f"creative factory ({MARKET})", total=CATEGORIES)
        while True:
            run = (await stub.GetFactoryRun(pb.GetFactoryRunRequest(run_id=reply.run_id), timeout=30)).run
            done = run.progress.categories
            bar.update(task, total=max(CATEGORIES, len(run.categories)), completed=done)
            if run.state == pb.FACTORY_RUN_STATE_SUCCEEDED:
                break
            if run.state in (pb.FACTORY_RUN_STATE_FAILED, pb.FACTORY_RUN_STATE_CANCELLED):
                raise DemoStageError("creatives", f"factory run {run.run_id} ended "
                                     f"{pb.FactoryRunState.Name(run.state)}: {run.error or 'see the worker log'}")
            if time.monotonic() > deadline:
                raise DemoStageError("creatives", f"factory run {run.run_id} still running after {timeout_s:.0f} s")
            await asyncio.sleep(1.0)
    numbers.categories = list(run.categories)
    p = run.progress
    numbers.verdicts.update({"pass": p.passed, "needs_review": p.needs_review, "reject": p.rejected,
                             "failed": p.failed})
    numbers.seconds = time.perf_counter() - started


async def creatives_stage(stub: creative_pb2_grpc.CreativeServiceStub, numbers: CreativeNumbers,
                          console: Console) -> None:
    """Today's factory run for the market (its local date), then publishing."""
    today = datetime.now(ZoneInfo("Europe/Stockholm")).date().isoformat()
    await factory_run(stub, numbers, console, today)
    await publish(stub, numbers)


async def _banners(stub: creative_pb2_grpc.CreativeServiceStub, run_id: str, state: int) -> list[pb.Asset]:
    out: list[pb.Asset] = []
    token = ""
    while True:
        reply = await stub.ListAssets(pb.ListAssetsRequest(
            run_id=run_id, state=state, kind=pb.ASSET_KIND_BANNER, touchpoint=TOUCHPOINT,
            page=common_pb2.PageRequest(page_size=200, page_token=token)), timeout=30)
        out.extend(reply.assets)
        token = reply.page.next_page_token
        if not token:
            return out


async def publish(stub: creative_pb2_grpc.CreativeServiceStub, numbers: CreativeNumbers) -> None:
    """Publishes every approved banner of the run (publishing again is a no-op, so reruns are safe)."""
    approved = await _banners(stub, numbers.run_id, pb.ASSET_STATE_APPROVED)
    already = await _banners(stub, numbers.run_id, pb.ASSET_STATE_PUBLISHED)
    if not approved and not already:
        # Nothing passed on its own: a brand reviewer approves the best banner sent to review, as one would
        # in the morning; the review is audited like any other.
        waiting = sorted(await _banners(stub, numbers.run_id, pb.ASSET_STATE_NEEDS_REVIEW),
                         key=lambda a: -a.assessment.quality.score)
        for asset in waiting[:2]:
            await stub.ReviewAsset(pb.ReviewAssetRequest(
                asset_id=asset.asset_id, reviewer="demo-brand-reviewer", decision=pb.REVIEW_DECISION_APPROVE,
                reason="demo: approved after a look at the contact sheet"), timeout=30)
            numbers.approved_by_reviewer += 1
        approved = await _banners(stub, numbers.run_id, pb.ASSET_STATE_APPROVED)
    for asset in approved:
        await stub.PublishAsset(pb.PublishAssetRequest(asset_id=asset.asset_id), timeout=30)
    numbers.published = len(approved) + len(already)
    if numbers.published == 0:
        raise DemoStageError("creatives", f"factory run {numbers.run_id} produced no banner that could be "
                             f"published for {TOUCHPOINT} (verdicts: {dict(numbers.verdicts)})")
