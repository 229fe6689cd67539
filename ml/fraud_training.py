"""Training a servable fraud GNN version from keyed, labelled payments, with its card.

The transactions are split by time (the model meets later payments than it learnt from), the GNN and a
transaction-only logistic regression are trained on the earlier part and compared by AUC on the later
part. The artifact carries what serving needs besides the weights: the known fraud per entity from the
training part (the only label-derived node input) and the review/block thresholds.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import torch

from ml.fraud_serving import TXN_FEATURES, Txn, graph_of, walk_features
from ml.models.common import auc, fit_logistic, predict_proba
from ml.models.fraud import ENTITY_TYPES, fit_fraud


def train_fraud(txns: list[Txn], labels: list[int], name: str, version: str, *, epochs: int = 120,
                hidden: int = 32, holdout: float = 0.3, review_threshold: float = 0.5,
                block_threshold: float = 0.9, seed: int = 0) -> tuple[dict[str, Any], dict[str, Any], bool]:
    """(artifact, card, beats_baseline) for transactions in time order."""
    if len(txns) != len(labels) or len(txns) < 100:
        raise ValueError(f"need at least 100 labelled transactions, got {len(txns)} with {len(labels)} labels")
    if not 0 < review_threshold < block_threshold <= 1:
        raise ValueError("thresholds must satisfy 0 < review < block <= 1")
    graph, keys = graph_of(txns, walk_features(txns))
    y = torch.tensor(labels)
    cut = int(len(txns) * (1 - holdout))
    train = torch.arange(len(txns)) < cut
    test = ~train
    model, x = fit_fraud(graph, y, train, epochs=epochs, hidden=hidden, seed=seed)
    with torch.no_grad():
        h = model.node_embeddings(x, graph.txn_nodes)
        p = torch.sigmoid(model.score(h, graph.txn_nodes[test], graph.txn_features[test])).numpy()
    baseline = fit_logistic(graph.txn_features[train], y[train].float())
    q = predict_proba(baseline, graph.txn_features[test])
    truth = y[test].numpy()
    model_auc, baseline_auc = float(auc(truth, p)), float(auc(truth, q))
    metrics = [{"name": "auc", "value": model_auc, "baseline_value": baseline_auc, "higher_is_better": True}]
    ok = model_auc > baseline_auc
    fraud = torch.zeros(len(keys)).index_add_(0, graph.txn_nodes[train].reshape(-1),
                                              y[train].float().repeat_interleave(4))
    seen = torch.zeros(len(keys)).index_add_(0, graph.txn_nodes[train].reshape(-1),
                                             torch.ones(int(train.sum()) * 4))
    # Only entities that touched fraud change the input (others read 0 like an unseen entity).
    entity_fraud = {keys[i]: [float(fraud[i]), float(seen[i])] for i in torch.nonzero(fraud).flatten().tolist()}
    config = {"n_node_in": int(x.shape[1]), "n_txn_in": len(TXN_FEATURES), "hidden": hidden,
              "review_threshold": review_threshold, "block_threshold": block_threshold}
    artifact = {"kind": "fraud", "config": config, "entity_fraud": entity_fraud,
                "state": {k: v.detach().cpu() for k, v in model.state_dict().items()}}
    card = {
        "name": name, "version": version, "kind": "fraud", "status": "candidate" if ok else "rejected",
        "description": "fraud/AML graph neural network over customer, device, card and merchant",
        "target": "transaction labelled fraud",
        "data_window": {"start": txns[0].occurred_at.isoformat(), "end": txns[-1].occurred_at.isoformat()},
        "training_rows": int(train.sum()), "excluded_by_consent": 0,
        "features": [{"name": n, "source": "transaction", "description": n.replace("_", " ")} for n in TXN_FEATURES]
        + [{"name": f"{t}_graph", "source": "recent transaction graph",
            "description": f"{t} node: degree, distinct customers, known fraud share"} for t in ENTITY_TYPES],
        "baseline": "transaction-only logistic regression", "metrics": metrics,
        # Fraud prevention does not rest on profiling consent; every payment is scored.
        "consent_purposes": [],
        "hyperparameters": {"hidden": hidden, "epochs": epochs, "seed": seed, "review_threshold": review_threshold,
                            "block_threshold": block_threshold},
        "trained_at": datetime.now(UTC).isoformat(),
        "limitations": ("Entities first seen after training carry no known-fraud input; the recent graph is "
                        "bounded, so links older than its window are forgotten."),
    }
    return artifact, card, ok
