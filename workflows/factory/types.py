"""Inputs and outputs of the factory workflow and its activities (plain dataclasses, Temporal-serialisable)."""

from __future__ import annotations

from dataclasses import dataclass, field

PLAN_ACTIVITY = "factory_plan_briefs"
PRODUCE_ACTIVITY = "factory_produce_item"
SHEET_ACTIVITY = "factory_contact_sheet"


@dataclass
class FactoryInput:
    """One night's run for one market."""

    market: str
    date: str  # YYYY-MM-DD in the market's time zone
    categories_limit: int = 30
    languages: list[str] = field(default_factory=list)  # empty: the market's languages
    touchpoints: list[str] = field(default_factory=list)  # empty: every touchpoint of the brand kit
    parallelism: int = 4


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


def workflow_id(market: str, date: str) -> str:
    """One run per market and day."""
    return f"creative-factory-{market}-{date}"
