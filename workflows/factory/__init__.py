"""The nightly creative factory on Temporal (task queue ``loom-factory``).

The activity modules (image steps, fonts, models) are imported only when a worker asks for the activities,
so the workflow sandbox, which re-imports this package, never loads them.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from workflows.factory.workflow import FactoryWorkflow

TASK_QUEUE = "loom-factory"
WORKFLOWS = [FactoryWorkflow]


def make_activities(config: Any) -> list[Callable[..., Any]]:
    """Activities for the worker: the library root comes from ``LOOM_CREATIVE_LIBRARY`` (default .loom/creative),
    the creative service's database, where produced assets are indexed, from ``LOOM_CREATIVE_DB_URL`` (unset: the
    service indexes finished runs from the library itself); brand kits come from the creative service."""
    from ml.creative.library import CreativeLibrary
    from workflows.factory.activities import (
        CreativeDatabaseIndex,
        CreativeServiceBrandKits,
        FactoryActivities,
        IngestionTopCategories,
    )

    root = Path(os.environ.get("LOOM_CREATIVE_LIBRARY", ".loom/creative"))
    db_url = getattr(config, "creative_db_url", "") or os.environ.get("LOOM_CREATIVE_DB_URL", "")
    token = getattr(config, "service_token", "") or ""
    source = IngestionTopCategories(config.ingestion_addr, token)
    index = CreativeDatabaseIndex(db_url) if db_url else None
    creative_addr = getattr(config, "creative_addr", "")
    brands = CreativeServiceBrandKits(creative_addr, token) if creative_addr else None
    return FactoryActivities(CreativeLibrary(root), source, index=index, brands=brands).all()
