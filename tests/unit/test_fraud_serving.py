"""The served fraud graph: its incrementally kept node index scores exactly like a graph built from scratch."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import torch

from ml.fraud_serving import FraudScorer, RecentGraph, Txn, graph_of
from ml.fraud_training import train_fraud
from ml.models.fraud import Graph, distinct_customers

T0 = datetime(2026, 11, 1, tzinfo=UTC)


def payments(count: int, seed: int = 3, customers: int = 120, shared_devices: int = 6, merchants: int = 15,
             shared_share: float = 0.15) -> list[Txn]:
    """Payments in time order: own card and mostly own device per customer, some on a few shared devices."""
    rng = random.Random(seed)
    out = []
    for i in range(count):
        c = rng.randrange(customers)
        device = f"d{c}" if rng.random() >= shared_share else f"d-shared-{rng.randrange(shared_devices)}"
        out.append(Txn(f"t{i}", f"c{c}", device, f"k{c}", f"m{rng.randrange(merchants)}", rng.uniform(5, 900),
                       T0 + timedelta(minutes=7 * i)))
    return out


def test_distinct_customers_counts_each_customer_once_per_node() -> None:
    txns = payments(400)
    graph, keys = graph_of(txns, [[0.0, 0.0, 0.0]] * len(txns))
    expected = {k: set() for k in keys}
    for t in txns:
        for key in t.keys()[1:]:
            expected[key].add(t.customer)
    got = distinct_customers(graph)
    assert [int(got[i]) for i in range(len(keys))] == [len(expected[k]) for k in keys]


def test_the_incremental_index_scores_like_a_graph_built_from_the_window() -> None:
    txns = payments(1500, customers=900)
    labels = [1 if t.device.startswith("d-shared") and random.Random(i).random() < 0.6 else 0
              for i, t in enumerate(txns)]
    artifact, card, _ = train_fraud(txns[:600], labels[:600], "fraud", "v1", epochs=20)
    scorer = FraudScorer(card, artifact)
    # A small bound, so transactions keep leaving: isolated nodes pile up and the index is rebuilt.
    recent = RecentGraph(max_transactions=300, window=timedelta(days=365), reindex_holes=10)
    rebuilt = 0
    for i, txn in enumerate(txns[600:1400]):
        before = len(recent._keys)
        recent.add(txn)
        rebuilt += len(recent._keys) < before
        if i % 97 == 0:
            candidate = txns[1400 + i % 100]
            window = list(recent._txns)
            reference = graph_of([t for t, _ in window] + [candidate],
                                 [f for _, f in window] + [recent.features_of(candidate)])
            fresh = scorer.score_graph(*reference)
            served = scorer.score(recent, candidate)
            assert abs(served.probability - fresh.probability) < 1e-5
            assert served.decision == fresh.decision
            # The same entities, descriptions and weights (ties may sort either way).
            by_type = {s["entity_type"]: s for s in fresh.signals}
            for s in served.signals:
                assert s["description"] == by_type[s["entity_type"]]["description"]
                assert abs(s["weight"] - by_type[s["entity_type"]]["weight"]) < 1e-4
    assert len(recent) == 300 and rebuilt >= 1 and recent._holes < len(recent._keys)
    graph, keys = recent.with_candidate(txns[-1])
    assert isinstance(graph, Graph) and len(keys) == graph.node_type.shape[0]
    assert torch.equal(graph.txn_nodes[:-1], torch.tensor(list(recent._rows)))
