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

from ml.creative.brand import BrandKit, Occasion, kit_from_document, load_brand_kit, load_markets, occasion_on
from ml.creative.contact_sheet import contact_sheet
from ml.creative.library import CreativeLibrary
from ml.creative.pipeline import Brief, Factory
from workflows.factory.types import (
    PLAN_ACTIVITY,
    PRODUCE_ACTIVITY,
    SHEET_ACTIVITY,
    BriefItem,
    FactoryInput,
    ItemResult,
    run_id_of,
)

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


class BrandKits(Protocol):
    """Where the brand kits and occasion calendars stored through the creative service's API come from."""

    async def document(self, brand_id: str) -> dict[str, Any]:
        """The kit as a dict with proto field names; raises when the brand has no kit."""
        ...

    async def occasion(self, market: str, day: dt.date) -> Occasion | None:
        """The highest-priority occasion of the market's calendar running on ``day``."""
        ...


class CreativeServiceBrandKits:
    """BrandKits over gRPC from the creative service: GetBrandKit ("default" is the built-in kit until one is
    stored) and ListOccasions (the built-in calendar until PutOccasionCalendar replaces a market's)."""

    def __init__(self, address: str, token: str = "") -> None:
        self.address, self.token = address, token

    async def occasion(self, market: str, day: dt.date) -> Occasion | None:
        """ListOccasions for the one day; ties on priority go to the earlier start, as the calendar lists them."""
        from loom.creative.v1 import creative_pb2, creative_pb2_grpc
        from services.common.client import channel

        async with channel(self.address, self.token) as ch:
            response = await creative_pb2_grpc.CreativeServiceStub(ch).ListOccasions(
                creative_pb2.ListOccasionsRequest(market=market, from_date=day.isoformat(), to_date=day.isoformat()),
                timeout=30)
        if not response.occasions:
            return None
        best = max(response.occasions, key=lambda o: o.priority)
        return Occasion(best.occasion_id, best.name, dt.date.fromisoformat(best.start_date),
                        dt.date.fromisoformat(best.end_date), best.theme, best.priority, tuple(best.categories))

    async def document(self, brand_id: str) -> dict[str, Any]:
        """GetBrandKit as a dict; a missing kit is NOT_FOUND, which fails the plan (not retried forever)."""
        from loom.creative.v1 import creative_pb2, creative_pb2_grpc
        from services.common.client import channel
        from services.creative.brand_store import kit_document

        async with channel(self.address, self.token) as ch:
            response = await creative_pb2_grpc.CreativeServiceStub(ch).GetBrandKit(
                creative_pb2.GetBrandKitRequest(brand_id=brand_id), timeout=30)
        return kit_document(response.brand_kit)


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

    async def close(self) -> None:
        """Closes the database connections opened on first use."""
        async with self._lock:
            if self._index is not None:
                await self._index.db.dispose()
                self._index = None


class FactoryActivities:
    """Owns the factory models (loaded once per worker), the library and, when configured, its SQL index."""

    def __init__(self, library: CreativeLibrary, categories: TopCategories, factory: Factory | None = None,
                 index: ItemIndex | None = None, brands: BrandKits | None = None) -> None:
        self.library, self.categories, self.index, self.brands = library, categories, index, brands
        self.factory = factory or Factory()
        self.produced_items = 0  # items actually rendered by this worker (not reused), for tests and logs
        self._by_kit: dict[tuple[str, int], Factory] = {}

    async def _kit(self, brand_id: str) -> tuple[BrandKit, dict[str, Any] | None]:
        """The brand's kit and its document; without a kit source, the built-in default (and no document)."""
        if self.brands is None:
            if brand_id and brand_id != load_brand_kit().brand_id:
                raise ValueError(f"brand kit {brand_id!r} needs the creative service (no kit source configured)")
            return load_brand_kit(), None
        doc = await self.brands.document(brand_id or "default")
        return kit_from_document(doc), doc

    def _factory(self, brand: dict[str, Any] | None) -> Factory:
        """The factory for the brand kit a brief was planned with (models shared, one per kit revision)."""
        if brand is None:
            return self.factory
        kit = kit_from_document(brand)
        key = (kit.brand_id, kit.revision)
        if key not in self._by_kit:
            self._by_kit[key] = self.factory.for_kit(kit)
        return self._by_kit[key]

    @activity.defn(name=PLAN_ACTIVITY)
    async def plan_briefs(self, params: FactoryInput) -> list[BriefItem]:
        """One brief per top category, themed by the market's occasion of the day."""
        markets = load_markets()
        if params.market not in markets:
            raise ValueError(f"unknown market {params.market!r}; known: {sorted(markets)}")
        day = dt.date.fromisoformat(params.date)
        occasion = occasion_on(params.market, day) if self.brands is None else \
            await self.brands.occasion(params.market, day)
        kit, doc = await self._kit(params.brand_id)
        if unknown := [t for t in params.touchpoints if t not in kit.touchpoints]:
            raise ValueError(f"brand kit {kit.brand_id!r} has no touchpoints {unknown}; it has {list(kit.touchpoints)}")
        categories = await self.categories.top(params.market, day, params.categories_limit or 30)
        languages = params.languages or list(markets[params.market].languages)
        touchpoints = params.touchpoints or list(kit.touchpoints)
        run_id = run_id_of(params.market, params.date, params.brand_id)
        return [BriefItem(f"{i:03d}-{c.replace('/', '-')}", run_id, params.market, c, f"top-{c}",
                          occasion.theme if occasion else "default", occasion.occasion_id if occasion else "",
                          languages, touchpoints, doc) for i, c in enumerate(categories)]

    @activity.defn(name=PRODUCE_ACTIVITY)
    async def produce_item(self, item: BriefItem) -> ItemResult:
        """Renders and assesses every asset of one category, unless the library already holds it."""
        record = self.library.get_item(item.run_id, item.item_id)
        reused = record is not None
        if record is None:
            brief = Brief(item.market, item.category, item.product_id, item.theme, item.occasion_id,
                          tuple(item.languages), tuple(item.touchpoints), item.run_id)
            factory = self._factory(item.brand)
            with ITEM_SECONDS.time():
                produced = await asyncio.to_thread(factory.produce, brief)
            meta = {"market": item.market, "category": item.category, "occasion_id": item.occasion_id,
                    "brand_id": factory.kit.brand_id, "brand_revision": factory.kit.revision}
            record = self.library.put_item(item.run_id, item.item_id, meta, produced)
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
        run_id = run_id_of(params.market, params.date, params.brand_id)
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
