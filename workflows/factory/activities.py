"""Activities of the factory: plan briefs from top categories and the occasion calendar, produce one item
(image steps, copy, translations, assessment) into the library, and draw the market's contact sheet."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

from prometheus_client import Counter, Histogram
from temporalio import activity

from ml.creative.brand import load_brand_kit, load_markets, occasion_on
from ml.creative.contact_sheet import contact_sheet
from ml.creative.library import CreativeLibrary
from ml.creative.pipeline import Brief, Factory
from workflows.factory.types import PLAN_ACTIVITY, PRODUCE_ACTIVITY, SHEET_ACTIVITY, BriefItem, FactoryInput, ItemResult

ASSETS = Counter("loom_creative_factory_assets_total", "Assets produced by the factory", ["market", "verdict"])
ITEM_SECONDS = Histogram("loom_creative_factory_item_seconds", "Seconds to produce one category item",
                         buckets=(0.5, 1, 2, 5, 10, 30, 60, 120))


class TopCategories(Protocol):
    """Source of a market's top and rising categories (the ingestion service's TopCategories RPC)."""

    async def top(self, market: str, day: dt.date, limit: int) -> list[str]:
        """Category ids, best first."""
        ...


class IngestionTopCategories:
    """TopCategories over gRPC: the last 7 days against the 7 before, top sellers then the fastest risers."""

    def __init__(self, address: str, token: str = "") -> None:
        self.address, self.token = address, token

    async def top(self, market: str, day: dt.date, limit: int) -> list[str]:
        """Top categories by revenue, then risers not already listed."""
        from google.protobuf.timestamp_pb2 import Timestamp

        from loom.common.v1 import common_pb2
        from loom.ingestion.v1 import ingestion_pb2, ingestion_pb2_grpc
        from services.common.client import channel

        end = dt.datetime.combine(day, dt.time(), dt.UTC)
        start, stop = Timestamp(), Timestamp()
        start.FromDatetime(end - dt.timedelta(days=7))
        stop.FromDatetime(end)
        async with channel(self.address, self.token) as ch:
            response = await ingestion_pb2_grpc.IngestionServiceStub(ch).TopCategories(
                ingestion_pb2.TopCategoriesRequest(market=market, limit=limit,
                                                   window=common_pb2.TimeRange(start=start, end=stop)), timeout=30)
        names = [c.category for c in response.top] + [c.category for c in response.risers]
        return list(dict.fromkeys(names))[:limit]


class ItemIndex(Protocol):
    """Where produced items are indexed for the creative service (its `LibraryIndex`)."""

    async def record_item(self, record: dict[str, Any]) -> int:
        """Indexes one item record; idempotent."""
        ...


class CreativeDatabaseIndex:
    """The creative service's library index on its database, migrated and opened on first use."""

    def __init__(self, db_url: str) -> None:
        self.db_url = db_url
        self._index: Any = None
        self._lock = asyncio.Lock()

    async def record_item(self, record: dict[str, Any]) -> int:
        """Indexes one item record into the creative tables."""
        async with self._lock:
            if self._index is None:
                from services.common.migrate import migrate
                from services.common.storage import Database
                from services.creative.library_index import LibraryIndex

                await migrate(self.db_url, "creative")
                self._index = LibraryIndex(Database.from_url(self.db_url, application_name="loom-factory"))
        return int(await self._index.record_item(record))


class FactoryActivities:
    """Owns the factory models (loaded once per worker), the library and, when configured, its SQL index."""

    def __init__(self, library: CreativeLibrary, categories: TopCategories, factory: Factory | None = None,
                 index: ItemIndex | None = None) -> None:
        self.library, self.categories, self.index = library, categories, index
        self.factory = factory or Factory()
        self.produced_items = 0  # items actually rendered by this worker (not reused), for tests and logs

    @activity.defn(name=PLAN_ACTIVITY)
    async def plan_briefs(self, params: FactoryInput) -> list[BriefItem]:
        """One brief per top category, themed by the market's occasion of the day."""
        markets = load_markets()
        if params.market not in markets:
            raise ValueError(f"unknown market {params.market!r}; known: {sorted(markets)}")
        day = dt.date.fromisoformat(params.date)
        occasion = occasion_on(params.market, day)
        kit = load_brand_kit()
        categories = await self.categories.top(params.market, day, params.categories_limit or 30)
        languages = params.languages or list(markets[params.market].languages)
        touchpoints = params.touchpoints or list(kit.touchpoints)
        run_id = f"{params.market}-{params.date}"
        return [BriefItem(f"{i:03d}-{c.replace('/', '-')}", run_id, params.market, c, f"top-{c}",
                          occasion.theme if occasion else "default", occasion.occasion_id if occasion else "",
                          languages, touchpoints) for i, c in enumerate(categories)]

    @activity.defn(name=PRODUCE_ACTIVITY)
    async def produce_item(self, item: BriefItem) -> ItemResult:
        """Renders and assesses every asset of one category, unless the library already holds it."""
        record = self.library.get_item(item.run_id, item.item_id)
        reused = record is not None
        if record is None:
            brief = Brief(item.market, item.category, item.product_id, item.theme, item.occasion_id,
                          tuple(item.languages), tuple(item.touchpoints), item.run_id)
            with ITEM_SECONDS.time():
                produced = await asyncio.to_thread(self.factory.produce, brief)
            record = self.library.put_item(item.run_id, item.item_id, {"market": item.market,
                                           "category": item.category, "occasion_id": item.occasion_id}, produced)
            self.produced_items += 1
        if self.index is not None:
            # Also for a reused record: the previous attempt may have crashed between the file and the index.
            await self.index.record_item(record)
        verdicts = [(a.get("assessment") or {}).get("verdict") for a in record["assets"]]
        if not reused:
            for v in verdicts:
                ASSETS.labels(item.market, v or "none").inc()
        return ItemResult(item.item_id, len(record["assets"]), verdicts.count("pass"),
                          verdicts.count("needs_review"), verdicts.count("reject"), reused)

    @activity.defn(name=SHEET_ACTIVITY)
    async def draw_contact_sheet(self, params: FactoryInput) -> str:
        """One PNG grid of the run's banners (one language per touchpoint row) for people to look at."""
        return await asyncio.to_thread(self._sheet, params)

    def _sheet(self, params: FactoryInput) -> str:
        run_id = f"{params.market}-{params.date}"
        cells: list[tuple[bytes, str, str]] = []
        for record in self.library.items(run_id):
            lang = (params.languages or [a["language"] for a in record["assets"] if a["language"]] or [""])[0]
            for a in record["assets"]:
                if a["kind"] == "banner" and a["language"] == lang:
                    label = f"{record['category'].split('/')[-1]} {a['touchpoint']} {lang}"
                    cells.append((Path(a["uri"]).read_bytes(), label, a["assessment"]["verdict"]))
        sheet = contact_sheet(cells, f"{params.market} {params.date}")
        path = self.library.root / "sheets" / f"{run_id}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        sheet.save(path)
        return str(path)

    def all(self) -> list[Callable[..., Any]]:
        """The activity callables to register."""
        return [self.plan_briefs, self.produce_item, self.draw_contact_sheet]
