"""ChooseCreative: the best published creative for one customer, touchpoint, market and language.

Candidates are published, unexpired banners of the touchpoint, market and language. The customer's categories
rank them (the journey's preferred category first, then the profile's affinities from identity), then the
occasion running today in the market, then the asset's score (predicted engagement, then quality). When no
candidate is in the customer's categories, the best brand creative is chosen and marked as a fallback.
"""

from __future__ import annotations

import datetime as dt
import logging
import zoneinfo
from dataclasses import dataclass
from typing import Any

from prometheus_client import Counter

from ml.creative.brand import load_brand_kit, load_markets, occasion_on
from services.common.errors import FailedPrecondition, NotFound, Unavailable, Violations
from services.creative.library_index import LibraryIndex, now_utc
from services.creative.profiles import Customer, ProfileReader

log = logging.getLogger("loom.creative.choose")
CHOICES = Counter("loom_creative_choices_total", "ChooseCreative outcomes", ["outcome"])


@dataclass(frozen=True)
class Choice:
    """The chosen asset row, why, and whether it is a generic fallback."""

    asset: dict[str, Any]
    reason: str
    fallback: bool


@dataclass(frozen=True)
class ChoiceRequest:
    """What a journey asks for."""

    profile_id: str
    touchpoint: str
    market: str = ""
    language: str = ""
    category: str = ""
    exclude: tuple[str, ...] = ()


class Chooser:
    """Chooses creatives for journeys."""

    def __init__(self, index: LibraryIndex, profiles: ProfileReader) -> None:
        self.index, self.profiles = index, profiles

    async def _customer(self, req: ChoiceRequest) -> Customer:
        try:
            return await self.profiles.customer(req.profile_id)
        except (NotFound, Unavailable) as exc:
            # A send must not fail because affinities are unknown when the journey named the market.
            if not req.market:
                raise
            log.info("choosing without affinities for %s: %s", req.profile_id, exc.message)
            return Customer(req.profile_id)

    async def choose(self, req: ChoiceRequest) -> Choice:
        """The best published creative for the request."""
        v = Violations()
        v.require(req.profile_id, "profile_id")
        kit = load_brand_kit()
        if not req.touchpoint:
            v.add("touchpoint", "is required")
        elif req.touchpoint not in kit.touchpoints:
            v.add("touchpoint", f"unknown touchpoint {req.touchpoint!r}; known: {', '.join(kit.touchpoints)}")
        markets = load_markets()
        if req.market and req.market not in markets:
            v.add("market", f"unknown market {req.market!r}")
        v.raise_if_any()
        customer = await self._customer(req)
        market = req.market or customer.market
        if market not in markets:
            raise FailedPrecondition(f"profile {req.profile_id!r} has no known market ({market!r}); "
                                     "pass market in the request")
        language = req.language or customer.language or markets[market].languages[0]
        today = dt.datetime.now(zoneinfo.ZoneInfo(markets[market].time_zone)).date()
        occasion = occasion_on(market, today)
        candidates = await self.index.published(req.touchpoint, market, language, req.exclude, now_utc())
        if not candidates:
            CHOICES.labels("none").inc()
            raise FailedPrecondition(f"no published creative for touchpoint {req.touchpoint!r} in market {market} "
                                     f"and language {language!r}; publish approved assets first")
        preferred = list(dict.fromkeys([c for c in (req.category, *customer.categories) if c]))

        def key(row: dict[str, Any]) -> tuple[int, int, float, str]:
            rank = preferred.index(row["category"]) if row["category"] in preferred else len(preferred)
            themed = 0 if occasion and row["occasion_id"] == occasion.occasion_id else 1
            return rank, themed, -float(row["score"]), row["asset_id"]

        best = min(candidates, key=key)
        themed = bool(occasion and best["occasion_id"] == occasion.occasion_id)
        occasion_note = f", occasion {occasion.occasion_id}" if themed and occasion else ""
        if best["category"] in preferred:
            source = "requested" if best["category"] == req.category else "affinity"
            CHOICES.labels("matched").inc()
            return Choice(best, f"{source} category {best['category']}{occasion_note}, score {best['score']:.2f}",
                          False)
        CHOICES.labels("fallback").inc()
        return Choice(best, f"no published creative in the customer's categories; best brand creative "
                            f"({best['category']}{occasion_note}, score {best['score']:.2f})", True)
