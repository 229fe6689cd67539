"""Lookbooks: a customer's personal gallery from their category affinities and the library's approved assets,
rendered as one PNG, stored content-addressed with the profile id so it can be exported and erased."""

from __future__ import annotations

import asyncio
import io
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from prometheus_client import Counter
from sqlalchemy import delete, select

from ml.creative.brand import LANGUAGES, load_brand_kit, load_markets
from ml.creative.copywriter import Copywriter, Untranslatable
from ml.creative.library import CreativeLibrary
from services.common.errors import FailedPrecondition, Violations
from services.common.storage import Database
from services.creative.assessor import read_bytes
from services.creative.library_index import LibraryIndex, now_utc
from services.creative.lookbook_render import Card, render_lookbook
from services.creative.profiles import ProfileReader
from services.creative.tables import assets, lookbooks

RENDERED = Counter("loom_creative_lookbooks_rendered_total", "Lookbooks rendered")
ERASED = Counter("loom_creative_personalisations_erased_total", "Personal renders erased")
DEFAULT_TOUCHPOINT = "social_square"
RENDERER = "loom-lookbook@1"


def _unlink(paths: Sequence[Path]) -> int:
    """Removes the files that exist; returns how many."""
    removed = 0
    for path in paths:
        if path.exists():
            path.unlink()
            removed += 1
    return removed


class Lookbooks:
    """Renders, lists and erases personal lookbooks."""

    def __init__(self, db: Database, index: LibraryIndex, library: CreativeLibrary, profiles: ProfileReader) -> None:
        self.db, self.index, self.library, self.profiles = db, index, library, profiles
        self.copywriter = Copywriter(load_brand_kit())

    async def _picks(self, categories: Sequence[str], market: str, limit: int) -> list[dict[str, Any]]:
        """Best approved banner per product, taking categories in affinity order round-robin."""
        rows = await self.index.usable_in(categories, market) or await self.index.usable_in(categories, "")
        per_category: dict[str, list[dict[str, Any]]] = {c: [] for c in categories}
        seen: set[str] = set()
        for row in rows:  # best first
            product = row["lineage"].get("product_id") or row["asset_id"]
            if product not in seen:
                seen.add(product)
                per_category[row["category"]].append(row)
        picks: list[dict[str, Any]] = []
        while len(picks) < limit and any(per_category.values()):
            for c in categories:
                if per_category[c] and len(picks) < limit:
                    picks.append(per_category[c].pop(0))
        return picks

    async def _image_of(self, banner: dict[str, Any]) -> bytes:
        """The product's clean master image (no copy on it) when the library has it, else the banner."""
        parent = banner["lineage"].get("parent_hash")
        master = await self.index.by_hash(parent) if parent else None
        for row in (master, banner):
            data = await asyncio.to_thread(read_bytes, row["uri"]) if row is not None else None
            if data is not None:
                return data
        raise FailedPrecondition(f"the bytes of asset {banner['asset_id']!r} are missing from the library")

    async def render(self, profile_id: str, touchpoint: str, language: str, max_items: int) -> dict[str, Any]:
        """Renders and stores a lookbook; returns its row joined with its asset row."""
        kit = load_brand_kit()
        v = Violations()
        v.require(profile_id, "profile_id")
        touchpoint = touchpoint or DEFAULT_TOUCHPOINT
        if touchpoint not in kit.touchpoints:
            v.add("touchpoint", f"unknown touchpoint {touchpoint!r}; known: {', '.join(kit.touchpoints)}")
        if language and language not in LANGUAGES:
            v.add("language", f"unsupported language {language!r}; supported: {', '.join(LANGUAGES)}")
        if not 0 <= max_items <= 12:
            v.add("max_items", "must be between 1 and 12 (0 for the default 6)")
        v.raise_if_any()
        customer = await self.profiles.customer(profile_id)
        if not customer.categories:
            raise FailedPrecondition(f"profile {profile_id!r} has no category affinities yet (no purchases seen)")
        markets = load_markets()
        market_languages = markets[customer.market].languages if customer.market in markets else ("en",)
        language = language or (customer.language if customer.language in LANGUAGES else market_languages[0])
        picks = await self._picks(customer.categories, customer.market, max_items or 6)
        if not picks:
            raise FailedPrecondition(f"no approved creative in the categories of profile {profile_id!r} "
                                     f"({', '.join(customer.categories[:5])}); run the factory and review first")
        cards = [Card(await self._image_of(p), self._label(p["category"], language)) for p in picks]
        tp = kit.touchpoints[touchpoint]
        title = self.copywriter.segment("lookbook.title", language)
        image = await asyncio.to_thread(render_lookbook, kit, cards, title, language, (tp.width, tp.height))
        buf = io.BytesIO()
        image.save(buf, "PNG", compress_level=6)
        content_hash, path = self.library.put_blob(buf.getvalue(), "image/png")
        lookbook_id, now = uuid.uuid4().hex, now_utc()
        product_ids = [p["lineage"].get("product_id", "") for p in picks]
        asset_row = {
            "asset_id": f"lookbook-{lookbook_id}", "kind": "lookbook", "state": "approved",
            "market": customer.market, "category": "", "language": language, "touchpoint": touchpoint,
            "occasion_id": "", "run_id": "", "content_hash": content_hash, "uri": str(path), "mime_type": "image/png",
            "width": tp.width, "height": tp.height, "copy": None,
            "lineage": {"steps": ["lookbook:grid"], "models": {"lookbook": RENDERER}, "product_id": "",
                        "sources": [p["asset_id"] for p in picks]},
            "assessment": None, "score": 0.0, "profile_id": profile_id, "reviewed": 0, "created_at": now,
            "published_at": None, "expires_at": None,
        }
        await self.index.insert(asset_row)
        book = {"lookbook_id": lookbook_id, "profile_id": profile_id, "asset_id": asset_row["asset_id"],
                "product_ids": product_ids, "rendered_at": now}
        async with self.db.begin() as conn:
            await conn.execute(lookbooks.insert().values(**book))
        RENDERED.inc()
        return {**book, "asset": asset_row}

    def _label(self, category: str, language: str) -> str:
        try:
            return self.copywriter.category_name(category, language)
        except Untranslatable:
            return category.split("/")[-1].replace("-", " ").title()

    async def of(self, profile_ids: Sequence[str]) -> list[dict[str, Any]]:
        """Every lookbook of these profiles with its asset row, oldest first."""
        async with self.db.connect() as conn:
            rows = [dict(r._mapping) for r in await conn.execute(
                select(lookbooks).where(lookbooks.c.profile_id.in_(list(profile_ids)))
                .order_by(lookbooks.c.rendered_at, lookbooks.c.lookbook_id))]
        return [{**r, "asset": await self.index.get(r["asset_id"])} for r in rows]

    async def erase(self, profile_ids: Sequence[str], dry_run: bool) -> tuple[int, int, int]:
        """Erases the lookbooks and personal renders of these profiles: files first (only those no other asset
        shares), then rows, so a retry after a crash finds and finishes whatever is left.
        Returns (found, erased, files removed)."""
        async with self.db.connect() as conn:
            asset_rows = (await conn.execute(select(assets.c.asset_id, assets.c.content_hash, assets.c.mime_type)
                                             .where(assets.c.profile_id.in_(list(profile_ids))))).all()
            books = (await conn.execute(select(lookbooks.c.lookbook_id)
                                        .where(lookbooks.c.profile_id.in_(list(profile_ids))))).all()
        found = len(books) + len(asset_rows)
        if dry_run or not found:
            return found, 0, 0
        ids = [r.asset_id for r in asset_rows]
        mimes = {r.content_hash: r.mime_type for r in asset_rows}
        paths = [self.library.blob_path(h, mimes[h]) for h in await self.index.unshared_hashes(ids)]
        files = await asyncio.to_thread(_unlink, paths)
        erased = await self.index.delete_assets(ids)
        async with self.db.begin() as conn:
            erased += (await conn.execute(delete(lookbooks).where(lookbooks.c.profile_id.in_(list(profile_ids)))
                                          )).rowcount or 0
        ERASED.inc(erased)
        return found, erased, files
