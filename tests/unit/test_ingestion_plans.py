"""Data plans: plan checks, verdicts per violation kind, plan choice per source, the plan file format."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from loom.ingestion.v1 import ingestion_pb2 as pb
from services.cli.plans import PlanFileError, plan_to_document, plans_from_file
from services.common.errors import InvalidArgument
from services.ingestion.plans import CompiledPlan, PlanSet, check_plan

ORDER_SCHEMA = {
    "type": "object",
    "required": ["order_id", "total"],
    "properties": {"order_id": {"type": "string"}, "total": {"type": "number", "minimum": 0},
                   "items": {"type": "integer"}},
    "additionalProperties": False,
}


def plan(**overrides: object) -> pb.DataPlan:
    fields: dict[str, object] = {
        "plan_id": "shop", "unplanned_mode": pb.PLAN_MODE_QUARANTINE, "violation_mode": pb.PLAN_MODE_BLOCK,
        "events": [pb.PlannedEvent(name="Order Completed", version=1, properties_schema_json=json.dumps(ORDER_SCHEMA))],
    }
    return pb.DataPlan(**{**fields, **overrides})


def track(name: str, **properties: object) -> pb.Event:
    event = pb.Event(message_id="m", type=pb.EVENT_TYPE_TRACK, event=name, user_id="u")
    event.properties.update(properties)
    return event


def kinds(verdict_violations: list[pb.Violation]) -> set[tuple[int, str]]:
    return {(v.kind, v.field) for v in verdict_violations}


def test_conforming_event_has_no_violations() -> None:
    verdict = CompiledPlan.compile(plan()).judge(track("Order Completed", order_id="o1", total=10.5, items=2))
    assert verdict.violations == [] and verdict.allowed


def test_each_violation_kind_is_named_with_its_field() -> None:
    compiled = CompiledPlan.compile(plan())
    verdict = compiled.judge(track("Order Completed", total="ten", coupon="X"))
    assert kinds(verdict.violations) == {
        (pb.VIOLATION_KIND_REQUIRED_MISSING, "properties.order_id"),
        (pb.VIOLATION_KIND_TYPE_MISMATCH, "properties.total"),
        (pb.VIOLATION_KIND_ADDITIONAL_PROPERTY, "properties.coupon"),
    }
    assert verdict.mode == pb.PLAN_MODE_BLOCK and not verdict.allowed
    negative = compiled.judge(track("Order Completed", order_id="o", total=-1))
    assert kinds(negative.violations) == {(pb.VIOLATION_KIND_CONSTRAINT, "properties.total")}
    # JSON has one number type: 2.0 is an integer, 2.5 is not.
    assert compiled.judge(track("Order Completed", order_id="o", total=1, items=2.0)).violations == []
    assert kinds(compiled.judge(track("Order Completed", order_id="o", total=1, items=2.5)).violations) == {
        (pb.VIOLATION_KIND_TYPE_MISMATCH, "properties.items")}


def test_unplanned_events_and_versions_take_the_unplanned_mode() -> None:
    compiled = CompiledPlan.compile(plan())
    verdict = compiled.judge(track("Cart Viewed"))
    assert kinds(verdict.violations) == {(pb.VIOLATION_KIND_UNPLANNED_EVENT, "event")}
    assert verdict.mode == pb.PLAN_MODE_QUARANTINE
    versioned = track("Order Completed", order_id="o", total=1)
    versioned.schema_version = 2
    assert compiled.judge(versioned).violations[0].kind == pb.VIOLATION_KIND_UNPLANNED_EVENT
    # Only track events are planned.
    page = pb.Event(message_id="p", type=pb.EVENT_TYPE_PAGE, event="Home", user_id="u")
    assert compiled.judge(page).violations == []


def test_newest_version_applies_unless_the_event_names_one() -> None:
    v2 = {**ORDER_SCHEMA, "required": ["order_id", "total", "currency"],
          "properties": {**ORDER_SCHEMA["properties"], "currency": {"type": "string"}}}
    compiled = CompiledPlan.compile(plan(events=[
        pb.PlannedEvent(name="Order Completed", version=1, properties_schema_json=json.dumps(ORDER_SCHEMA)),
        pb.PlannedEvent(name="Order Completed", version=2, properties_schema_json=json.dumps(v2)),
    ]))
    event = track("Order Completed", order_id="o", total=1)
    assert kinds(compiled.judge(event).violations) == {(pb.VIOLATION_KIND_REQUIRED_MISSING, "properties.currency")}
    event.schema_version = 1
    assert compiled.judge(event).violations == []


def test_keywords_the_fast_validator_lacks_are_still_enforced() -> None:
    schema = {"type": "object", "properties": {"a": {"type": "string"}}, "unevaluatedProperties": False}
    compiled = CompiledPlan.compile(plan(events=[pb.PlannedEvent(name="E", properties_schema_json=json.dumps(schema))]))
    assert compiled.judge(track("E", a="x")).violations == []
    assert kinds(compiled.judge(track("E", a="x", b=1)).violations) == {
        (pb.VIOLATION_KIND_ADDITIONAL_PROPERTY, "properties.b")}


def test_a_source_gets_its_own_plan_before_the_plan_for_all() -> None:
    plans = PlanSet([plan(plan_id="all"), plan(plan_id="web-only", source_ids=["web"])])
    assert plans.plan_for("web").plan.plan_id == "web-only"
    assert plans.plan_for("ios").plan.plan_id == "all"
    assert PlanSet([plan(source_ids=["web"])]).plan_for("ios") is None


def test_bad_plans_are_refused_with_every_field() -> None:
    bad = pb.DataPlan(plan_id="Bad Id", events=[
        pb.PlannedEvent(name="", properties_schema_json="{not json"),
        pb.PlannedEvent(name="E", properties_schema_json='{"type": "nonsense"}'),
        pb.PlannedEvent(name="E", version=1, properties_schema_json="[]"),
    ])
    with pytest.raises(InvalidArgument) as err:
        check_plan(bad)
    fields = {v.field for v in err.value.violations}
    assert fields == {"plan.plan_id", "plan.events[0].name", "plan.events[0].properties_schema_json",
                      "plan.events[1].properties_schema_json", "plan.events[2].version",
                      "plan.events[2].properties_schema_json"}


def test_plan_file_round_trips_and_names_mistakes(tmp_path: Path) -> None:
    path = tmp_path / "plan.yaml"
    path.write_text("plan_id: shop\nunplanned_mode: quarantine\nviolation_mode: block\nevents:\n"
                    "  - name: Order Completed\n    properties_schema: {type: object, required: [order_id]}\n"
                    "---\nplan_id: other\n")
    first, second = plans_from_file(path)
    assert first.unplanned_mode == pb.PLAN_MODE_QUARANTINE and first.events[0].version == 1
    assert json.loads(first.events[0].properties_schema_json)["required"] == ["order_id"]
    assert plan_to_document(first)["violation_mode"] == "block" and second.plan_id == "other"
    path.write_text("plan_id: shop\nunplanned_mode: sometimes\n")
    with pytest.raises(PlanFileError, match=r"unplanned_mode: 'sometimes' is not one of allow, block, quarantine"):
        plans_from_file(path)
