"""AssessAsset: the creative director run again on an asset's stored bytes, with thresholds that follow the
reviewers' recorded decisions (legal gates never move)."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path
from typing import Any

from PIL import Image
from prometheus_client import Counter

from ml.creative.brand import Touchpoint, load_brand_kit
from ml.creative.copywriter import Copy
from ml.creative.director import CreativeDirector, Thresholds, to_dict
from ml.creative.layout import Rendered
from ml.creative.legal import ClaimChecker
from services.common.errors import FailedPrecondition
from services.creative.library_index import LibraryIndex, now_utc

ASSESSMENTS = Counter("loom_creative_assessments_total", "AssessAsset verdicts", ["verdict"])


def read_bytes(uri: str) -> bytes | None:
    """The bytes of a library file, or None when it is gone."""
    path = Path(uri)
    return path.read_bytes() if path.is_file() else None


def _box(value: Any) -> tuple[int, int, int, int] | None:
    return (int(value[0]), int(value[1]), int(value[2]), int(value[3])) if value else None


def rendered_of(row: dict[str, Any], image: Image.Image) -> Rendered:
    """The render as the director sees it: the stored image with the text, logo and button boxes the factory
    recorded in the lineage (none for images without text)."""
    layout = (row.get("lineage") or {}).get("layout") or {}
    boxes = tuple(b for b in (_box(v) for v in layout.get("text_boxes", [])) if b)
    colour = tuple(int(c) for c in layout.get("text_color", (0, 0, 0)))
    return Rendered(image, boxes, (colour[0], colour[1], colour[2]), _box(layout.get("logo_box")),
                    _box(layout.get("button_box")))


def touchpoint_of(row: dict[str, Any]) -> Touchpoint:
    """The brand kit's touchpoint of an asset, or a text-free one of its own size (master images, lookbooks)."""
    kit = load_brand_kit()
    tp = kit.touchpoints.get(row["touchpoint"])
    if tp is not None:
        return tp
    return Touchpoint(row["touchpoint"] or "custom", row["width"], row["height"], row["mime_type"], 0,
                      (0.0, 0.0, 0.0, 0.0))


class Assessor:
    """Runs the creative director on stored assets."""

    def __init__(self, index: LibraryIndex, embedder: Any | None = None) -> None:
        self.index = index
        kit = load_brand_kit()
        self.director = CreativeDirector(kit, ClaimChecker(embedder, banned_phrases=kit.banned_phrases))
        # One assessment at a time: the director's caches and the embedder are not shared across threads.
        self._lock = asyncio.Lock()

    async def thresholds(self) -> Thresholds:
        """Thresholds replayed from the recorded reviews."""
        t = Thresholds()
        for score, approved in await self.index.review_history():
            t.learn(score, approved)
        return t

    async def assess(self, asset_id: str) -> tuple[dict[str, Any], str]:
        """Assesses one asset and stores the result; returns the assessment and the asset's state after it."""
        row = await self.index.get(asset_id)
        data = await asyncio.to_thread(read_bytes, row["uri"])
        if data is None:
            raise FailedPrecondition(f"the bytes of asset {asset_id!r} are missing from the library ({row['uri']})")
        copy = Copy(**row["copy"]) if row.get("copy") else None
        thresholds = await self.thresholds()
        async with self._lock:
            self.director.thresholds = thresholds
            result = await asyncio.to_thread(self._assess, row, data, copy)
        result["assessed_at"] = now_utc().isoformat()
        state = await self.index.assessed(asset_id, result)
        ASSESSMENTS.labels(result["verdict"]).inc()
        return result, state

    def _assess(self, row: dict[str, Any], data: bytes, copy: Copy | None) -> dict[str, Any]:
        image = Image.open(io.BytesIO(data)).convert("RGB")
        return to_dict(self.director.assess(rendered_of(row, image), touchpoint_of(row), copy, row["market"],
                                            occasion=bool(row["occasion_id"])))
