"""The served next-best-action policy: linear Thompson sampling over posteriors kept per action id.

Serving keeps one posterior (precision matrix and b vector of `ml.models.bandit.LinearThompsonBandit`) per
(model version, action id), so candidates can differ from call to call and a new action starts from the
prior. A registered next-best-action model fixes what the posteriors read: the named context features, the
prior precision and the noise scale. Its card reports a simulation against the uniform random policy.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np
import torch

from ml.models.bandit import Decision, LinearThompsonBandit
from ml.synthetic import BanditWorld

# Draws that estimate the chosen action's probability; its standard error is at most 0.5 / sqrt(draws).
PROPENSITY_DRAWS = 512


@dataclass
class Posterior:
    """One action's posterior as plain lists (what the decision log stores)."""

    precision: list[list[float]]
    b: list[float]


@dataclass(frozen=True)
class BanditSpec:
    """What a registered next-best-action model fixes: context features, prior and noise."""

    context_features: tuple[str, ...]
    prior_precision: float = 1.0
    noise: float = 0.5

    @classmethod
    def from_artifact(cls, artifact: dict[str, Any]) -> BanditSpec:
        """The spec stored in a registry artifact of kind next_best_action."""
        if artifact.get("kind") != "next_best_action":
            raise ValueError(f"a {artifact.get('kind')} model is not a next-best-action model")
        cfg = artifact["config"]
        return cls(tuple(cfg["context_features"]), float(cfg["prior_precision"]), float(cfg["noise"]))

    def vector(self, context: dict[str, Any]) -> list[float]:
        """The context as the model reads it: numbers as they are, booleans as 0/1, anything else 0."""
        out = []
        for name in self.context_features:
            value = context.get(name)
            out.append(float(value) if isinstance(value, bool | int | float) else 0.0)
        return out

    def prior(self) -> Posterior:
        """The posterior of an action nothing was learnt about yet."""
        dim = len(self.context_features) + 1
        return Posterior((np.eye(dim) * self.prior_precision).tolist(), [0.0] * dim)

    def decide(self, posteriors: list[Posterior], vector: list[float], seed: int) -> Decision:
        """One Thompson step over the candidates' posteriors, reproducible from ``seed``."""
        bandit = LinearThompsonBandit(len(posteriors), len(self.context_features), noise=self.noise, seed=seed)
        bandit.precision = torch.tensor([p.precision for p in posteriors], dtype=torch.float64)
        bandit.b = torch.tensor([p.b for p in posteriors], dtype=torch.float64)
        return bandit.decide(torch.tensor(vector), draws=PROPENSITY_DRAWS)


def updated(posterior: Posterior, vector: list[float], reward: float) -> Posterior:
    """The posterior after one observed reward (the same update as `LinearThompsonBandit.update`)."""
    x = np.append(np.asarray(vector, dtype=np.float64), 1.0)
    return Posterior((np.asarray(posterior.precision) + np.outer(x, x)).tolist(),
                     (np.asarray(posterior.b) + reward * x).tolist())


def simulate(spec: BanditSpec, actions: int = 4, rounds: int = 600, seed: int = 5) -> dict[str, float]:
    """Conversion of the policy after ``rounds`` outcomes vs uniform random, on held-out synthetic contexts."""
    world = BanditWorld.make(actions=actions, features=len(spec.context_features), seed=seed)
    posteriors = [spec.prior() for _ in range(actions)]
    rng = np.random.default_rng(seed)
    for i, context in enumerate(world.contexts(rounds, seed=seed + 1)):
        choice = spec.decide(posteriors, context.tolist(), seed=i).action
        reward = float(rng.random() < world.conversion(context)[choice])
        posteriors[choice] = updated(posteriors[choice], context.tolist(), reward)
    held_out = world.contexts(200, seed=seed + 2)
    policy = np.mean([world.conversion(c)[spec.decide(posteriors, c.tolist(), seed=j).action]
                      for j, c in enumerate(held_out)])
    uniform = np.mean([world.conversion(c).mean() for c in held_out])
    return {"policy": float(policy), "uniform": float(uniform)}


def nba_model(name: str, version: str, context_features: list[str], *, prior_precision: float = 1.0,
              noise: float = 0.5, simulate_rounds: int = 600) -> tuple[dict[str, Any], dict[str, Any], bool]:
    """(artifact, card, beats_baseline) of a next-best-action model; posteriors then learn online."""
    if not context_features or len(set(context_features)) != len(context_features):
        raise ValueError("context_features must name at least one feature, each once")
    spec = BanditSpec(tuple(context_features), prior_precision, noise)
    sim = simulate(spec, rounds=simulate_rounds)
    metrics = [{"name": "conversion_simulated", "value": sim["policy"], "baseline_value": sim["uniform"],
                "higher_is_better": True}]
    ok = sim["policy"] > sim["uniform"]
    config = {"context_features": list(context_features), "prior_precision": prior_precision, "noise": noise}
    artifact = {"kind": "next_best_action", "config": config, "state": {}}
    card = {
        "name": name, "version": version, "kind": "next_best_action", "status": "candidate" if ok else "rejected",
        "description": "next-best action: linear Thompson sampling per action, learning from journey outcomes",
        "target": "reward recorded by RecordOutcome (conversion or value)",
        "data_window": {}, "training_rows": 0, "excluded_by_consent": 0,
        "features": [{"name": n, "source": "RecommendAction context", "description": n} for n in context_features],
        "baseline": "uniform random policy", "metrics": metrics, "consent_purposes": ["profiling"],
        "hyperparameters": {"prior_precision": prior_precision, "noise": noise, "simulate_rounds": simulate_rounds},
        "trained_at": datetime.now(UTC).isoformat(),
        "limitations": ("Starts from the prior and learns online from outcomes; metrics come from a synthetic "
                        "simulation with known conversion, not from logged traffic. Non-numeric context is 0."),
    }
    return artifact, card, ok
