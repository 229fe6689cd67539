"""Data plans (tracking plans): compiled JSON Schemas per event name and version, and the verdict per event.

A plan lists the events a source may send, each with a JSON Schema (draft 2020-12) for its properties, and
says what happens to events that are not in the plan (``unplanned_mode``) or break their schema
(``violation_mode``): ALLOW (accept, record the violation), BLOCK (reject) or QUARANTINE (hold for replay).

Validation runs for every event on the hot path, so each schema is compiled twice: a fastjsonschema function
answers "valid?" in a few microseconds for the common case, and only an invalid event pays for jsonschema's
full error walk, which lists every violation with its kind and path.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import fastjsonschema
from google.protobuf import struct_pb2
from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError, ValidationError

from loom.ingestion.v1 import ingestion_pb2 as pb
from services.common.errors import Violations

PLAN_ID_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-_")
MAX_PLAN_ID_LEN = 64
_ALLOW_MODES = (pb.PLAN_MODE_UNSPECIFIED, pb.PLAN_MODE_ALLOW)
# Draft 2020-12 keywords fastjsonschema (drafts 4-7) does not know; schemas using them skip the fast path
# rather than have it wave through what the detailed validator would refuse.
_SLOW_KEYWORDS = ("unevaluatedProperties", "unevaluatedItems", "prefixItems", "dependentRequired",
                  "dependentSchemas", "$dynamicRef", "minContains", "maxContains")
_KIND_BY_VALIDATOR = {
    "required": pb.VIOLATION_KIND_REQUIRED_MISSING,
    "type": pb.VIOLATION_KIND_TYPE_MISMATCH,
    "additionalProperties": pb.VIOLATION_KIND_ADDITIONAL_PROPERTY,
    "unevaluatedProperties": pb.VIOLATION_KIND_ADDITIONAL_PROPERTY,
}


def value_to_python(value: struct_pb2.Value) -> Any:
    """A protobuf Value as plain JSON data; integral numbers become ints so "integer" schemas match."""
    kind = value.WhichOneof("kind")
    if kind == "string_value":
        return value.string_value
    if kind == "number_value":
        number = value.number_value
        return int(number) if number.is_integer() else number
    if kind == "bool_value":
        return value.bool_value
    if kind == "struct_value":
        return struct_to_python(value.struct_value)
    if kind == "list_value":
        return [value_to_python(v) for v in value.list_value.values]
    return None


def struct_to_python(struct: struct_pb2.Struct) -> dict[str, Any]:
    """A protobuf Struct as a plain dict (faster than json_format for the flat objects events carry)."""
    return {key: value_to_python(v) for key, v in struct.fields.items()}


def _path(parts: Iterable[Any]) -> str:
    out = "properties"
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


def _violations_of(error: ValidationError) -> list[pb.Violation]:
    """One jsonschema error as Loom violations (a 'required' error names each missing property)."""
    kind = _KIND_BY_VALIDATOR.get(str(error.validator), pb.VIOLATION_KIND_CONSTRAINT)
    base = list(error.absolute_path)
    instance = error.instance if isinstance(error.instance, dict) else {}
    if error.validator == "required" and isinstance(error.validator_value, list):
        return [
            pb.Violation(kind=kind, field=_path([*base, name]), description=f"required property {name!r} is missing")
            for name in error.validator_value
            if name not in instance
        ]
    if kind == pb.VIOLATION_KIND_ADDITIONAL_PROPERTY and isinstance(error.schema, dict):
        known = set(error.schema.get("properties", {}))
        extras = sorted(k for k in instance if k not in known) or ["?"]
        return [
            pb.Violation(kind=kind, field=_path([*base, name]), description=f"property {name!r} is not in the plan")
            for name in extras
        ]
    return [pb.Violation(kind=kind, field=_path(base), description=error.message[:500])]


@dataclass(frozen=True)
class CompiledSchema:
    """One planned event version: the fast validity check and the detailed validator."""

    version: int
    # None when the schema uses a keyword only the detailed validator knows.
    is_valid: Any
    detailed: Draft202012Validator

    @classmethod
    def compile(cls, version: int, schema: Mapping[str, Any]) -> CompiledSchema:
        """Compiles a checked schema (see `check_plan`)."""
        text = json.dumps(schema)
        fast = None if any(f'"{k}"' in text for k in _SLOW_KEYWORDS) else fastjsonschema.compile(dict(schema))
        return cls(version, fast, Draft202012Validator(schema))

    def violations(self, properties: dict[str, Any]) -> list[pb.Violation]:
        """Every violation of ``properties`` (empty when they conform)."""
        if self.is_valid is not None:
            try:
                self.is_valid(properties)
                return []
            except fastjsonschema.JsonSchemaException:
                pass
        errors = sorted(self.detailed.iter_errors(properties), key=lambda e: list(e.absolute_path))
        found = [v for error in errors for v in _violations_of(error)]
        if found or self.is_valid is None:
            return found
        # The fast check refused what the detailed one accepts (exotic formats): never accept silently.
        return [pb.Violation(kind=pb.VIOLATION_KIND_CONSTRAINT, field="properties",
                                      description="properties do not match the planned schema")]


@dataclass(frozen=True)
class Verdict:
    """What a plan says about one event: its violations and the mode that applies to them."""

    plan_id: str
    revision: int
    mode: int
    violations: list[pb.Violation]
    # The planned event name when the event is in the plan (metrics label it), else empty.
    planned_name: str = ""

    @property
    def allowed(self) -> bool:
        """True when the event goes on to the bus (no violation, or the plan allows them)."""
        return not self.violations or self.mode in _ALLOW_MODES


@dataclass
class CompiledPlan:
    """A data plan ready to judge events."""

    plan: pb.DataPlan
    events: dict[str, dict[int, CompiledSchema]] = field(default_factory=dict)

    @classmethod
    def compile(cls, plan: pb.DataPlan) -> CompiledPlan:
        """Compiles every planned event of a plan that passed `check_plan`."""
        compiled = cls(plan)
        for planned in plan.events:
            schema = json.loads(planned.properties_schema_json or "{}")
            versions = compiled.events.setdefault(planned.name, {})
            versions[planned.version or 1] = CompiledSchema.compile(planned.version or 1, schema)
        return compiled

    def judge(self, event: pb.Event) -> Verdict:
        """The verdict on one event. Only track events are planned: other types pass unchecked."""
        plan = self.plan
        if event.type != pb.EVENT_TYPE_TRACK:
            return Verdict(plan.plan_id, plan.revision, pb.PLAN_MODE_ALLOW, [])
        versions = self.events.get(event.event)
        if versions is None:
            return self._unplanned(f"event {event.event!r} is not in data plan {plan.plan_id!r}")
        version = event.schema_version or max(versions)
        schema = versions.get(version)
        if schema is None:
            return self._unplanned(f"version {version} of {event.event!r} is not in data plan {plan.plan_id!r} "
                                   f"(planned versions: {sorted(versions)})")
        found = schema.violations(struct_to_python(event.properties))
        return Verdict(plan.plan_id, plan.revision, plan.violation_mode, found, event.event)

    def _unplanned(self, description: str) -> Verdict:
        violation = pb.Violation(kind=pb.VIOLATION_KIND_UNPLANNED_EVENT, field="event", description=description)
        return Verdict(self.plan.plan_id, self.plan.revision, self.plan.unplanned_mode, [violation])


class PlanSet:
    """The plans in force; finds the one that governs a source (cached, rebuilt when plans change)."""

    def __init__(self, plans: Iterable[pb.DataPlan] = ()) -> None:
        self._plans = sorted((CompiledPlan.compile(p) for p in plans), key=lambda c: c.plan.plan_id)
        self._by_source: dict[str, CompiledPlan | None] = {}

    def __len__(self) -> int:
        return len(self._plans)

    def plan_for(self, source_id: str) -> CompiledPlan | None:
        """The plan naming ``source_id``, else the first plan for all sources, else None (by plan_id order)."""
        try:
            return self._by_source[source_id]
        except KeyError:
            pass
        chosen = next((c for c in self._plans if source_id in c.plan.source_ids), None)
        if chosen is None:
            chosen = next((c for c in self._plans if not c.plan.source_ids), None)
        self._by_source[source_id] = chosen
        return chosen


def check_plan(plan: pb.DataPlan, prefix: str = "plan") -> None:
    """Validates a plan a user submitted; raises InvalidArgument listing every problem."""
    problems = Violations()
    if not plan.plan_id:
        problems.add(f"{prefix}.plan_id", "is required")
    elif len(plan.plan_id) > MAX_PLAN_ID_LEN or not set(plan.plan_id) <= PLAN_ID_CHARS:
        problems.add(f"{prefix}.plan_id", f"must be 1-{MAX_PLAN_ID_LEN} characters of a-z, 0-9, '-' and '_'")
    for name in ("unplanned_mode", "violation_mode"):
        if getattr(plan, name) not in pb.PlanMode.values():
            problems.add(f"{prefix}.{name}", f"unknown mode {getattr(plan, name)}; use allow, block or quarantine")
    for i, source_id in enumerate(plan.source_ids):
        if not source_id:
            problems.add(f"{prefix}.source_ids[{i}]", "must not be empty")
    seen: set[tuple[str, int]] = set()
    for i, planned in enumerate(plan.events):
        at = f"{prefix}.events[{i}]"
        if not planned.name:
            problems.add(f"{at}.name", "is required (the track event name, e.g. 'Order Completed')")
        if planned.version < 0:
            problems.add(f"{at}.version", "must be 1 or more (0 means 1)")
        key = (planned.name, planned.version or 1)
        if key in seen:
            problems.add(f"{at}.version", f"{planned.name!r} version {key[1]} is planned twice")
        seen.add(key)
        _check_schema(planned.properties_schema_json, f"{at}.properties_schema_json", problems)
    problems.raise_if_any()


def _check_schema(text: str, at: str, problems: Violations) -> None:
    try:
        schema = json.loads(text or "{}")
    except json.JSONDecodeError as exc:
        problems.add(at, f"is not valid JSON: {exc}")
        return
    if not isinstance(schema, dict):
        problems.add(at, "must be a JSON object (a JSON Schema for the event's properties)")
        return
    try:
        Draft202012Validator.check_schema(schema)
        fastjsonschema.compile(schema)
    except SchemaError as exc:
        problems.add(at, f"is not a valid JSON Schema (draft 2020-12): {exc.message}")
    except fastjsonschema.JsonSchemaDefinitionException as exc:
        problems.add(at, f"is not a supported JSON Schema: {exc}")
