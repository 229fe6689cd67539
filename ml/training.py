"""Training one model version: point-in-time data, the model and its baseline, the evaluation and the card.

Kinds trained here read profile features: propensity, churn, expected_value, repeat_purchase_timing and
send_time. The result is registered as a candidate only when every deciding metric beats the baseline;
otherwise it is kept as rejected, so its card still tells why it did not ship.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import torch

from ml.datasets import point_in_time
from ml.features import FEATURE_DESCRIPTIONS, FEATURE_NAMES, History, ProfilingAllowed, hour_of_week_counts
from ml.models.classifier import RFM, evaluate_classifier, train_classifier
from ml.models.send_time import evaluate_send_time, fit_send_time
from ml.models.value import evaluate_value, fit_value
from ml.timing_eval import dataset_timing_inputs, evaluate_timing

KINDS = ("propensity", "churn", "expected_value", "repeat_purchase_timing", "send_time")
BASELINES = {
    "propensity": "RFM logistic regression (recency, frequency, monetary)",
    "churn": "RFM logistic regression (recency, frequency, monetary)",
    "expected_value": "run-rate heuristic (last year's revenue per day x horizon)",
    "repeat_purchase_timing": "BG/NBD (Fader, Hardie & Lee 2005), Poisson approximation of P(buy within horizon)",
    "send_time": "population's best hours of the week",
}
DEFAULT_HORIZON = {"propensity": 14, "churn": 60, "expected_value": 30, "repeat_purchase_timing": 60,
                   "send_time": 28}


@dataclass
class TrainingRequest:
    """What to train: a name, a kind, the label definition and the point in time."""

    name: str
    kind: str
    cutoff: datetime
    horizon_days: int = 0
    category: str = ""
    hidden: int = 32
    epochs: int = 60
    seed: int = 0


@dataclass
class TrainingResult:
    """The artifact to store, the card describing it and whether it beat the baseline."""

    artifact: dict[str, Any]
    card: dict[str, Any]
    beats_baseline: bool


def beats_baseline(metrics: list[dict[str, Any]]) -> bool:
    """Every deciding (non-informational) metric is strictly better than the baseline's."""
    deciding = [m for m in metrics if not m.get("informational")]
    return bool(deciding) and all((m["value"] > m["baseline_value"]) == m["higher_is_better"] for m in deciding)


def train(req: TrainingRequest, histories: dict[str, History], profiling_allowed: ProfilingAllowed,
          version: str, workflow_id: str = "") -> TrainingResult:
    """Trains, evaluates against the baseline on held-out profiles and fills the card."""
    if req.kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got {req.kind!r}")
    horizon = req.horizon_days or DEFAULT_HORIZON[req.kind]
    data = point_in_time(histories, req.cutoff - timedelta(days=horizon), horizon, profiling_allowed,
                         category=req.category)
    if len(data.frame.keys) < 50:
        raise ValueError(f"only {len(data.frame.keys)} consenting profiles with history; at least 50 are needed")
    train_idx, test_idx = data.split(seed=req.seed)
    x = data.frame.matrix
    config: dict[str, Any] = {"n_in": x.shape[1], "hidden": req.hidden, "horizon_days": horizon,
                              "category": req.category}
    if req.kind in ("propensity", "churn"):
        y = data.targets["purchase" if req.kind == "propensity" else "churn"]
        model, baseline = train_classifier(x[train_idx], y[train_idx], hidden=req.hidden, epochs=req.epochs,
                                           seed=req.seed)
        metrics = evaluate_classifier(model, baseline, x[test_idx], y[test_idx])
        state = model.state_dict()
    elif req.kind == "expected_value":
        revenue = data.targets["revenue"]
        model = fit_value(x[train_idx], revenue[train_idx], hidden=req.hidden, epochs=req.epochs, seed=req.seed)
        metrics = evaluate_value(model, x[test_idx], revenue[test_idx], horizon)
        state = model.state_dict()
    elif req.kind == "repeat_purchase_timing":
        report = evaluate_timing(dataset_timing_inputs(data), horizon, epochs=req.epochs, seed=req.seed,
                                 hidden=req.hidden)
        metrics, state = report["metrics"], report["model"].state_dict()
        config["n_in"] = report["model"].body.net[0].in_features
    else:
        counts = np.stack([hour_of_week_counts(histories[k], data.cutoff) for k in data.frame.keys])
        future = np.stack([hour_of_week_counts(histories[k], data.cutoff + timedelta(days=horizon))
                           for k in data.frame.keys]) - counts
        model = fit_send_time(counts[train_idx], future[train_idx])
        metrics = evaluate_send_time(model, counts[test_idx], future[test_idx])
        state = model.state_dict()
    ok = beats_baseline(metrics)
    features = FEATURE_NAMES if req.kind != "send_time" else ("events_by_local_hour_of_week",)
    target = {
        "propensity": f"Order Completed{' in ' + req.category if req.category else ''} within {horizon} days",
        "churn": f"no Order Completed within {horizon} days",
        "expected_value": f"EUR revenue within {horizon} days",
        "repeat_purchase_timing": f"days to the next order per category, censored at {horizon} days",
        "send_time": f"engagement events per local hour of week over {horizon} days",
    }[req.kind]
    card = {
        "name": req.name, "version": version, "kind": req.kind, "status": "candidate" if ok else "rejected",
        "description": f"{req.kind.replace('_', ' ')} model", "target": target,
        "data_window": {"start": data.window_start.isoformat(), "end": req.cutoff.isoformat()},
        "training_rows": len(train_idx), "excluded_by_consent": data.frame.excluded_by_consent,
        "features": [{"name": n, "source": "events archive (point in time)",
                      "description": FEATURE_DESCRIPTIONS.get(n, n.replace(":", " "))} for n in features],
        "baseline": BASELINES[req.kind], "metrics": [_plain(m) for m in metrics],
        "consent_purposes": ["profiling"], "hyperparameters": {"hidden": req.hidden, "epochs": req.epochs,
                                                               "seed": req.seed, "horizon_days": horizon},
        "workflow_id": workflow_id, "trained_at": datetime.now(UTC).isoformat(),
        "limitations": ("Scores only profiles whose consent allows profiling. Trained on "
                        f"{len(train_idx)} profiles; RFM baseline columns: {', '.join(RFM)}."),
    }
    artifact = {"kind": req.kind, "config": config, "state": {k: v.detach().cpu() for k, v in state.items()}}
    return TrainingResult(artifact, card, ok)


def _plain(metric: dict[str, Any]) -> dict[str, Any]:
    return {k: (float(v) if isinstance(v, np.floating | torch.Tensor) else v) for k, v in metric.items()}
