"""Fraud scoring latency: one new payment scored against the recent-transaction graph as ScoreTransaction does
it in process (node index kept incrementally, GNN message passing over the window, entity attribution), next
to the ceiling of a raw GNN forward over the same prebuilt graph tensors, at two window sizes."""

from __future__ import annotations

import random
import statistics
import time
from datetime import timedelta
from typing import Any

import torch

from ml.fraud_serving import FraudScorer, RecentGraph, Txn
from ml.fraud_training import train_fraud
from ml.models.fraud import distinct_customers, fraud_share, structural_inputs
from tests.unit.test_fraud_serving import payments

CALLS = 200


def _ms(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {"p50_ms": round(statistics.median(ordered) * 1000, 3),
            "p99_ms": round(ordered[int(len(ordered) * 0.99) - 1] * 1000, 3)}


def _window(scorer: FraudScorer, txns: list[Txn], size: int) -> dict[str, Any]:
    recent = RecentGraph(max_transactions=size, window=timedelta(days=365))
    for txn in txns[:size]:
        recent.add(txn)
    served, raw = [], []
    for i in range(CALLS):
        candidate = txns[size + i]
        start = time.perf_counter()
        scorer.score(recent, candidate)
        served.append(time.perf_counter() - start)
        recent.add(candidate)  # as ScoreTransaction does: the scored payment joins the graph
    graph, keys = recent.with_candidate(txns[size + CALLS])
    x = torch.cat([structural_inputs(graph, distinct_customers(graph)),
                   fraud_share(torch.zeros(len(keys)), torch.zeros(len(keys)))[:, None]], dim=1)
    with torch.no_grad():
        for _ in range(CALLS):
            start = time.perf_counter()
            h = scorer.model.node_embeddings(x, graph.txn_nodes)
            scorer.model.score(h, graph.txn_nodes[-1:], graph.txn_features[-1:])
            raw.append(time.perf_counter() - start)
    served_ms, raw_ms = _ms(served), _ms(raw)
    return {"recent_transactions": size, "nodes": len(keys), "score_transaction_in_process": served_ms,
            "ceiling_raw_gnn_forward": raw_ms,
            "p50_over_ceiling": round(served_ms["p50_ms"] / max(raw_ms["p50_ms"], 1e-9), 2)}


async def run() -> dict[str, Any]:
    """Trains a small fraud model, then times scoring against 2,000 and 20,000 recent payments."""
    torch.set_num_threads(1)
    txns = payments(20_000 + CALLS + 1, seed=7, customers=6_000, shared_devices=40, merchants=200,
                    shared_share=0.1)
    rng = random.Random(1)
    labels = [1 if t.device.startswith("d-shared") and rng.random() < 0.5 else 0 for t in txns[:3000]]
    artifact, card, _ = train_fraud(txns[:3000], labels, "fraud_bench", "v1", epochs=30)
    scorer = FraudScorer(card, artifact)
    return {"windows": [_window(scorer, txns, size) for size in (2_000, 20_000)]}
