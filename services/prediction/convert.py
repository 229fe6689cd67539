"""Model cards and predictions between the registry's dicts and the v1 protos."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from google.protobuf import struct_pb2

from loom.common.v1 import common_pb2
from loom.prediction.v1 import prediction_pb2 as pb

KIND_TO_PROTO = {
    "propensity": pb.MODEL_KIND_PROPENSITY, "next_best_action": pb.MODEL_KIND_NEXT_BEST_ACTION,
    "repeat_purchase_timing": pb.MODEL_KIND_REPEAT_PURCHASE_TIMING, "send_time": pb.MODEL_KIND_SEND_TIME,
    "churn": pb.MODEL_KIND_CHURN, "expected_value": pb.MODEL_KIND_EXPECTED_VALUE, "fraud": pb.MODEL_KIND_FRAUD,
}
KIND_FROM_PROTO = {v: k for k, v in KIND_TO_PROTO.items()}
STATUS_TO_PROTO = {
    "training": pb.MODEL_STATUS_TRAINING, "candidate": pb.MODEL_STATUS_CANDIDATE, "active": pb.MODEL_STATUS_ACTIVE,
    "retired": pb.MODEL_STATUS_RETIRED, "failed": pb.MODEL_STATUS_FAILED, "rejected": pb.MODEL_STATUS_REJECTED,
}
STATUS_FROM_PROTO = {v: k for k, v in STATUS_TO_PROTO.items()}


def _ts(value: str, target: Any) -> None:
    if value:
        target.FromDatetime(datetime.fromisoformat(value))


def card_to_proto(card: dict[str, Any]) -> pb.ModelCard:
    """A registry card as a ModelCard."""
    out = pb.ModelCard(
        name=card["name"], version=card["version"], kind=KIND_TO_PROTO.get(card["kind"], 0),
        status=STATUS_TO_PROTO.get(card["status"], 0), description=card.get("description", ""),
        target=card.get("target", ""), training_rows=int(card.get("training_rows", 0)),
        excluded_by_consent=int(card.get("excluded_by_consent", 0)), baseline=card.get("baseline", ""),
        consent_purposes=card.get("consent_purposes", []), artifact_uri=card.get("artifact_uri", ""),
        workflow_id=card.get("workflow_id", ""), limitations=card.get("limitations", ""),
    )
    window = card.get("data_window") or {}
    _ts(window.get("start", ""), out.data_window.start)
    _ts(window.get("end", ""), out.data_window.end)
    for feature in card.get("features", []):
        out.features.add(name=feature["name"], source=feature["source"], description=feature["description"])
    for m in card.get("metrics", []):
        out.metrics.add(name=m["name"], value=m["value"], baseline_value=m["baseline_value"],
                        higher_is_better=m["higher_is_better"])
    hyper = struct_pb2.Struct()
    hyper.update(card.get("hyperparameters", {}))
    out.hyperparameters.CopyFrom(hyper)
    _ts(card.get("trained_at", ""), out.trained_at)
    _ts(card.get("promoted_at", ""), out.promoted_at)
    return out


def prediction_to_proto(name: str, version: str, kind: str, output: dict[str, Any], at: datetime,
                        timezone: str = "") -> pb.Prediction:
    """One Serve output as a Prediction with its kind-specific part."""
    out = pb.Prediction(model_name=name, model_version=version, kind=KIND_TO_PROTO.get(kind, 0))
    out.scored_at.FromDatetime(at)
    if "score" not in output:
        out.status = pb.SCORE_STATUS_INSUFFICIENT_DATA
        return out
    out.status = pb.SCORE_STATUS_OK
    out.score = float(output["score"])
    if kind == "repeat_purchase_timing":
        timing = out.purchase_timing
        timing.category = output["category"]
        timing.expected_at.FromDatetime(at + timedelta(days=float(output["mode_days"])))
        timing.p10_days, timing.p50_days, timing.p90_days = output["p10_days"], output["p50_days"], output["p90_days"]
    elif kind == "send_time":
        out.send_time.best_hour_of_week = int(output["best_hour_of_week"])
        out.send_time.hour_scores.extend(output["hour_scores"])
        out.send_time.timezone = timezone
    elif kind == "expected_value":
        out.expected_value.value.CopyFrom(common_pb2.Money(currency_code="EUR",
                                                           amount_micros=int(output["score"] * 1e6)))
        out.expected_value.horizon_days = int(output["horizon_days"])
    return out


def now() -> datetime:
    """The current UTC time (one place, so conversions agree)."""
    return datetime.now(UTC)
