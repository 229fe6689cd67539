"""Propensity and churn: an MLP classifier on every feature against an RFM logistic regression.

Both answer "will this customer do X within the horizon"; only the label differs (a purchase, a purchase in
a category, adopting a product, or not buying at all for churn).
"""

from __future__ import annotations

import numpy as np
import torch

from ml.features import FEATURE_NAMES
from ml.models.common import auc, calibration_error, fit_binary_mlp, fit_logistic, log_loss, predict_proba

# The classical baseline reads recency, frequency and monetary value only.
RFM = ("recency_days", "orders_365d", "revenue_365d")
RFM_INDEX = [FEATURE_NAMES.index(n) for n in RFM]


def train_classifier(x: np.ndarray, y: np.ndarray, *, hidden: int = 32, epochs: int = 60, seed: int = 0):
    """Trains the MLP and the RFM logistic baseline; returns (model, baseline)."""
    xt, yt = torch.from_numpy(x), torch.from_numpy(y.astype(np.float32))
    model = fit_binary_mlp(xt, yt, hidden=hidden, epochs=epochs, seed=seed)
    baseline = fit_logistic(xt[:, RFM_INDEX], yt)
    return model, baseline


def evaluate_classifier(model, baseline, x: np.ndarray, y: np.ndarray) -> list[dict]:
    """AUC, log loss and calibration error on held-out rows, next to the baseline's."""
    xt = torch.from_numpy(x)
    p = predict_proba(model, xt)
    q = predict_proba(baseline, xt[:, RFM_INDEX])
    # Ranking (AUC) decides against the baseline; log loss and calibration are reported alongside.
    return [
        {"name": "auc", "value": auc(y, p), "baseline_value": auc(y, q), "higher_is_better": True},
        {"name": "log_loss", "value": log_loss(y, p), "baseline_value": log_loss(y, q), "higher_is_better": False,
         "informational": True},
        {"name": "calibration_error", "value": calibration_error(y, p), "baseline_value": calibration_error(y, q),
         "higher_is_better": False, "informational": True},
    ]
