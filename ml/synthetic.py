"""Ground-truth generators for the models ``infra.synthetic`` does not cover: engagement hours, bandit
rewards and a payment graph with fraud rings. Every generator is seeded and returns the truth it used.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np
import torch

from ml.fraud_serving import Txn
from ml.models.fraud import ENTITY_TYPES, Graph


def engagement_counts(customers: int, seed: int = 3, past_events: int = 12,
                      future_events: int = 6) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Past and future engagement counts per hour of week; each customer has one or two preferred hours.

    Returns (past, future, preferred_hour). 60% of engagement falls within 2 hours of a preferred hour,
    the rest follows a population curve peaking in the evening.
    """
    rng = np.random.default_rng(seed)
    hours = np.arange(168)
    population = 1 + 2 * np.exp(-0.5 * (((hours % 24) - 20) / 2.5) ** 2)
    population /= population.sum()
    preferred = rng.integers(0, 168, size=customers)
    past = np.zeros((customers, 168), dtype=np.float32)
    future = np.zeros((customers, 168), dtype=np.float32)
    for i in range(customers):
        n_past = rng.poisson(past_events)
        for target, n in ((past, n_past), (future, future_events)):
            for _ in range(n):
                if rng.random() < 0.6:
                    h = (preferred[i] + rng.integers(-2, 3)) % 168
                else:
                    h = rng.choice(168, p=population)
                target[i, h] += 1
    return past, future, preferred


@dataclass
class BanditWorld:
    """Conversion probability of each action is sigmoid(context · theta[action])."""

    theta: np.ndarray

    @classmethod
    def make(cls, actions: int = 4, features: int = 5, seed: int = 5) -> BanditWorld:
        """A world with ``actions`` actions whose best choice depends on the context."""
        return cls(np.random.default_rng(seed).normal(0, 1.2, size=(actions, features)))

    def contexts(self, n: int, seed: int) -> np.ndarray:
        """Decision contexts (customer and journey features)."""
        return np.random.default_rng(seed).normal(0, 1, size=(n, self.theta.shape[1])).astype(np.float32)

    def conversion(self, context: np.ndarray) -> np.ndarray:
        """True conversion probability of every action."""
        return 1 / (1 + np.exp(-(self.theta @ context)))


def fraud_graph(customers: int = 600, merchants: int = 60, rings: int = 6, ring_size: int = 6,
                txns_per_customer: int = 8, seed: int = 9) -> tuple[Graph, torch.Tensor, torch.Tensor]:
    """A payment graph where fraud rings share a few devices and cards and hit a few merchants.

    Returns (graph, labels, time order); transaction features are (log amount, night-time flag, new device).
    """
    rng = np.random.default_rng(seed)
    ids: dict[tuple[str, str], int] = {}
    types: list[int] = []

    def node(kind: str, key: str) -> int:
        if (kind, key) not in ids:
            ids[(kind, key)] = len(types)
            types.append(ENTITY_TYPES.index(kind))
        return ids[(kind, key)]

    rows, feats, labels, times = [], [], [], []
    fraudsters = set(rng.choice(customers, size=rings * ring_size, replace=False).tolist())
    ring_of = {c: i % rings for i, c in enumerate(sorted(fraudsters))}
    for c in range(customers):
        own_devices = [f"d{c}-{k}" for k in range(rng.integers(1, 3))]
        own_cards = [f"k{c}-{k}" for k in range(rng.integers(1, 3))]
        for _ in range(txns_per_customer):
            fraud = c in ring_of and rng.random() < 0.7
            if fraud:
                ring = ring_of[c]
                device, card = f"ring{ring}-d{rng.integers(2)}", f"ring{ring}-k{rng.integers(3)}"
                merchant = f"m{(ring * 7 + rng.integers(2)) % merchants}"
                amount = rng.lognormal(4.6, 0.8)
            else:
                device, card = own_devices[rng.integers(len(own_devices))], own_cards[rng.integers(len(own_cards))]
                merchant = f"m{min(int(rng.zipf(1.3)) - 1, merchants - 1)}"
                amount = rng.lognormal(4.0, 0.9)
            night = float(rng.random() < (0.45 if fraud else 0.3))
            new_device = float(rng.random() < (0.5 if fraud else 0.2))
            rows.append([node("customer", f"c{c}"), node("device", device), node("card", card),
                         node("merchant", merchant)])
            feats.append([np.log(amount), night, new_device])
            labels.append(int(fraud))
            times.append(rng.random())
    graph = Graph(torch.tensor(types), torch.tensor(rows), torch.tensor(feats, dtype=torch.float32))
    return graph, torch.tensor(labels), torch.tensor(times)


def fraud_transactions(customers: int = 400, merchants: int = 60, rings: int = 5, ring_size: int = 6,
                       txns_per_customer: int = 8, days: int = 14, seed: int = 11,
                       start: datetime | None = None) -> tuple[list[Txn], list[int]]:
    """Keyed payments in time order with fraud labels, for training and serving the fraud GNN end to end.

    Rings share a few devices and cards and hit a few merchants, pay larger amounts and more often at night;
    honest customers keep to their own one or two devices and cards.
    """
    rng = np.random.default_rng(seed)
    start = start or datetime(2025, 6, 1, tzinfo=UTC)
    fraudsters = rng.choice(customers, size=rings * ring_size, replace=False).tolist()
    ring_of = {int(c): i % rings for i, c in enumerate(sorted(fraudsters))}
    txns: list[tuple[Txn, int]] = []
    for c in range(customers):
        own_devices = [f"d{c}-{k}" for k in range(rng.integers(1, 3))]
        own_cards = [f"k{c}-{k}" for k in range(rng.integers(1, 3))]
        for j in range(txns_per_customer):
            fraud = c in ring_of and rng.random() < 0.7
            if fraud:
                ring = ring_of[c]
                device, card = f"ring{ring}-d{rng.integers(2)}", f"ring{ring}-k{rng.integers(3)}"
                merchant = f"m{(ring * 7 + rng.integers(2)) % merchants}"
                amount = float(rng.lognormal(4.6, 0.8))
            else:
                device, card = own_devices[rng.integers(len(own_devices))], own_cards[rng.integers(len(own_cards))]
                merchant = f"m{min(int(rng.zipf(1.3)) - 1, merchants - 1)}"
                amount = float(rng.lognormal(4.0, 0.9))
            hour = int(rng.integers(0, 6)) if rng.random() < (0.45 if fraud else 0.25) else int(rng.integers(6, 24))
            at = start + timedelta(days=int(rng.integers(days)), hours=hour, minutes=int(rng.integers(60)))
            txns.append((Txn(f"t{c}-{j}", f"c{c}", device, card, merchant, amount, at), int(fraud)))
    txns.sort(key=lambda pair: pair[0].occurred_at)
    return [t for t, _ in txns], [label for _, label in txns]
