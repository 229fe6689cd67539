"""Building blocks shared by the models: an MLP, training loops, a logistic-regression baseline and metrics."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import nn


@dataclass
class Standardiser:
    """Per-feature mean and scale learnt on training data and applied everywhere after (serving included)."""

    mean: torch.Tensor
    scale: torch.Tensor

    @classmethod
    def fit(cls, x: torch.Tensor) -> Standardiser:
        """Learns the mean and scale of ``x``; constant columns get scale 1."""
        scale = x.std(dim=0)
        return cls(x.mean(dim=0), torch.where(scale > 1e-6, scale, torch.ones_like(scale)))

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        return (x - self.mean.to(x.device)) / self.scale.to(x.device)

    def state(self) -> dict[str, torch.Tensor]:
        """Tensors to save with the model."""
        return {"mean": self.mean, "scale": self.scale}


class MLP(nn.Module):
    """A small feed-forward network with a standardising input layer."""

    mean: torch.Tensor
    scale: torch.Tensor

    def __init__(self, n_in: int, n_out: int = 1, hidden: int = 64, depth: int = 2, dropout: float = 0.2) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        width = n_in
        for _ in range(depth):
            layers += [nn.Linear(width, hidden), nn.ReLU(), nn.Dropout(dropout)]
            width = hidden
        layers.append(nn.Linear(width, n_out))
        self.net = nn.Sequential(*layers)
        self.register_buffer("mean", torch.zeros(n_in))
        self.register_buffer("scale", torch.ones(n_in))

    def set_standardiser(self, std: Standardiser) -> None:
        """Copies the training data's mean and scale into the model so they travel with its weights."""
        self.mean.copy_(std.mean)
        self.scale.copy_(std.scale)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net((x - self.mean) / self.scale)


def fit(
    model: nn.Module,
    x: torch.Tensor,
    loss_fn: Any,
    y: torch.Tensor,
    *,
    epochs: int = 60,
    lr: float = 3e-3,
    batch: int = 256,
    weight_decay: float = 1e-3,
    seed: int = 0,
    validation: float = 0.15,
    patience: int = 5,
) -> nn.Module:
    """Mini-batch Adam on ``loss_fn(model(x), y)`` with early stopping on a held-back ``validation`` share.

    Small tabular sets overfit within a few epochs; the weights of the best validation epoch are kept.
    """
    gen = torch.Generator().manual_seed(seed)
    opt = torch.optim.Adam(model.parameters(), lr=lr, weight_decay=weight_decay)
    order = torch.randperm(x.shape[0], generator=gen)
    n_val = int(x.shape[0] * validation) if x.shape[0] >= 100 else 0
    val_idx, train_idx = order[:n_val], order[n_val:]
    best, best_state, waited = float("inf"), copy.deepcopy(model.state_dict()), 0
    for _ in range(epochs):
        model.train()
        shuffled = train_idx[torch.randperm(train_idx.shape[0], generator=gen)]
        for start in range(0, shuffled.shape[0], batch):
            idx = shuffled[start : start + batch]
            opt.zero_grad()
            loss = loss_fn(model(x[idx]), y[idx])
            loss.backward()
            opt.step()
        if not n_val:
            continue
        model.eval()
        with torch.no_grad():
            val = float(loss_fn(model(x[val_idx]), y[val_idx]))
        if val < best - 1e-4:
            best, best_state, waited = val, copy.deepcopy(model.state_dict()), 0
        else:
            waited += 1
            if waited >= patience:
                break
    if n_val:
        model.load_state_dict(best_state)
    return model.eval()


def fit_binary_mlp(x: torch.Tensor, y: torch.Tensor, *, hidden: int = 64, epochs: int = 60, seed: int = 0) -> MLP:
    """An MLP classifier (one logit) trained with plain binary cross-entropy, so its probabilities stay calibrated."""
    torch.manual_seed(seed)
    model = MLP(x.shape[1], 1, hidden)
    model.set_standardiser(Standardiser.fit(x))
    loss = nn.BCEWithLogitsLoss()
    fit(model, x, lambda out, t: loss(out.squeeze(-1), t), y, epochs=epochs, seed=seed)
    return model


def fit_logistic(x: torch.Tensor, y: torch.Tensor, *, epochs: int = 200) -> nn.Module:
    """Logistic regression (the classical baseline), full-batch L-BFGS on standardised inputs."""
    model = MLP(x.shape[1], 1, depth=0)
    model.set_standardiser(Standardiser.fit(x))
    opt = torch.optim.LBFGS(model.parameters(), max_iter=epochs, line_search_fn="strong_wolfe")
    loss = nn.BCEWithLogitsLoss()

    def closure() -> torch.Tensor:
        opt.zero_grad()
        value = loss(model(x).squeeze(-1), y) + 1e-4 * sum((p**2).sum() for p in model.parameters())
        value.backward()
        return value

    opt.step(closure)
    return model.eval()


@torch.no_grad()
def predict_proba(model: nn.Module, x: torch.Tensor) -> np.ndarray:
    """Probabilities from a one-logit model."""
    return torch.sigmoid(model(x).squeeze(-1)).cpu().numpy()


def auc(y: np.ndarray, score: np.ndarray) -> float:
    """Area under the ROC curve (Mann–Whitney with tied ranks averaged); 0.5 when a class is missing."""
    y = np.asarray(y).astype(bool)
    n_pos, n_neg = int(y.sum()), int((~y).sum())
    if n_pos == 0 or n_neg == 0:
        return 0.5
    order = np.argsort(score, kind="mergesort")
    ranks = np.empty(len(score))
    sorted_scores = np.asarray(score)[order]
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and sorted_scores[j + 1] == sorted_scores[i]:
            j += 1
        ranks[order[i : j + 1]] = (i + j) / 2 + 1
        i = j + 1
    return float((ranks[y].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def log_loss(y: np.ndarray, p: np.ndarray) -> float:
    """Mean binary cross-entropy."""
    p = np.clip(p, 1e-6, 1 - 1e-6)
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))


def calibration_error(y: np.ndarray, p: np.ndarray, bins: int = 10) -> float:
    """Expected calibration error: mean |observed rate - predicted probability| over equal-width bins."""
    edges = np.minimum((p * bins).astype(int), bins - 1)
    total = 0.0
    for b in range(bins):
        mask = edges == b
        if mask.any():
            total += mask.sum() * abs(float(y[mask].mean()) - float(p[mask].mean()))
    return total / max(len(y), 1)
