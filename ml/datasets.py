"""Point-in-time training sets: features as of a cutoff, labels from the horizon after it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np

from infra.synthetic import history, make_customers
from ml.features import (
    CATEGORIES,
    FeatureFrame,
    History,
    ProfilingAllowed,
    build_features,
    deny_all,
    histories_from_events,
)
from ml.labels import next_purchase_days, purchased, revenue_eur

# A fixed end keeps synthetic datasets identical from run to run.
SYNTHETIC_END = datetime(2025, 6, 1, tzinfo=UTC)


def synthetic_histories(customers: int, days: int = 240, seed: int = 7) -> dict[str, History]:
    """Histories of a synthetic customer base (``infra.synthetic``) ending at SYNTHETIC_END."""
    base = make_customers(customers, seed=seed)
    return histories_from_events(history(base, days=days, seed=seed + 4, end=SYNTHETIC_END))


@dataclass
class Dataset:
    """Feature rows, their targets and what the card needs to know about them."""

    frame: FeatureFrame
    targets: dict[str, np.ndarray]
    cutoff: datetime
    horizon_days: int
    window_start: datetime

    def split(self, holdout: float = 0.3, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
        """Random train / held-out row indices (profiles never appear on both sides)."""
        order = np.random.default_rng(seed).permutation(len(self.frame.keys))
        cut = int(len(order) * (1 - holdout))
        return order[:cut], order[cut:]


def point_in_time(
    histories: dict[str, History], cutoff: datetime, horizon_days: int,
    profiling_allowed: ProfilingAllowed = deny_all, *, category: str = "", lookback_days: int = 365,
) -> Dataset:
    """Features as of ``cutoff`` and every label kind over ``[cutoff, cutoff + horizon)``."""
    frame = build_features(histories, cutoff, profiling_allowed)
    rows = [histories[k] for k in frame.keys]
    timing = [next_purchase_days(h, cutoff, horizon_days) for h in rows]
    targets: dict[str, np.ndarray] = {
        "purchase": np.array([purchased(h, cutoff, horizon_days, category) for h in rows], dtype=np.float32),
        "churn": np.array([not purchased(h, cutoff, horizon_days) for h in rows], dtype=np.float32),
        "revenue": np.array([revenue_eur(h, cutoff, horizon_days) for h in rows], dtype=np.float32),
        "timing_days": np.array([t[0] for t in timing], dtype=np.float32).reshape(len(rows), len(CATEGORIES)),
        "timing_observed": np.array([t[1] for t in timing], dtype=bool).reshape(len(rows), len(CATEGORIES)),
    }
    return Dataset(frame, targets, cutoff, horizon_days, cutoff - timedelta(days=lookback_days))


def allow_all(_profile: str) -> bool:
    """Consent answer for synthetic data whose every customer agreed; never used for real profiles."""
    return True


def only(keys: set[str]) -> Callable[[str], bool]:
    """Consent answer allowing exactly ``keys`` (tests of the consent filter)."""
    return keys.__contains__
