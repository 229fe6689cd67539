"""Every model, trained on small synthetic data with known ground truth, beats its baseline on held-out data."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pytest
import torch

from ml.btyd import BGNBD
from ml.datasets import SYNTHETIC_END, allow_all, point_in_time, synthetic_histories
from ml.fraud_eval import evaluate_fraud
from ml.models.bandit import LinearThompsonBandit
from ml.models.classifier import evaluate_classifier, train_classifier
from ml.models.send_time import evaluate_send_time, fit_send_time
from ml.models.value import evaluate_value, fit_value
from ml.synthetic import BanditWorld, engagement_counts, fraud_graph
from ml.timing_eval import dataset_timing_inputs, evaluate_timing


@pytest.fixture(scope="module")
def data():
    """2,000 synthetic customers, features as of 30 days before the end, labels from the last 30 days."""
    histories = synthetic_histories(2000, days=240)
    return point_in_time(histories, SYNTHETIC_END - timedelta(days=30), 30, allow_all, category="shoes")


def beats(metrics: list[dict]) -> bool:
    """True when every deciding metric is better than the baseline's."""
    deciding = [m for m in metrics if not m.get("informational")]
    return all((m["value"] > m["baseline_value"]) == m["higher_is_better"] for m in deciding)


@pytest.fixture(scope="module")
def churn_data():
    """Churn looks further ahead: no order in the 60 days after the cutoff."""
    histories = synthetic_histories(2000, days=240)
    return point_in_time(histories, SYNTHETIC_END - timedelta(days=60), 60, allow_all)


@pytest.mark.parametrize("target", ["purchase", "churn"])
def test_classifier_beats_rfm_logistic_regression(data, churn_data, target: str) -> None:
    data = churn_data if target == "churn" else data
    train, test = data.split()
    x, y = data.frame.matrix, data.targets[target]
    model, baseline = train_classifier(x[train], y[train])
    metrics = evaluate_classifier(model, baseline, x[test], y[test])
    assert beats(metrics), metrics
    assert metrics[0]["value"] > 0.6


def test_expected_value_beats_run_rate(data) -> None:
    train, test = data.split()
    x, revenue = data.frame.matrix, data.targets["revenue"]
    model = fit_value(x[train], revenue[train], epochs=40)
    metrics = evaluate_value(model, x[test], revenue[test], 30)
    assert beats(metrics), metrics


def test_repeat_purchase_timing_beats_bgnbd(data) -> None:
    inputs = dataset_timing_inputs(data)
    report = evaluate_timing(inputs, horizon_days=30, epochs=40)
    assert beats(report["metrics"]), report
    quantiles = report["example"]
    assert quantiles["p10_days"] < quantiles["p50_days"] < quantiles["p90_days"]
    assert 0 < quantiles["mode_days"] <= quantiles["p50_days"]


def test_bgnbd_recovers_a_heavier_buyer() -> None:
    rng = np.random.default_rng(1)
    x = rng.poisson(3, 500).astype(float)
    big_t = np.full(500, 52.0)
    t_x = np.where(x > 0, rng.uniform(20, 52, 500), 0.0)
    model = BGNBD.fit(x, t_x, big_t)
    light, heavy = model.expected_purchases(26, np.array([1.0, 8.0]), np.array([50.0, 50.0]), np.array([52.0, 52.0]))
    assert heavy > light > 0


def test_send_time_beats_population_best_hours() -> None:
    past, future, preferred = engagement_counts(600)
    model = fit_send_time(past[:400], future[:400])
    metrics = evaluate_send_time(model, past[400:], future[400:])
    assert beats(metrics), metrics
    with torch.no_grad():
        best = model(torch.from_numpy(past[400:])).argmax(dim=1).numpy()
    # The best hour found lies within 3 hours of the customer's true preferred hour for most customers.
    distance = np.minimum((best - preferred[400:]) % 168, (preferred[400:] - best) % 168)
    assert (distance <= 3).mean() > 0.6


def test_thompson_bandit_beats_random_policy() -> None:
    world = BanditWorld.make()
    bandit = LinearThompsonBandit(4, 5, seed=1)
    rng = np.random.default_rng(2)
    learned = []
    for context in world.contexts(1500, seed=3):
        decision = bandit.decide(torch.from_numpy(context))
        reward = float(rng.random() < world.conversion(context)[decision.action])
        bandit.update(torch.from_numpy(context), decision.action, reward)
        learned.append(reward)
    # Held-out contexts: the learned policy's true conversion against a random policy's.
    held_out = world.contexts(500, seed=4)
    policy = np.mean([world.conversion(c)[bandit.decide(torch.from_numpy(c)).action] for c in held_out])
    random_policy = np.mean([world.conversion(c).mean() for c in held_out])
    best = np.mean([world.conversion(c).max() for c in held_out])
    assert policy > random_policy + 0.1 and policy > 0.85 * best
    decision = bandit.decide(torch.from_numpy(held_out[0]))
    assert 0 < decision.propensity <= 1 and abs(sum(decision.probabilities) - 1) < 0.05


def test_fraud_gnn_beats_transaction_only_logistic_regression() -> None:
    graph, labels, times = fraud_graph(customers=300)
    report = evaluate_fraud(graph, labels, times, epochs=60)
    assert beats(report["metrics"]), report
