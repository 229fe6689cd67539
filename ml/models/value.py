"""Expected value: revenue over a horizon, an MLP on log revenue against the run-rate heuristic."""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from ml.features import FEATURE_NAMES
from ml.models.common import MLP, Standardiser, fit

_REV_365 = FEATURE_NAMES.index("revenue_365d")
_TENURE = FEATURE_NAMES.index("tenure_days")


class ValueModel(nn.Module):
    """Features -> expected EUR revenue over the horizon it was trained for."""

    def __init__(self, n_in: int, hidden: int = 64) -> None:
        super().__init__()
        self.body = MLP(n_in, 1, hidden)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # Predicts log1p(revenue); expm1 turns it back into currency units.
        return torch.expm1(self.body(x).squeeze(-1).clamp(max=12)).clamp_min(0)


def fit_value(x: np.ndarray, revenue: np.ndarray, *, hidden: int = 64, epochs: int = 60, seed: int = 0) -> ValueModel:
    """Trains on log1p revenue with an L1 loss (revenue is heavy-tailed; the median is robust)."""
    torch.manual_seed(seed)
    xt = torch.from_numpy(x)
    model = ValueModel(x.shape[1], hidden)
    model.body.set_standardiser(Standardiser.fit(xt))
    target = torch.from_numpy(np.log1p(revenue).astype(np.float32))
    fit(model.body, xt, lambda out, t: nn.functional.l1_loss(out.squeeze(-1), t), target, epochs=epochs, seed=seed)
    return model.eval()


def run_rate(x: np.ndarray, horizon_days: int) -> np.ndarray:
    """The heuristic baseline: last year's revenue per day of tenure, times the horizon."""
    revenue = np.expm1(x[:, _REV_365])
    days = np.clip(x[:, _TENURE], 1.0, 365.0)
    return revenue / days * horizon_days


def evaluate_value(model: ValueModel, x: np.ndarray, revenue: np.ndarray, horizon_days: int) -> list[dict]:
    """Mean absolute error in EUR and the AUC of ranking buyers, next to the run-rate baseline's."""
    from ml.models.common import auc

    with torch.no_grad():
        pred = model(torch.from_numpy(x)).numpy()
    base = run_rate(x, horizon_days)
    buyer = revenue > 0
    return [
        {"name": "mae_eur", "value": float(np.abs(pred - revenue).mean()),
         "baseline_value": float(np.abs(base - revenue).mean()), "higher_is_better": False},
        {"name": "buyer_auc", "value": auc(buyer, pred), "baseline_value": auc(buyer, base),
         "higher_is_better": True, "informational": True},
    ]
