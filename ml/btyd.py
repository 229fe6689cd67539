"""The classical baseline for purchase timing: the BG/NBD model (Fader, Hardie & Lee, 2005).

Each customer buys at a Poisson rate (gamma-distributed across customers) and may drop out after any purchase
(probability beta-distributed). Four parameters fitted by maximum likelihood on (x, t_x, T) summaries:
repeat purchases, time of the last one and length of observation, all in the same time unit.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch


def _hyp2f1(a: torch.Tensor, b: torch.Tensor, c: torch.Tensor, z: torch.Tensor, terms: int = 200) -> torch.Tensor:
    """Gauss hypergeometric 2F1 by its power series (|z| < 1 here because z = t / (alpha + T + t))."""
    total = torch.ones_like(z)
    term = torch.ones_like(z)
    for n in range(terms):
        term = term * (a + n) * (b + n) / ((c + n) * (n + 1)) * z
        total = total + term
    return total


@dataclass
class BGNBD:
    """Fitted BG/NBD parameters."""

    r: float
    alpha: float
    a: float
    b: float

    @classmethod
    def fit(cls, x: np.ndarray, t_x: np.ndarray, big_t: np.ndarray, steps: int = 300) -> BGNBD:
        """Maximum likelihood with L-BFGS over log-parameters."""
        xs, tx, tt = (torch.tensor(v, dtype=torch.float64) for v in (x, t_x, big_t))
        log_params = torch.zeros(4, dtype=torch.float64, requires_grad=True)
        opt = torch.optim.LBFGS([log_params], max_iter=steps, line_search_fn="strong_wolfe")

        def closure() -> torch.Tensor:
            opt.zero_grad()
            r, alpha, a, b = torch.exp(log_params)
            a1 = torch.lgamma(r + xs) - torch.lgamma(r) + r * torch.log(alpha)
            a2 = torch.lgamma(a + b) + torch.lgamma(b + xs) - torch.lgamma(b) - torch.lgamma(a + b + xs)
            a3 = -(r + xs) * torch.log(alpha + tt)
            a4 = torch.where(
                xs > 0,
                torch.log(a) - torch.log((b + xs - 1).clamp_min(1e-9)) - (r + xs) * torch.log(alpha + tx),
                torch.full_like(xs, -1e9),
            )
            ll = a1 + a2 + torch.logaddexp(a3, a4)
            loss = -ll.mean()
            loss.backward()
            return loss

        opt.step(closure)
        r, alpha, a, b = torch.exp(log_params).tolist()
        return cls(r, alpha, a, b)

    def expected_purchases(self, t: float, x: np.ndarray, t_x: np.ndarray, big_t: np.ndarray) -> np.ndarray:
        """E[purchases in the next ``t``] for customers with history (x, t_x, T)."""
        r, alpha, a, b = (torch.tensor(v, dtype=torch.float64) for v in (self.r, self.alpha, self.a, self.b))
        xs, tx, tt = (torch.tensor(v, dtype=torch.float64) for v in (x, t_x, big_t))
        z = t / (alpha + tt + t)
        hyp = _hyp2f1(r + xs, b + xs, a + b + xs - 1, torch.full_like(tt, 0.0) + z)
        first = (a + b + xs - 1) / (a - 1)
        second = 1 - ((alpha + tt) / (alpha + tt + t)) ** (r + xs) * hyp
        denom = 1 + (xs > 0).double() * (a / (b + xs - 1).clamp_min(1e-9)) * ((alpha + tt) / (alpha + tx)) ** (r + xs)
        return (first * second / denom).numpy()

    def prob_purchase_within(self, t: float, x: np.ndarray, t_x: np.ndarray, big_t: np.ndarray) -> np.ndarray:
        """P(at least one purchase in the next ``t``), Poisson approximation around the conditional expectation."""
        return 1 - np.exp(-np.clip(self.expected_purchases(t, x, t_x, big_t), 0, None))
