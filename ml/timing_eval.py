"""Evaluation of repeat-purchase timing against BG/NBD: on synthetic data per customer and category, and on
the CDNOW transaction log that the ``lifetimes`` package ships (customer level, calibration/holdout split).
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import torch

from ml.btyd import BGNBD
from ml.datasets import Dataset
from ml.features import CATEGORIES, FEATURE_NAMES, History, Order, build_features
from ml.models.common import auc, log_loss
from ml.models.timing import fit_timing

_SHARE = [FEATURE_NAMES.index(f"category_share:{c}") for c in CATEGORIES]
_CAT_RECENCY = [FEATURE_NAMES.index(f"category_recency:{c}") for c in CATEGORIES]
_ORDERS = FEATURE_NAMES.index("orders_365d")
_TENURE = FEATURE_NAMES.index("tenure_days")


@dataclass
class TimingInputs:
    """Features, per-target outcomes, the pairs that count and each pair's BG/NBD summary (x, t_x, T)."""

    x: np.ndarray
    days: np.ndarray
    observed: np.ndarray
    mask: np.ndarray
    rfm: np.ndarray  # (rows, targets, 3)


def timing_inputs(x: np.ndarray, days: np.ndarray | None = None, observed: np.ndarray | None = None) -> TimingInputs:
    """Customer x category pairs with at least one earlier purchase in the category (repeat purchase).

    ``days``/``observed`` are the labels when training; at scoring time they are absent.
    """
    orders = np.rint(np.expm1(x[:, _ORDERS]))[:, None] * x[:, _SHARE]
    count = np.rint(orders)
    mask = count >= 1
    # BG/NBD summary per pair in days: repeat purchases, last purchase time, observation length. Where the
    # features do not hold the first purchase time, the customer's tenure stands in for the pair's start.
    big_t = np.repeat(x[:, _TENURE][:, None], len(CATEGORIES), axis=1)
    t_x = np.clip(big_t - x[:, _CAT_RECENCY], 0, None)
    rfm = np.stack([np.clip(count - 1, 0, None), np.where(count > 1, t_x, 0), big_t], axis=-1)
    empty = np.zeros(mask.shape, dtype=np.float32)
    return TimingInputs(x, empty if days is None else days, empty.astype(bool) if observed is None else observed,
                        mask, rfm)


def dataset_timing_inputs(data: Dataset) -> TimingInputs:
    """Timing inputs of a point-in-time dataset, with its per-category next-purchase labels."""
    return timing_inputs(data.frame.matrix, data.targets["timing_days"], data.targets["timing_observed"])


def pair_rows(inputs: TimingInputs) -> tuple[np.ndarray, np.ndarray]:
    """One row per (customer, target) pair that counts: customer features, the pair's (x, t_x, T) and a
    one-hot of the target, so one network with shared weights serves every category. Returns (rows, index)."""
    rows_i, cols = np.nonzero(inputs.mask)
    onehot = np.eye(inputs.mask.shape[1], dtype=np.float32)[cols]
    rfm = inputs.rfm[rows_i, cols].astype(np.float32)
    pair = np.concatenate([inputs.x[rows_i], np.log1p(rfm), onehot], axis=1)
    return pair, np.stack([rows_i, cols], axis=1)


def evaluate_timing(inputs: TimingInputs, horizon_days: float, *, epochs: int = 40, holdout: float = 0.3,
                    hidden: int = 64, seed: int = 0, unit_days: float = 1.0) -> dict:
    """Trains the timing model and fits BG/NBD on the same training customers; compares P(buy within horizon)."""
    order = np.random.default_rng(seed).permutation(len(inputs.x))
    test_customers = np.zeros(len(inputs.x), dtype=bool)
    test_customers[order[int(len(order) * (1 - holdout)) :]] = True
    pairs, index = pair_rows(inputs)
    days = inputs.days[index[:, 0], index[:, 1]][:, None]
    observed = inputs.observed[index[:, 0], index[:, 1]][:, None]
    rfm = inputs.rfm[index[:, 0], index[:, 1]]
    test = test_customers[index[:, 0]]
    train = ~test
    model = fit_timing(torch.from_numpy(pairs[train]), torch.from_numpy(days[train]),
                       torch.from_numpy(observed[train]), torch.ones(int(train.sum()), 1, dtype=torch.bool),
                       epochs=epochs, hidden=hidden)
    bgnbd = BGNBD.fit(rfm[train, 0], rfm[train, 1] / unit_days, rfm[train, 2] / unit_days)
    y = observed[test, 0].astype(float)
    p = model.prob_within(torch.from_numpy(pairs[test]), horizon_days).numpy()[:, 0]
    te = rfm[test]
    q = bgnbd.prob_purchase_within(horizon_days / unit_days, te[:, 0], te[:, 1] / unit_days, te[:, 2] / unit_days)
    dist = model.distribution(torch.from_numpy(pairs[test][:1]))
    return {
        "metrics": [
            {"name": "auc_within_horizon", "value": auc(y, p), "baseline_value": auc(y, q), "higher_is_better": True},
            {"name": "log_loss_within_horizon", "value": log_loss(y, p), "baseline_value": log_loss(y, q),
             "higher_is_better": False, "informational": True},
        ],
        "pairs": int(test.sum()),
        "bgnbd": {"r": bgnbd.r, "alpha": bgnbd.alpha, "a": bgnbd.a, "b": bgnbd.b},
        "example": {k: float(v[0, 0]) for k, v in dist.items()},
        "model": model,
    }


def cdnow_path() -> Path:
    """CDNOW_master.txt shipped by the ``lifetimes`` package (located without importing it)."""
    spec = importlib.util.find_spec("lifetimes")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("the lifetimes package (which ships the CDNOW data set) is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "datasets" / "CDNOW_master.txt"


def cdnow_inputs(calibration_end: datetime = datetime(1997, 10, 1, tzinfo=UTC),
                 holdout_end: datetime = datetime(1998, 7, 1, tzinfo=UTC)) -> tuple[TimingInputs, float]:
    """CDNOW customers as histories; features as of the calibration end; the target is the next purchase.

    Returns the inputs and the holdout length in days. Amounts are USD; each order's category is "other".
    """
    histories: dict[str, History] = {}
    for line in cdnow_path().read_text().splitlines()[1:]:  # the first line is the header
        cust, date, _qty, amount = line.split()
        at = datetime.strptime(date, "%Y%m%d").replace(tzinfo=UTC) + timedelta(hours=12)
        hist = histories.setdefault(cust, History(cust))
        hist.orders.append(Order(at, "music", float(amount) * 0.92, ""))
        hist.touches.append((at, 12, at.weekday(), False))
    frame = build_features(histories, calibration_end, lambda _k: True)
    horizon = (holdout_end - calibration_end).total_seconds() / 86400
    days, observed, rfm = [], [], []
    for key in frame.keys:
        hist = histories[key]
        before = [o.at for o in hist.orders if o.at < calibration_end]
        after = [o.at for o in hist.orders if calibration_end <= o.at < holdout_end]
        # CDNOW lists several lines for one day's purchases; BG/NBD counts purchase days.
        distinct = sorted({d.date() for d in before})
        first = datetime.combine(distinct[0], datetime.min.time(), UTC)
        last = datetime.combine(distinct[-1], datetime.min.time(), UTC)
        t_x = (last - first).days
        big_t = (calibration_end - first).days
        rfm.append([[len(distinct) - 1, t_x, big_t]])
        days.append([max((after[0] - calibration_end).total_seconds() / 86400, 0.01) if after else horizon])
        observed.append([bool(after)])
    inputs = TimingInputs(frame.matrix, np.array(days, dtype=np.float32), np.array(observed),
                          np.ones((len(frame.keys), 1), dtype=bool), np.array(rfm, dtype=np.float64))
    return inputs, horizon
