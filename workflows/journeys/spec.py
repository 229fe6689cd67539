"""The journey spec: a versioned, validated description of a campaign journey (YAML or Python).

A spec is plain data so it can travel inside a workflow's input: every in-flight customer carries the exact
version it entered with, and `parse_spec` turns the dict back into typed steps inside the workflow.
Validation collects every problem with its path (``steps[2].duration``) instead of stopping at the first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

SPEC_API_VERSION = "loom.journeys/v1"
_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
_DURATION = re.compile(r"^(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")
_AUDIENCE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")  # identity's audience id rule
_LOCAL_TIME = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
CHANNELS = ("email", "push", "sms", "webhook")
COMPARISONS = ("eq", "ne", "gt", "gte", "lt", "lte", "in", "exists")
STEP_TYPES = (
    "wait", "wait_until_local_time", "wait_until_predicted", "wait_for_event",
    "branch", "split", "send", "update_trait", "exit",
)


class SpecError(ValueError):
    """A spec failed validation; ``problems`` holds every (path, message) pair found."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        self.problems = problems
        super().__init__("; ".join(f"{path}: {message}" for path, message in problems))


def parse_duration(text: str) -> timedelta:
    """``"1w2d3h4m5s"``-style duration (any subset, in that order); raises ValueError when malformed."""
    match = _DURATION.match(str(text).strip()) if text else None
    if not match or not any(match.groups()):
        raise ValueError(f"{text!r} is not a duration like 30m, 6h, 3d or 1w2d")
    w, d, h, m, s = (int(g or 0) for g in match.groups())
    return timedelta(weeks=w, days=d, hours=h, minutes=m, seconds=s)


@dataclass
class Step:
    """One node of the journey graph. ``next`` is the step after it (None: the journey ends)."""

    id: str
    type: str
    next: str | None = None
    duration: timedelta | None = None  # wait
    local_time: str = ""  # wait_until_local_time, "HH:MM"
    model: str = ""  # wait_until_predicted: a repeat-purchase-timing model
    offset: timedelta = timedelta(0)  # wait_until_predicted: shift from the predicted time
    fallback: timedelta | None = None  # wait_until_predicted: wait used when there is no prediction
    max_wait: timedelta | None = None  # wait_until_predicted: cap
    event: str = ""  # wait_for_event
    timeout: timedelta | None = None  # wait_for_event
    on_timeout: str | None = None  # wait_for_event: step when no event came
    branches: list[tuple[dict[str, Any], str | None]] = field(default_factory=list)  # branch: (condition, next)
    variants: list[tuple[str, int, str | None]] = field(default_factory=list)  # split: (name, weight, next)
    channel: str = ""  # send
    touchpoint: str = ""  # send: creative touchpoint, e.g. "email_hero"
    category: str = ""  # send: preferred creative category ("" lets the creative service pick)
    transactional: bool = False  # send
    traits: dict[str, Any] = field(default_factory=dict)  # update_trait

    def successors(self) -> list[str | None]:
        """Every step this one can lead to."""
        if self.type == "branch":
            return [n for _, n in self.branches] + [self.next]
        if self.type == "split":
            return [n for _, _, n in self.variants]
        if self.type == "wait_for_event":
            return [self.next, self.on_timeout]
        return [] if self.type == "exit" else [self.next]


@dataclass
class JourneySpec:
    """A whole journey: entry, exit criteria, re-entry, goal, holdout and the steps."""

    id: str
    name: str
    entry_event: str = ""
    entry_audience: str = ""
    entry_schedule: str = ""  # cron expression, for broadcast journeys
    mode: str = "per_customer"  # or "broadcast"
    exit_events: list[str] = field(default_factory=list)
    exit_audiences: list[str] = field(default_factory=list)  # leaving one of these audiences ends the journey
    reentry: str = "never"  # never | always | cooldown
    reentry_cooldown: timedelta = timedelta(0)
    goal_event: str = ""
    goal_window: timedelta = timedelta(days=3)
    exit_on_goal: bool = True
    holdout_percent: float = 0.0
    default_timezone: str = "UTC"
    steps: list[Step] = field(default_factory=list)
    description: str = ""

    def step(self, step_id: str) -> Step:
        """The step called ``step_id``."""
        for step in self.steps:
            if step.id == step_id:
                return step
        raise KeyError(step_id)

    def listened_events(self) -> set[str]:
        """Events a running customer workflow reacts to (goal, exit, waits), so the trigger signals them."""
        names = set(self.exit_events) | {s.event for s in self.steps if s.type == "wait_for_event"}
        if self.goal_event:
            names.add(self.goal_event)
        return names

    def exits_on(self, event_name: str) -> bool:
        """Whether an event (a bus event or an audience exit, see `audience_event_name`) ends the journey."""
        return event_name in self.exit_events or event_name in {
            audience_event_name(a, entered=False) for a in self.exit_audiences}


def audience_event_name(audience_id: str, *, entered: bool) -> str:
    """The journey event name of an audience membership change, e.g. ``audience:vip:exited``.

    The colon cannot occur in an audience id, so these names never collide with a bus event's name in a way
    that matters: the trigger only produces them from the AUDIENCE stream.
    """
    return f"audience:{audience_id}:{'entered' if entered else 'exited'}"


class _Checker:
    """Collects problems while reading a spec dict."""

    def __init__(self) -> None:
        self.problems: list[tuple[str, str]] = []

    def add(self, path: str, message: str) -> None:
        self.problems.append((path, message))

    def duration(self, raw: Any, path: str, required: bool = True) -> timedelta | None:
        if raw is None or raw == "":
            if required:
                self.add(path, "is required (a duration like 30m, 6h, 3d)")
            return None
        try:
            value = parse_duration(str(raw))
        except ValueError as exc:
            self.add(path, str(exc))
            return None
        if value <= timedelta(0):
            self.add(path, "must be longer than zero")
        return value

    def string(self, raw: Any, path: str, required: bool = True) -> str:
        if raw is None or raw == "":
            if required:
                self.add(path, "is required")
            return ""
        if not isinstance(raw, str):
            self.add(path, f"must be a string, got {type(raw).__name__}")
            return ""
        return raw

    def condition(self, raw: Any, path: str) -> None:
        if not isinstance(raw, dict) or not raw:
            self.add(path, "must be a mapping such as {trait: order_count, gte: 1}")
            return
        if "all" in raw or "any" in raw:
            key = "all" if "all" in raw else "any"
            items = raw[key]
            if not isinstance(items, list) or not items:
                self.add(f"{path}.{key}", "must be a non-empty list of conditions")
                return
            for i, item in enumerate(items):
                self.condition(item, f"{path}.{key}[{i}]")
            return
        if "not" in raw:
            self.condition(raw["not"], f"{path}.not")
            return
        if "consent" in raw:
            self.string(raw["consent"], f"{path}.consent")
            return
        if "audience" in raw:
            self.string(raw["audience"], f"{path}.audience")
            return
        subject = "trait" if "trait" in raw else "predictive" if "predictive" in raw else None
        if subject is None:
            self.add(path, "needs one of trait, predictive, consent, audience, all, any, not")
            return
        self.string(raw[subject], f"{path}.{subject}")
        ops = [k for k in raw if k != subject]
        if len(ops) != 1 or ops[0] not in COMPARISONS:
            self.add(path, f"needs exactly one comparison of {', '.join(COMPARISONS)}")
        elif ops[0] == "in" and not isinstance(raw["in"], list):
            self.add(f"{path}.in", "must be a list")


def _parse_step(raw: Any, i: int, following: str | None, c: _Checker) -> Step | None:
    path = f"steps[{i}]"
    if not isinstance(raw, dict):
        c.add(path, "must be a mapping with id and type")
        return None
    step_id = c.string(raw.get("id"), f"{path}.id")
    if step_id and not _ID.match(step_id):
        c.add(f"{path}.id", "must be lower-case letters, digits and '-' (at most 63)")
    kind = c.string(raw.get("type"), f"{path}.type")
    if kind and kind not in STEP_TYPES:
        c.add(f"{path}.type", f"unknown step type {kind!r}; one of {', '.join(STEP_TYPES)}")
        return None
    step = Step(id=step_id, type=kind, next=raw.get("next", following))
    if kind == "wait":
        step.duration = c.duration(raw.get("duration"), f"{path}.duration")
    elif kind == "wait_until_local_time":
        step.local_time = c.string(raw.get("time"), f"{path}.time")
        if step.local_time and not _LOCAL_TIME.match(step.local_time):
            c.add(f"{path}.time", "must be a 24-hour local time HH:MM")
    elif kind == "wait_until_predicted":
        step.model = c.string(raw.get("model"), f"{path}.model")
        offset = str(raw.get("offset", "0s")).strip()
        negative = offset.startswith("-")
        parsed = c.duration(offset.lstrip("-+") or "0s", f"{path}.offset", required=False) if offset not in (
            "0", "0s") else timedelta(0)
        step.offset = -(parsed or timedelta(0)) if negative else (parsed or timedelta(0))
        step.fallback = c.duration(raw.get("fallback"), f"{path}.fallback")
        step.max_wait = c.duration(raw.get("max_wait", "90d"), f"{path}.max_wait")
    elif kind == "wait_for_event":
        step.event = c.string(raw.get("event"), f"{path}.event")
        step.timeout = c.duration(raw.get("timeout"), f"{path}.timeout")
        step.on_timeout = raw.get("on_timeout", step.next)
    elif kind == "branch":
        branches = raw.get("branches")
        if not isinstance(branches, list) or not branches:
            c.add(f"{path}.branches", "must be a non-empty list of {when, next}")
            branches = []
        for j, b in enumerate(branches):
            if not isinstance(b, dict) or "when" not in b:
                c.add(f"{path}.branches[{j}]", "must be a mapping with when and next")
                continue
            c.condition(b["when"], f"{path}.branches[{j}].when")
            step.branches.append((b["when"], b.get("next")))
        step.next = raw.get("default", following)
    elif kind == "split":
        variants = raw.get("variants")
        if not isinstance(variants, list) or len(variants) < 2:
            c.add(f"{path}.variants", "must list at least two {name, weight, next}")
            variants = []
        for j, v in enumerate(variants):
            vpath = f"{path}.variants[{j}]"
            if not isinstance(v, dict):
                c.add(vpath, "must be a mapping with name, weight and next")
                continue
            name = c.string(v.get("name"), f"{vpath}.name")
            weight = v.get("weight", 1)
            if not isinstance(weight, int) or isinstance(weight, bool) or weight < 1:
                c.add(f"{vpath}.weight", "must be a positive integer")
                weight = 1
            step.variants.append((name, weight, v.get("next", following)))
        names = [n for n, _, _ in step.variants]
        if len(set(names)) != len(names):
            c.add(f"{path}.variants", "variant names must be unique")
    elif kind == "send":
        step.channel = c.string(raw.get("channel"), f"{path}.channel")
        if step.channel and step.channel not in CHANNELS:
            c.add(f"{path}.channel", f"unknown channel {step.channel!r}; one of {', '.join(CHANNELS)}")
        step.touchpoint = c.string(raw.get("touchpoint"), f"{path}.touchpoint")
        step.category = c.string(raw.get("category"), f"{path}.category", required=False)
        step.transactional = bool(raw.get("transactional", False))
    elif kind == "update_trait":
        traits = raw.get("traits")
        if not isinstance(traits, dict) or not traits:
            c.add(f"{path}.traits", "must be a non-empty mapping of trait name to value")
        else:
            step.traits = dict(traits)
    return step


def _check_graph(spec: JourneySpec, c: _Checker, where: list[int]) -> None:
    """Checks step references; ``where`` holds each parsed step's index in the document, for the paths."""
    ids = [s.id for s in spec.steps]
    for dup in sorted({i for i in ids if ids.count(i) > 1}):
        c.add("steps", f"step id {dup!r} is used more than once")
    known = set(ids)
    for i, step in zip(where, spec.steps, strict=True):
        for target in step.successors():
            if target is not None and target not in known:
                c.add(f"steps[{i}]", f"refers to unknown step {target!r}")
    # Journeys are acyclic: a loop would grow a customer's history without bound.
    position = {s.id: i for i, s in zip(where, spec.steps, strict=True)}
    for i, step in zip(where, spec.steps, strict=True):
        for target in step.successors():
            if target in position and position[target] <= i:
                c.add(f"steps[{i}]", f"goes back to {target!r}; steps may only lead forward")


def parse_spec(raw: Any) -> JourneySpec:
    """A validated `JourneySpec` from a YAML/JSON document; raises `SpecError` listing every problem."""
    c = _Checker()
    if not isinstance(raw, dict):
        raise SpecError([("", "a journey spec must be a mapping")])
    api = raw.get("apiVersion", SPEC_API_VERSION)
    if api != SPEC_API_VERSION:
        c.add("apiVersion", f"unsupported {api!r}; this Loom reads {SPEC_API_VERSION}")
    journey_id = c.string(raw.get("id"), "id")
    if journey_id and not _ID.match(journey_id):
        c.add("id", "must be lower-case letters, digits and '-' (at most 63)")
    spec = JourneySpec(id=journey_id, name=c.string(raw.get("name"), "name", required=False) or journey_id,
                       description=str(raw.get("description", "")))
    entry = raw.get("entry")
    if not isinstance(entry, dict) or not ({"event", "audience", "schedule"} & set(entry)):
        c.add("entry", "needs one of event, audience or schedule")
    else:
        spec.entry_event = c.string(entry.get("event"), "entry.event", required=False)
        spec.entry_audience = c.string(entry.get("audience"), "entry.audience", required=False)
        spec.entry_schedule = c.string(entry.get("schedule"), "entry.schedule", required=False)
        if spec.entry_schedule and not spec.entry_audience:
            c.add("entry.audience", "a scheduled entry needs the audience it sends to")
        if spec.entry_schedule and len(spec.entry_schedule.split()) != 5:
            c.add("entry.schedule", "must be a five-field cron expression, e.g. '0 9 * * MON'")
        if spec.entry_event and spec.entry_audience:
            c.add("entry", "enter by event or by audience, not both")
    spec.mode = raw.get("mode", "per_customer")
    if spec.mode not in ("per_customer", "broadcast"):
        c.add("mode", "must be per_customer or broadcast")
    exit_cfg = raw.get("exit") or {}
    spec.exit_events = list(exit_cfg.get("events", [])) if isinstance(exit_cfg, dict) else []
    audiences = exit_cfg.get("audiences", []) if isinstance(exit_cfg, dict) else []
    if not isinstance(audiences, list) or not all(isinstance(a, str) and _AUDIENCE.match(a) for a in audiences):
        c.add("exit.audiences", "must be a list of audience ids (a-z, 0-9, '_' or '-')")
    else:
        spec.exit_audiences = list(audiences)
    reentry = raw.get("reentry", "never")
    if reentry in ("never", "always"):
        spec.reentry = reentry
    elif isinstance(reentry, dict) and "cooldown" in reentry:
        spec.reentry = "cooldown"
        spec.reentry_cooldown = c.duration(reentry["cooldown"], "reentry.cooldown") or timedelta(0)
    else:
        c.add("reentry", "must be never, always or {cooldown: <duration>}")
    goal = raw.get("goal")
    if goal is not None:
        if not isinstance(goal, dict):
            c.add("goal", "must be a mapping with event and within")
        else:
            spec.goal_event = c.string(goal.get("event"), "goal.event")
            spec.goal_window = c.duration(goal.get("within"), "goal.within") or spec.goal_window
            spec.exit_on_goal = bool(goal.get("exit_on_goal", True))
    holdout = raw.get("holdout", {}) or {}
    percent = holdout.get("percent", 0) if isinstance(holdout, dict) else None
    if not isinstance(percent, (int, float)) or isinstance(percent, bool) or not 0 <= percent < 100:
        c.add("holdout.percent", "must be a number from 0 up to (not including) 100")
    else:
        spec.holdout_percent = float(percent)
    spec.default_timezone = str(raw.get("timezone", "UTC"))
    try:
        ZoneInfo(spec.default_timezone)
    except (ZoneInfoNotFoundError, ValueError):
        c.add("timezone", f"unknown IANA time zone {spec.default_timezone!r}")
    steps = raw.get("steps")
    if not isinstance(steps, list) or not steps:
        c.add("steps", "must be a non-empty list")
        steps = []
    ids = [s.get("id") if isinstance(s, dict) else None for s in steps]
    where: list[int] = []
    for i, item in enumerate(steps):
        following = ids[i + 1] if i + 1 < len(ids) else None
        step = _parse_step(item, i, following, c)
        if step is not None:
            spec.steps.append(step)
            where.append(i)
    if spec.entry_schedule and spec.mode != "broadcast":
        c.add("mode", "a scheduled entry sends to the whole audience at once: set mode: broadcast")
    if spec.mode == "broadcast":
        if not spec.entry_audience:
            c.add("entry.audience", "a broadcast journey sends to an audience")
        if [s.type for s in spec.steps] != ["send"]:
            c.add("steps", "a broadcast journey has exactly one send step (it runs in batches, not per customer)")
    _check_graph(spec, c, where)
    if c.problems:
        raise SpecError(c.problems)
    return spec
