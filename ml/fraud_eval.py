"""Evaluation of the fraud GNN against a transaction-only logistic regression on a time split."""

from __future__ import annotations

import torch

from ml.models.common import auc, fit_logistic, predict_proba
from ml.models.fraud import Graph, fit_fraud


def evaluate_fraud(graph: Graph, labels: torch.Tensor, times: torch.Tensor, *, epochs: int = 150,
                   holdout: float = 0.3, seed: int = 0) -> dict:
    """Trains on the earlier transactions and scores the later ones (the way the model meets new payments)."""
    cut = torch.quantile(times, 1 - holdout)
    train = times < cut
    test = ~train
    model, x = fit_fraud(graph, labels, train, epochs=epochs, seed=seed)
    with torch.no_grad():
        h = model.node_embeddings(x, graph.txn_nodes)
        p = torch.sigmoid(model.score(h, graph.txn_nodes[test], graph.txn_features[test])).numpy()
    baseline = fit_logistic(graph.txn_features[train], labels[train].float())
    q = predict_proba(baseline, graph.txn_features[test])
    y = labels[test].numpy()
    return {
        "metrics": [{"name": "auc", "value": auc(y, p), "baseline_value": auc(y, q), "higher_is_better": True}],
        "model": model, "node_inputs": x, "embeddings": h,
    }
