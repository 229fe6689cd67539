"""Next-best action: a contextual bandit with linear Thompson sampling over (context, action) features.

Each action's reward is modelled as a Bayesian linear function of the decision context. To decide, one
sample is drawn from every action's posterior and the best sample wins, which explores uncertain actions
exactly as much as their uncertainty warrants. Outcomes recorded by journeys update the posterior.
The probability of the chosen action is estimated by repeated sampling and logged for off-policy evaluation.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch


@dataclass
class Decision:
    """One choice: the action index, its selection probability and every action's expected reward."""

    action: int
    propensity: float
    expected: list[float]
    probabilities: list[float]
    explored: bool


class LinearThompsonBandit:
    """Per-action Bayesian linear regression with a shared noise scale (the model's whole state is tensors)."""

    def __init__(self, n_actions: int, n_features: int, prior_precision: float = 1.0, noise: float = 0.5,
                 seed: int = 0) -> None:
        self.n_actions = n_actions
        self.n_features = n_features
        self.noise = noise
        eye = torch.eye(n_features + 1, dtype=torch.float64)
        self.precision = eye.repeat(n_actions, 1, 1) * prior_precision
        self.b = torch.zeros(n_actions, n_features + 1, dtype=torch.float64)
        self.gen = torch.Generator().manual_seed(seed)

    @staticmethod
    def _with_bias(context: torch.Tensor) -> torch.Tensor:
        return torch.cat([context.double().reshape(-1), torch.ones(1, dtype=torch.float64)])

    def _posterior(self) -> tuple[torch.Tensor, torch.Tensor]:
        cov = torch.linalg.inv(self.precision)
        mean = torch.einsum("aij,aj->ai", cov, self.b)
        return mean, cov

    def decide(self, context: torch.Tensor, allowed: list[int] | None = None, draws: int = 64) -> Decision:
        """Thompson step; ``allowed`` restricts the candidates (all actions when None)."""
        actions = allowed if allowed is not None else list(range(self.n_actions))
        x = self._with_bias(context)
        mean, cov = self._posterior()
        mu = mean[actions] @ x
        var = torch.einsum("i,aij,j->a", x, cov[actions], x).clamp_min(1e-12) * self.noise**2
        samples = mu + var.sqrt() * torch.randn(draws + 1, len(actions), generator=self.gen, dtype=torch.float64)
        chosen = int(samples[0].argmax())
        wins = torch.bincount(samples[1:].argmax(dim=1), minlength=len(actions)).double()
        probs = ((wins + 0.5) / (draws + 0.5 * len(actions))).tolist()
        return Decision(actions[chosen], probs[chosen], mu.tolist(), probs, explored=chosen != int(mu.argmax()))

    def update(self, context: torch.Tensor, action: int, reward: float) -> None:
        """Folds one observed reward into the action's posterior."""
        x = self._with_bias(context)
        self.precision[action] += torch.outer(x, x)
        self.b[action] += reward * x

    def state_dict(self) -> dict[str, torch.Tensor]:
        """Everything needed to restore the bandit."""
        return {"precision": self.precision, "b": self.b, "noise": torch.tensor(self.noise)}

    @classmethod
    def from_state(cls, state: dict[str, torch.Tensor]) -> LinearThompsonBandit:
        """Restores a saved bandit."""
        n_actions, dim, _ = state["precision"].shape
        bandit = cls(n_actions, dim - 1, noise=float(state["noise"]))
        bandit.precision = state["precision"].clone()
        bandit.b = state["b"].clone()
        return bandit
