"""Repeat-purchase timing: a censored log-normal time-to-event model per customer and category.

From a customer's features the network predicts, for every category, the location and spread of a log-normal
distribution of days until the next purchase in it. Training maximises the censored likelihood (customers who
did not buy again before the data ended still count, as "later than the horizon"). The distribution gives
quantiles, the probability of buying within any horizon, and its mode: the most likely day to buy again.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from ml.models.common import MLP, Standardiser, fit

_SQRT2 = math.sqrt(2.0)


class TimingModel(nn.Module):
    """Features -> (mu, sigma) of log(days to next purchase) for each of ``n_targets`` categories."""

    def __init__(self, n_in: int, n_targets: int, hidden: int = 64) -> None:
        super().__init__()
        self.n_targets = n_targets
        self.body = MLP(n_in, 2 * n_targets, hidden)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        out = self.body(x)
        mu, raw = out[:, : self.n_targets], out[:, self.n_targets :]
        # A bounded spread keeps the mode (the most likely day) meaningful for sparse, heavily censored pairs.
        return mu + math.log(30.0), 0.1 + 1.4 * torch.sigmoid(raw)

    @torch.no_grad()
    def distribution(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        """Quantiles (p10/p50/p90 days) and mode days per category, shape (rows, categories) each."""
        mu, sigma = self(x)
        z = {"p10_days": -1.2816, "p50_days": 0.0, "p90_days": 1.2816}
        out = {name: torch.exp(mu + q * sigma) for name, q in z.items()}
        out["mode_days"] = torch.exp(mu - sigma**2)
        return out

    @torch.no_grad()
    def prob_within(self, x: torch.Tensor, days: float) -> torch.Tensor:
        """P(next purchase within ``days``) per category."""
        mu, sigma = self(x)
        return _normal_cdf((math.log(days) - mu) / sigma)


def _normal_cdf(z: torch.Tensor) -> torch.Tensor:
    return 0.5 * (1 + torch.erf(z / _SQRT2))


def censored_nll(mu: torch.Tensor, sigma: torch.Tensor, days: torch.Tensor, observed: torch.Tensor,
                 mask: torch.Tensor) -> torch.Tensor:
    """Negative log-likelihood of log-normal times; censored entries contribute log P(T > days)."""
    z = (torch.log(days) - mu) / sigma
    log_pdf = -0.5 * z**2 - torch.log(sigma) - torch.log(days) - 0.5 * math.log(2 * math.pi)
    log_surv = torch.log((1 - _normal_cdf(z)).clamp_min(1e-7))
    ll = torch.where(observed, log_pdf, log_surv)
    return -(ll * mask).sum() / mask.sum().clamp_min(1)


def fit_timing(x: torch.Tensor, days: torch.Tensor, observed: torch.Tensor, mask: torch.Tensor, *,
               hidden: int = 64, epochs: int = 60, seed: int = 0) -> TimingModel:
    """Trains on rows of features with per-category (days, observed) targets; ``mask`` marks the pairs that count."""
    torch.manual_seed(seed)
    model = TimingModel(x.shape[1], days.shape[1], hidden)
    model.body.set_standardiser(Standardiser.fit(x))
    target = torch.stack([days, observed.float(), mask.float()], dim=-1)

    def loss(out: tuple[torch.Tensor, torch.Tensor], t: torch.Tensor) -> torch.Tensor:
        return censored_nll(out[0], out[1], t[..., 0], t[..., 1] > 0.5, t[..., 2])

    fit(model, x, loss, target, epochs=epochs, seed=seed)
    return model
