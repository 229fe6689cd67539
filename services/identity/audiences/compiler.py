"""The audience rule tree and its compilation to one SQL condition over ``profiles``.

Grammar (see docs/audiences.md)::

    node      := {"all": [node, ...]} | {"any": [node, ...]} | {"not": node} | condition
    condition := {"trait": NAME, "op": OP, "value": V}
               | {"computed": FIELD, "op": OP, "value": V}
               | {"predictive": NAME, "field": "score" | "label", "op": OP, "value": V}
               | {"event": NAME, "min_count": N, "within_days": D}
               | {"consent": PURPOSE}
    OP        := eq | neq | gt | gte | lt | lte | in | exists | not_exists | within_days | before_days

Time-relative conditions (within_days, before_days, event windows) are bound to the evaluation time, so the
same tree compiles to a fresh statement at every evaluation.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, false, func, not_, or_, select, true

from services.common.errors import Violations
from services.identity.state import iso_time
from services.identity.tables import processed_events, profiles

NUMERIC_COMPUTED = frozenset({"event_count", "order_count", "revenue_micros", "recency_days"})
TIME_COMPUTED = frozenset({"first_seen", "last_seen", "last_order_at"})
TEXT_COMPUTED = frozenset({"top_category", "market", "currency_code", "timezone"})
COMPARE = ("eq", "neq", "gt", "gte", "lt", "lte")
OPS = (*COMPARE, "in", "exists", "not_exists", "within_days", "before_days")
MAX_DEPTH, MAX_NODES = 12, 200
CONSENT_TRAIT = "consent_{purpose}"

_CMP: dict[str, Callable[[Any, Any], ColumnElement[bool]]] = {
    "eq": lambda a, b: a == b, "neq": lambda a, b: a != b, "gt": lambda a, b: a > b,
    "gte": lambda a, b: a >= b, "lt": lambda a, b: a < b, "lte": lambda a, b: a <= b,
}


def parse_rule(text: str, path: str = "audience.rule_json") -> dict[str, Any]:
    """Parses and validates a rule tree; raises InvalidArgument naming every bad node by its path."""
    v = Violations()
    try:
        tree = json.loads(text)
    except json.JSONDecodeError as exc:
        v.add(path, f"not valid JSON: {exc}")
        v.raise_if_any()
    count = [0]
    _check(tree, path, v, 0, count)
    v.raise_if_any()
    return tree  # type: ignore[no-any-return]  # validated above


def _check(node: Any, path: str, v: Violations, depth: int, count: list[int]) -> None:
    count[0] += 1
    if count[0] > MAX_NODES:
        if count[0] == MAX_NODES + 1:
            v.add(path, f"a rule tree may hold at most {MAX_NODES} nodes")
        return
    if depth > MAX_DEPTH:
        v.add(path, f"nested deeper than {MAX_DEPTH} levels")
        return
    if not isinstance(node, dict) or len(node) == 0:
        v.add(path, "each node must be an object with one of: all, any, not, trait, computed, predictive, "
                    "event, consent")
        return
    if "all" in node or "any" in node:
        key = "all" if "all" in node else "any"
        children = node[key]
        if not isinstance(children, list) or not children:
            v.add(f"{path}.{key}", "must be a non-empty list of nodes")
            return
        for i, child in enumerate(children):
            _check(child, f"{path}.{key}[{i}]", v, depth + 1, count)
    elif "not" in node:
        _check(node["not"], f"{path}.not", v, depth + 1, count)
    elif "event" in node:
        if not isinstance(node["event"], str) or not node["event"]:
            v.add(f"{path}.event", "must be an event name")
        for key, least in (("min_count", 1), ("within_days", 1)):
            value = node.get(key, least)
            if not isinstance(value, int) or isinstance(value, bool) or value < least:
                v.add(f"{path}.{key}", f"must be an integer of at least {least}")
    elif "consent" in node:
        if not isinstance(node["consent"], str) or not node["consent"]:
            v.add(f"{path}.consent", "must name a purpose")
    elif "trait" in node or "computed" in node or "predictive" in node:
        _check_condition(node, path, v)
    else:
        v.add(path, f"unknown node {sorted(node)}; use all, any, not, trait, computed, predictive, event, consent")


def _check_condition(node: dict[str, Any], path: str, v: Violations) -> None:
    kind = next(k for k in ("trait", "computed", "predictive") if k in node)
    name = node[kind]
    if not isinstance(name, str) or not name:
        v.add(f"{path}.{kind}", "must be a name")
    elif kind == "computed" and name not in NUMERIC_COMPUTED | TIME_COMPUTED | TEXT_COMPUTED:
        known = ", ".join(sorted(NUMERIC_COMPUTED | TIME_COMPUTED | TEXT_COMPUTED))
        v.add(f"{path}.computed", f"unknown computed trait {name!r}; known: {known}")
    op = node.get("op")
    if op not in OPS:
        v.add(f"{path}.op", f"must be one of {', '.join(OPS)}")
        return
    if kind == "predictive" and node.get("field", "score") not in ("score", "label"):
        v.add(f"{path}.field", "must be score or label")
    if op in ("within_days", "before_days"):
        if not isinstance(node.get("value"), int | float) or node["value"] < 0:
            v.add(f"{path}.value", f"{op} needs a number of days")
        elif kind == "computed" and name not in TIME_COMPUTED:
            v.add(f"{path}.op", f"{op} applies to time traits ({', '.join(sorted(TIME_COMPUTED))})")
    elif op == "in" and not isinstance(node.get("value"), list):
        v.add(f"{path}.value", "in needs a list of values")
    elif op in COMPARE and "value" not in node:
        v.add(f"{path}.value", f"{op} needs a value")


def compile_rule(tree: Mapping[str, Any], now: datetime | None = None) -> ColumnElement[bool]:
    """The SQL condition selecting the ``profiles`` rows that match `tree` at `now`."""
    return _Compiler(now or datetime.now(UTC)).node(tree)


class _Compiler:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def node(self, node: Mapping[str, Any]) -> ColumnElement[bool]:
        if "all" in node:
            return and_(true(), *[self.node(c) for c in node["all"]])
        if "any" in node:
            return or_(false(), *[self.node(c) for c in node["any"]])
        if "not" in node:
            return not_(self.node(node["not"]))
        if "event" in node:
            cutoff = self.now - timedelta(days=node.get("within_days", 3650))
            count = (select(func.count()).select_from(processed_events).where(
                processed_events.c.profile_id == profiles.c.profile_id, processed_events.c.event == node["event"],
                processed_events.c.ts >= cutoff).scalar_subquery())
            return count >= int(node.get("min_count", 1))
        if "consent" in node:
            trait = CONSENT_TRAIT.format(purpose=node["consent"])
            return profiles.c.traits[(trait, "v")].as_boolean() == true()
        if "trait" in node:
            return self.compare(profiles.c.traits, (node["trait"], "v"), node)
        if "predictive" in node:
            return self.compare(profiles.c.predictive, (node["predictive"], node.get("field", "score")), node)
        if node["computed"] == "recency_days":
            return self.recency(node)
        return self.compare(profiles.c.computed, (node["computed"],), node)

    def compare(self, column: Any, path: tuple[str, ...], node: Mapping[str, Any]) -> ColumnElement[bool]:
        op, value = node["op"], node.get("value", 0)
        element = column[path]
        if op == "exists":
            return element.as_string().is_not(None)
        if op == "not_exists":
            return element.as_string().is_(None)
        if op in ("within_days", "before_days"):
            cutoff = iso_time(self.now - timedelta(days=float(value)))
            text = element.as_string()
            return text >= cutoff if op == "within_days" else and_(text.is_not(None), text < cutoff)
        if op == "in":
            values = list(value)
            if all(_is_number(x) for x in values):
                return element.as_float().in_([float(x) for x in values])
            return element.as_string().in_([str(x) for x in values])
        if isinstance(value, bool):
            return _CMP[op](element.as_boolean(), value)
        if _is_number(value):
            return _CMP[op](element.as_float(), float(value))
        return _CMP[op](element.as_string(), str(value))

    def recency(self, node: Mapping[str, Any]) -> ColumnElement[bool]:
        # recency_days <op> N  <=>  last_order_at <inverse op> now - N days: rewrite as a time comparison.
        op, days = node["op"], float(node.get("value", 0))
        text = profiles.c.computed[("last_order_at",)].as_string()
        cutoff = iso_time(self.now - timedelta(days=days))
        flipped = {"lt": "gt", "lte": "gte", "gt": "lt", "gte": "lte", "eq": "eq", "neq": "neq"}
        if op not in flipped:
            return text.is_not(None) if op == "exists" else text.is_(None)
        return and_(text.is_not(None), _CMP[flipped[op]](text, cutoff))


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)
