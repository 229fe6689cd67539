"""Creative factory throughput: finished, assessed assets per minute (every touchpoint size and all 13
languages, semantic claim checks included) on 2 worker processes, next to a raw image-operations ceiling
measured in the same run: background render, resize and encode of the same sizes with no text or assessment."""

from __future__ import annotations

import asyncio
import time
from concurrent.futures import ProcessPoolExecutor
from typing import Any

PROCESSES = 2
CATEGORIES = ["bags/handbags", "shoes/sneakers"]


def _produce(category: str) -> tuple[int, float]:
    from ml.creative.brand import LANGUAGES, load_brand_kit
    from ml.creative.embeddings import default_embedder
    from ml.creative.pipeline import Brief, Factory

    factory = Factory(embedder=default_embedder())
    kit = load_brand_kit()
    start = time.perf_counter()
    produced = factory.produce(Brief("SE", category, f"bench-{category}", "black_friday", "se-bf", LANGUAGES,
                                     tuple(kit.touchpoints)))
    assessed = sum(1 for p in produced if p.assessment is not None)
    return assessed, time.perf_counter() - start


def _warm() -> None:
    from ml.creative.embeddings import default_embedder

    default_embedder().embed(["warm up"])


def _raw(category: str) -> tuple[int, float]:
    from ml.creative.backgrounds import render_background
    from ml.creative.brand import LANGUAGES, load_brand_kit
    from ml.creative.pipeline import encode

    kit = load_brand_kit()
    start = time.perf_counter()
    count = 0
    for tp in kit.touchpoints.values():
        base = render_background("black_friday", kit.palette, (tp.width, tp.height))
        for _ in LANGUAGES:
            encode(base.copy(), tp.mime)
            count += 1
    return count, time.perf_counter() - start


async def run() -> dict[str, Any]:
    """Assets per minute end to end and the raw ceiling, both on ``PROCESSES`` processes."""
    loop = asyncio.get_running_loop()
    with ProcessPoolExecutor(PROCESSES) as pool:
        await asyncio.gather(*(loop.run_in_executor(pool, _warm) for _ in range(PROCESSES)))
        start = time.perf_counter()
        results = await asyncio.gather(*(loop.run_in_executor(pool, _produce, c) for c in CATEGORIES))
        wall = time.perf_counter() - start
        start = time.perf_counter()
        raw = await asyncio.gather(*(loop.run_in_executor(pool, _raw, c) for c in CATEGORIES))
        raw_wall = time.perf_counter() - start
    assets = sum(n for n, _ in results)
    raw_ops = sum(n for n, _ in raw)
    return {
        "processes": PROCESSES,
        "categories": len(CATEGORIES),
        "assets": assets,
        "assets_per_minute": round(assets / wall * 60, 1),
        "goal_assets_per_minute": 60,
        "raw_image_ops_per_minute": round(raw_ops / raw_wall * 60, 1),
        "share_of_raw_ceiling": round((assets / wall) / (raw_ops / raw_wall), 3),
    }


if __name__ == "__main__":
    import json

    print(json.dumps(asyncio.run(run()), indent=2))
