"""Scoring new payments with the fraud GNN over a bounded graph of recent transactions.

`RecentGraph` holds the last transactions (at most ``max_transactions``, none older than ``window``) in time
order and derives each transaction's own features from what came before it, the same way training does
(`walk_features`), so a served score reads the features its model was trained on. `FraudScorer` rebuilds
the GNN from a registry artifact, adds the new transaction to the recent graph, runs message passing over
it and explains the score by the share each of the four entities carries (`ml.models.fraud.attribution`).
No Ray and no I/O here: the prediction service owns persistence of the graph.
"""

from __future__ import annotations

import math
from collections import Counter, deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import torch

from ml.models.fraud import (
    ENTITY_TYPES,
    FraudGNN,
    Graph,
    attribution,
    distinct_customers,
    fraud_share,
    structural_inputs,
)

# Local night hours in UTC: payments between 00:00 and 05:59 are flagged (the market's offset is ignored).
NIGHT_HOURS = range(0, 6)
TXN_FEATURES = ("log1p_amount_eur", "night", "new_device_for_customer")


@dataclass(frozen=True)
class Txn:
    """A payment as the graph sees it: its four entities, its amount and when it happened."""

    transaction_id: str
    customer: str
    device: str
    card: str
    merchant: str
    amount_eur: float
    occurred_at: datetime

    def keys(self) -> tuple[str, str, str, str]:
        """Entity keys, typed so a device id and a card id never collide."""
        return (f"customer:{self.customer}", f"device:{self.device}", f"card:{self.card}",
                f"merchant:{self.merchant}")


def txn_features(txn: Txn, known_pairs: Counter[tuple[str, str]]) -> list[float]:
    """The transaction's own features given the customer–device pairs seen before it."""
    night = 1.0 if txn.occurred_at.hour in NIGHT_HOURS else 0.0
    new_device = 0.0 if known_pairs[(txn.customer, txn.device)] else 1.0
    return [math.log1p(max(txn.amount_eur, 0.0)), night, new_device]


def walk_features(txns: Iterable[Txn]) -> list[list[float]]:
    """Features of transactions in time order, each from the ones before it (training's view)."""
    pairs: Counter[tuple[str, str]] = Counter()
    out = []
    for txn in txns:
        out.append(txn_features(txn, pairs))
        pairs[(txn.customer, txn.device)] += 1
    return out


def graph_of(txns: list[Txn], features: list[list[float]]) -> tuple[Graph, list[str]]:
    """The graph of some transactions and the entity key of every node."""
    ids: dict[str, int] = {}
    types: list[int] = []
    rows = []
    for txn in txns:
        row = []
        for slot, key in enumerate(txn.keys()):
            if key not in ids:
                ids[key] = len(types)
                types.append(slot)
            row.append(ids[key])
        rows.append(row)
    graph = Graph(torch.tensor(types, dtype=torch.long), torch.tensor(rows, dtype=torch.long).reshape(-1, 4),
                  torch.tensor(features, dtype=torch.float32).reshape(-1, len(TXN_FEATURES)))
    return graph, list(ids)


class RecentGraph:
    """The bounded recent-transaction graph: a time-ordered window with its per-transaction features.

    The node index is kept up to date as transactions arrive and leave, so scoring does not rebuild it: an
    entity whose last transaction left the window keeps its node id as an isolated node (no edges, so it
    changes no score) until such holes outnumber the live nodes and the index is rebuilt.
    """

    def __init__(self, max_transactions: int = 20_000, window: timedelta = timedelta(days=7),
                 reindex_holes: int = 1024) -> None:
        self.max_transactions = max_transactions
        self.window = window
        self.reindex_holes = reindex_holes
        self._txns: deque[tuple[Txn, list[float]]] = deque()
        self._pairs: Counter[tuple[str, str]] = Counter()
        self._rows: deque[list[int]] = deque()  # node ids of each transaction, parallel to _txns
        self._ids: dict[str, int] = {}
        self._keys: list[str] = []  # node id -> entity key
        self._types: list[int] = []  # node id -> entity type slot
        self._refs: list[int] = []  # node id -> transactions in the window that touch it
        self._holes = 0

    def __len__(self) -> int:
        return len(self._txns)

    def features_of(self, txn: Txn) -> list[float]:
        """The features ``txn`` would get if it arrived now."""
        return txn_features(txn, self._pairs)

    def add(self, txn: Txn) -> list[float]:
        """Appends a transaction and evicts what fell out of the window or over the bound."""
        features = self.features_of(txn)
        self._txns.append((txn, features))
        self._rows.append(self._index(txn))
        self._pairs[(txn.customer, txn.device)] += 1
        horizon = txn.occurred_at - self.window
        while self._txns and (len(self._txns) > self.max_transactions or self._txns[0][0].occurred_at < horizon):
            old, _ = self._txns.popleft()
            for node in self._rows.popleft():
                self._refs[node] -= 1
                if self._refs[node] == 0:
                    self._holes += 1
            pair = (old.customer, old.device)
            self._pairs[pair] -= 1
            if self._pairs[pair] <= 0:
                del self._pairs[pair]
        if self._holes > max(self.reindex_holes, len(self._keys) // 2):
            self._reindex()
        return features

    def _index(self, txn: Txn) -> list[int]:
        row = []
        for slot, key in enumerate(txn.keys()):
            node = self._ids.get(key)
            if node is None:
                node = self._ids[key] = len(self._keys)
                self._keys.append(key)
                self._types.append(slot)
                self._refs.append(0)
            elif self._refs[node] == 0:
                self._holes -= 1
            self._refs[node] += 1
            row.append(node)
        return row

    def _reindex(self) -> None:
        """Renumbers the nodes of the transactions in the window, dropping isolated ones."""
        self._ids, self._keys, self._types, self._refs, self._holes = {}, [], [], [], 0
        self._rows = deque(self._index(txn) for txn, _ in self._txns)

    def with_candidate(self, txn: Txn) -> tuple[Graph, list[str]]:
        """The recent graph plus ``txn`` as its last transaction (not kept)."""
        extra: dict[str, int] = {}
        types = list(self._types)
        row = []
        for slot, key in enumerate(txn.keys()):
            node = self._ids.get(key, extra.get(key))
            if node is None:
                node = extra[key] = len(types)
                types.append(slot)
            row.append(node)
        rows = torch.tensor([*self._rows, row], dtype=torch.long).reshape(-1, 4)
        features = torch.tensor([*(f for _, f in self._txns), self.features_of(txn)],
                                dtype=torch.float32).reshape(-1, len(TXN_FEATURES))
        graph = Graph(torch.tensor(types, dtype=torch.long), rows, features)
        return graph, [*self._keys, *extra]


@dataclass
class FraudScore:
    """A scored transaction: probability, decision and the entities that weighed on it."""

    probability: float
    decision: str
    signals: list[dict[str, Any]]


class FraudScorer:
    """One registered fraud model version, ready to score against a recent graph."""

    def __init__(self, card: dict[str, Any], artifact: dict[str, Any]) -> None:
        if artifact.get("kind") != "fraud":
            raise ValueError(f"model {card.get('name')} is a {artifact.get('kind')} model, not a fraud model")
        cfg = artifact["config"]
        self.card = card
        self.version: str = card["version"]
        self.review_threshold = float(cfg["review_threshold"])
        self.block_threshold = float(cfg["block_threshold"])
        self.model = FraudGNN(int(cfg["n_node_in"]), int(cfg["n_txn_in"]), int(cfg["hidden"]))
        self.model.load_state_dict(artifact["state"])
        self.model.eval()
        # Known fraud per entity from the training window: (fraud transactions, labelled transactions).
        self._known: dict[str, tuple[float, float]] = {
            key: (float(v[0]), float(v[1])) for key, v in artifact.get("entity_fraud", {}).items()}

    def decision(self, probability: float) -> str:
        """allow, review or block by the model's thresholds."""
        if probability >= self.block_threshold:
            return "block"
        return "review" if probability >= self.review_threshold else "allow"

    def score(self, recent: RecentGraph, txn: Txn, reported: Mapping[str, tuple[float, float]] | None = None
              ) -> FraudScore:
        """Scores ``txn`` as the newest transaction of the recent graph (the graph itself is not changed).

        ``reported``: (fraud, labelled) transactions per entity key from outcomes reported since training;
        they add to the known fraud the model was trained with.
        """
        return self.score_graph(*recent.with_candidate(txn), reported)

    def known(self, key: str, reported: Mapping[str, tuple[float, float]] | None = None) -> tuple[float, float]:
        """(fraud, labelled) transactions of an entity: the training window's plus those reported since."""
        fraud, seen = self._known.get(key, (0.0, 0.0))
        more = reported.get(key) if reported else None
        return (fraud + more[0], seen + more[1]) if more else (fraud, seen)

    @torch.no_grad()
    def score_graph(self, graph: Graph, keys: list[str],
                    reported: Mapping[str, tuple[float, float]] | None = None) -> FraudScore:
        """Scores the last transaction of ``graph`` (``keys``: the entity key of every node)."""
        known = [self.known(k, reported) for k in keys]
        fraud = torch.tensor([k[0] for k in known])
        seen = torch.tensor([k[1] for k in known])
        customers = distinct_customers(graph)
        x = torch.cat([structural_inputs(graph, customers), fraud_share(fraud, seen)[:, None]], dim=1)
        h = self.model.node_embeddings(x, graph.txn_nodes)
        last = graph.txn_nodes[-1]
        features = graph.txn_features[-1]
        probability = float(torch.sigmoid(self.model.score(h, last[None], features[None]))[0])
        weights = attribution(self.model, h, last, features, graph.txn_nodes)
        degree = torch.bincount(graph.txn_nodes.reshape(-1), minlength=len(keys))
        signals = []
        for slot, node in enumerate(last.tolist()):
            key = keys[node]
            signals.append({"entity_type": ENTITY_TYPES[slot], "entity_id": key.split(":", 1)[1],
                            "weight": float(weights[slot]),
                            "description": _describe(slot, int(degree[node]), int(customers[node]), known[node])})
        signals.sort(key=lambda s: -s["weight"])
        return FraudScore(probability, self.decision(probability), signals)


def _describe(slot: int, transactions: int, customers: int, known: tuple[float, float]) -> str:
    kind = ENTITY_TYPES[slot]
    text = f"{kind} in {transactions} recent transactions"
    if slot != 0:
        text += f", shared by {customers} customer{'s' if customers != 1 else ''}"
    if known[0] > 0:
        text += f"; {int(known[0])} of {int(known[1])} labelled transactions were fraud"
    return text
