"""Fraud/AML: a graph neural network over the customer–device–card–merchant graph that scores transactions.

Every entity is a node; every transaction links its customer, device, card and merchant. Two rounds of mean
message passing (plain torch ``index_add_``) give each node an embedding that reflects its neighbourhood — a
device shared by many customers, a card seen next to known fraud — and a head scores a transaction from its
four entities' embeddings plus the transaction's own features. Node inputs include the share of training
fraud touching the node, computed from training transactions only so no label leaks into evaluation.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

ENTITY_TYPES = ("customer", "device", "card", "merchant")


@dataclass
class Graph:
    """Nodes (type per node) and the transactions that connect them."""

    node_type: torch.Tensor  # (nodes,) index into ENTITY_TYPES
    txn_nodes: torch.Tensor  # (txns, 4) node of customer, device, card, merchant
    txn_features: torch.Tensor  # (txns, f)


def distinct_customers(graph: Graph) -> torch.Tensor:
    """Per node, how many distinct customers share a transaction with it (0 for customer nodes)."""
    n = graph.node_type.shape[0]
    # Each (device/card/merchant node, customer node) pair as one integer: a 1-D unique is a plain sort,
    # far cheaper than the row-wise unique of a pair matrix.
    pairs = torch.unique(graph.txn_nodes[:, 1:].reshape(-1) * n + graph.txn_nodes[:, :1].expand(-1, 3).reshape(-1))
    return torch.zeros(n).index_add_(0, torch.div(pairs, n, rounding_mode="floor"), torch.ones(pairs.shape[0]))


def structural_inputs(graph: Graph, customers: torch.Tensor | None = None) -> torch.Tensor:
    """Per node: one-hot type, log degree and distinct customers linked (log); the label-free part.

    ``customers`` is :func:`distinct_customers` of the graph when the caller already has it.
    """
    n = graph.node_type.shape[0]
    onehot = nn.functional.one_hot(graph.node_type, len(ENTITY_TYPES)).float()
    flat = graph.txn_nodes.reshape(-1)
    degree = torch.zeros(n).index_add_(0, flat, torch.ones(flat.shape[0]))
    if customers is None:
        customers = distinct_customers(graph)
    return torch.cat([onehot, torch.log1p(degree)[:, None], torch.log1p(customers)[:, None]], dim=1)


def fraud_share(fraud: torch.Tensor, seen: torch.Tensor) -> torch.Tensor:
    """Smoothed share of known fraud among a node's labelled transactions (two phantom clean ones)."""
    return fraud / (seen + 2.0)


def node_inputs(graph: Graph, labels: torch.Tensor, train_mask: torch.Tensor) -> torch.Tensor:
    """Per node: the structural inputs and the training fraud share."""
    n = graph.node_type.shape[0]
    fraud = torch.zeros(n)
    seen = torch.zeros(n)
    train_nodes = graph.txn_nodes[train_mask].reshape(-1)
    fraud.index_add_(0, train_nodes, labels[train_mask].float().repeat_interleave(4))
    seen.index_add_(0, train_nodes, torch.ones(train_nodes.shape[0]))
    return torch.cat([structural_inputs(graph), fraud_share(fraud, seen)[:, None]], dim=1)


class FraudGNN(nn.Module):
    """Node inputs + graph -> node embeddings -> transaction fraud logit."""

    def __init__(self, n_node_in: int, n_txn_in: int, hidden: int = 32, rounds: int = 2) -> None:
        super().__init__()
        self.embed = nn.Linear(n_node_in, hidden)
        self.rounds = nn.ModuleList(nn.Linear(2 * hidden, hidden) for _ in range(rounds))
        self.head = nn.Sequential(nn.Linear(4 * hidden + n_txn_in, hidden), nn.ReLU(), nn.Linear(hidden, 1))

    def node_embeddings(self, x: torch.Tensor, txn_nodes: torch.Tensor) -> torch.Tensor:
        """Message passing: every node averages the nodes it shares a transaction with, twice."""
        h = torch.relu(self.embed(x))
        src = txn_nodes[:, :, None].expand(-1, 4, 4).reshape(-1)
        dst = txn_nodes[:, None, :].expand(-1, 4, 4).reshape(-1)
        keep = src != dst
        src, dst = src[keep], dst[keep]
        count = torch.zeros(h.shape[0], device=h.device).index_add_(0, dst, torch.ones_like(dst, dtype=h.dtype))
        for layer in self.rounds:
            agg = torch.zeros_like(h).index_add_(0, dst, h[src]) / count.clamp_min(1)[:, None]
            h = torch.relu(layer(torch.cat([h, agg], dim=1)))
        return h

    def score(self, h: torch.Tensor, txn_nodes: torch.Tensor, txn_features: torch.Tensor) -> torch.Tensor:
        """Fraud logits of transactions given node embeddings."""
        return self.head(torch.cat([h[txn_nodes].reshape(txn_nodes.shape[0], -1), txn_features], dim=1)).squeeze(-1)


def fit_fraud(graph: Graph, labels: torch.Tensor, train_mask: torch.Tensor, *, epochs: int = 150,
              hidden: int = 32, seed: int = 0) -> tuple[FraudGNN, torch.Tensor]:
    """Full-graph training on the training transactions; returns the model and the node inputs used."""
    torch.manual_seed(seed)
    x = node_inputs(graph, labels, train_mask)
    model = FraudGNN(x.shape[1], graph.txn_features.shape[1], hidden)
    opt = torch.optim.Adam(model.parameters(), lr=0.01, weight_decay=1e-4)
    y = labels.float()
    for _ in range(epochs):
        opt.zero_grad()
        h = model.node_embeddings(x, graph.txn_nodes)
        logits = model.score(h, graph.txn_nodes[train_mask], graph.txn_features[train_mask])
        loss = nn.functional.binary_cross_entropy_with_logits(logits, y[train_mask])
        loss.backward()
        opt.step()
    return model.eval(), x


@torch.no_grad()
def attribution(model: FraudGNN, h: torch.Tensor, txn: torch.Tensor, features: torch.Tensor,
                txn_nodes: torch.Tensor | None = None) -> np.ndarray:
    """Share of one transaction's score owed to each of its four entities (drop when replaced by the mean node).

    The mean is over the nodes some transaction touches (``txn_nodes``; all nodes when not given), so nodes
    with no transaction left in a graph do not shift it.
    """
    base = torch.sigmoid(model.score(h, txn[None], features[None]))[0]
    live = h if txn_nodes is None else h[torch.unique(txn_nodes)]
    mean = live.mean(dim=0, keepdim=True)
    drops = []
    for slot in range(4):
        h2 = torch.cat([h, mean])
        swapped = txn.clone()
        swapped[slot] = h.shape[0]
        drops.append(float((base - torch.sigmoid(model.score(h2, swapped[None], features[None]))[0]).clamp_min(0)))
    total = sum(drops)
    return np.array(drops) / total if total > 0 else np.full(4, 0.25)
