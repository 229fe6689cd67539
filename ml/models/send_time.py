"""Send time: each customer's engagement probability per local hour of the week, shrunk towards everyone's.

A customer with a long history is scored mostly from their own habits; a new one mostly from the population.
The population curve and the shrinkage strength are learnt (torch) by maximising the likelihood of held-back
engagement; a circular smoothing spreads one observed hour onto its neighbours.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

HOURS = 168


class SendTimeModel(nn.Module):
    """Counts per hour of week (rows x 168) -> engagement distribution per hour of week (rows x 168)."""

    def __init__(self) -> None:
        super().__init__()
        self.prior_logits = nn.Parameter(torch.zeros(HOURS))
        self.log_strength = nn.Parameter(torch.tensor(1.0))
        self.log_width = nn.Parameter(torch.tensor(0.0))

    def _smooth(self, counts: torch.Tensor) -> torch.Tensor:
        offsets = torch.arange(-3, 4, dtype=counts.dtype, device=counts.device)
        kernel = torch.exp(-0.5 * (offsets / torch.exp(self.log_width)) ** 2)
        kernel = kernel / kernel.sum()
        padded = torch.cat([counts[:, -3:], counts, counts[:, :3]], dim=1)
        return nn.functional.conv1d(padded.unsqueeze(1), kernel.view(1, 1, -1)).squeeze(1)

    def forward(self, counts: torch.Tensor) -> torch.Tensor:
        prior = torch.softmax(self.prior_logits, dim=0)
        mass = self._smooth(counts) + torch.exp(self.log_strength) * prior
        return mass / mass.sum(dim=1, keepdim=True)


def fit_send_time(train_counts: np.ndarray, target_counts: np.ndarray, *, epochs: int = 200) -> SendTimeModel:
    """Learns prior and shrinkage so that past counts best predict the target period's engagement hours."""
    model = SendTimeModel()
    with torch.no_grad():
        total = torch.from_numpy(train_counts).sum(dim=0) + 1
        model.prior_logits.copy_(torch.log(total / total.sum()))
    x, y = torch.from_numpy(train_counts), torch.from_numpy(target_counts)
    opt = torch.optim.Adam(model.parameters(), lr=0.05)
    for _ in range(epochs):
        opt.zero_grad()
        loss = -(y * torch.log(model(x) + 1e-9)).sum() / y.sum().clamp_min(1)
        loss.backward()
        opt.step()
    return model.eval()


def evaluate_send_time(model: SendTimeModel, past: np.ndarray, future: np.ndarray) -> list[dict]:
    """Log-likelihood per future engagement and top-3-hour hit rate, against the population's best hours."""
    with torch.no_grad():
        p = model(torch.from_numpy(past)).numpy()
    population = past.sum(axis=0) + 1
    population = population / population.sum()
    weights = future.sum()
    ll = float((future * np.log(p + 1e-9)).sum() / weights)
    base_ll = float((future * np.log(population + 1e-9)).sum() / weights)
    top = np.argsort(-p, axis=1)[:, :3]
    base_top = np.argsort(-population)[:3]
    rows = np.arange(len(future))[:, None]
    hit = float(future[rows, top].sum() / weights)
    base_hit = float(future[:, base_top].sum() / weights)
    return [
        {"name": "log_likelihood", "value": ll, "baseline_value": base_ll, "higher_is_better": True},
        {"name": "top3_hit_rate", "value": hit, "baseline_value": base_hit, "higher_is_better": True},
    ]
