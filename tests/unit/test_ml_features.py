"""The feature pipeline is point-in-time correct and consent-gated."""

from __future__ import annotations

from datetime import timedelta

import numpy as np

from ml.datasets import SYNTHETIC_END, allow_all, only, point_in_time, synthetic_histories
from ml.features import FEATURE_NAMES, build_features, deny_all, feature_row, hour_of_week_counts


def test_rows_ignore_events_after_the_cutoff() -> None:
    histories = synthetic_histories(60, days=120)
    key, hist = next((k, h) for k, h in histories.items() if len(h.orders) >= 3)
    cutoff = hist.orders[1].at + timedelta(seconds=1)
    row = feature_row(hist, cutoff)
    assert np.expm1(row[FEATURE_NAMES.index("orders_365d")]) == 2
    # Moving the cutoff past the third order changes the row: later events were really ignored before.
    later = feature_row(hist, hist.orders[2].at + timedelta(seconds=1))
    assert np.expm1(later[FEATURE_NAMES.index("orders_365d")]) == 3
    assert row[FEATURE_NAMES.index("recency_days")] < 1e-3


def test_no_profiling_consent_no_row() -> None:
    histories = synthetic_histories(40, days=90)
    cutoff = SYNTHETIC_END - timedelta(days=10)
    assert build_features(histories, cutoff).matrix.shape[0] == 0  # the default denies everyone
    denied = build_features(histories, cutoff, deny_all)
    allowed = {sorted(histories)[0], sorted(histories)[3]}
    frame = build_features(histories, cutoff, only(allowed))
    assert set(frame.keys) == allowed
    assert frame.excluded_by_consent == denied.excluded_by_consent - 2
    assert frame.matrix.shape == (2, len(FEATURE_NAMES))


def test_labels_come_from_the_horizon_only() -> None:
    histories = synthetic_histories(200, days=150)
    cutoff = SYNTHETIC_END - timedelta(days=30)
    data = point_in_time(histories, cutoff, 30, allow_all)
    for key, bought, churn in zip(data.frame.keys, data.targets["purchase"], data.targets["churn"], strict=True):
        in_window = [o for o in histories[key].orders if cutoff <= o.at < cutoff + timedelta(days=30)]
        assert bool(bought) == bool(in_window) and bool(churn) == (not in_window)
    assert 0 < data.targets["purchase"].mean() < 1


def test_hour_of_week_counts_local_time() -> None:
    histories = synthetic_histories(5, days=60)
    hist = next(iter(histories.values()))
    counts = hour_of_week_counts(hist, SYNTHETIC_END)
    assert counts.sum() == len(hist.touches) and counts.shape == (168,)
