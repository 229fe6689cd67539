"""Labels from what happened after the cutoff: the ground truth the models learn and are evaluated on."""

from __future__ import annotations

from datetime import datetime, timedelta

from ml.features import CATEGORIES, History, category_group


def purchased(history: History, cutoff: datetime, horizon_days: int, category: str = "") -> bool:
    """Whether an order (in ``category``'s top-level group when given) falls in [cutoff, cutoff + horizon)."""
    end = cutoff + timedelta(days=horizon_days)
    return any(
        cutoff <= o.at < end and (not category or category_group(o.category) == category_group(category))
        for o in history.orders
    )


def revenue_eur(history: History, cutoff: datetime, horizon_days: int) -> float:
    """EUR revenue of the orders in [cutoff, cutoff + horizon)."""
    end = cutoff + timedelta(days=horizon_days)
    return sum(o.eur for o in history.orders if cutoff <= o.at < end)


def next_purchase_days(history: History, cutoff: datetime, horizon_days: int) -> tuple[list[float], list[bool]]:
    """Per top-level category: days from cutoff to the next order in it, and whether it was observed.

    Unobserved (censored) entries hold the horizon: the customer did not buy again before the data ended.
    """
    end = cutoff + timedelta(days=horizon_days)
    days = [float(horizon_days)] * len(CATEGORIES)
    seen = [False] * len(CATEGORIES)
    for o in history.orders:
        group = category_group(o.category)
        if group == "other" or not cutoff <= o.at < end:
            continue
        i = CATEGORIES.index(group)
        if not seen[i]:
            days[i] = max((o.at - cutoff).total_seconds() / 86400, 0.01)
            seen[i] = True
    return days, seen
