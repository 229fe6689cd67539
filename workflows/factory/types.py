"""Inputs and outputs of the factory workflow and its activities (plain dataclasses, Temporal-serialisable)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

PLAN_ACTIVITY = "factory_plan_briefs"
PRODUCE_ACTIVITY = "factory_produce_item"
SHEET_ACTIVITY = "factory_contact_sheet"
DEFAULT_BRAND = "default"


@dataclass
class FactoryInput:
    """One night's run for one market."""

    market: str
    date: str  # YYYY-MM-DD in the market's time zone
    categories_limit: int = 30
    languages: list[str] = field(default_factory=list)  # empty: the market's languages
    touchpoints: list[str] = field(default_factory=list)  # empty: every touchpoint of the brand kit
    parallelism: int = 4
    brand_id: str = ""  # empty: the default brand kit


@dataclass
class BriefItem:
    """One category to produce for, with everything the producing activity needs."""

    item_id: str
    run_id: str
    market: str
    category: str
    product_id: str
    theme: str
    occasion_id: str
    languages: list[str]
    touchpoints: list[str]
    # The brand kit the plan was made with (BrandKit message as a dict); None: the built-in default kit
    brand: dict[str, Any] | None = None


@dataclass
class ItemResult:
    """What one item produced."""

    item_id: str
    assets: int
    passed: int
    needs_review: int
    rejected: int
    reused: bool  # True when the library already held the item (a retry or a resumed run)


@dataclass
class Progress:
    """Counts of a run so far (the workflow's `progress` query)."""

    categories: int = 0
    done: int = 0
    assets: int = 0
    passed: int = 0
    needs_review: int = 0
    rejected: int = 0
    failed: int = 0
    sheet: str = ""


def _brand_suffix(brand_id: str) -> str:
    return f"-{brand_id}" if brand_id and brand_id != DEFAULT_BRAND else ""


def run_id_of(market: str, date: str, brand_id: str = "") -> str:
    """One run per market, day and brand: "<market>-<date>", with "-<brand_id>" for a brand other than default."""
    return f"{market}-{date}{_brand_suffix(brand_id)}"


def workflow_id(market: str, date: str, brand_id: str = "") -> str:
    """The workflow of a run: "creative-factory-" and the run id."""
    return f"creative-factory-{run_id_of(market, date, brand_id)}"
