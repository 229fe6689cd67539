"""The Python authoring API: the same building blocks as the YAML spec, for authors who prefer code.

    journey = (Journey("card-nudge", entry_event="Account Created")
               .goal("Card Activated", within="7d").holdout(10)
               .wait("1d")
               .branch([(predictive("propensity_card", gte=0.3), "offer")], default="end")
               .send("offer", channel="email", touchpoint="email_hero")
               .exit("end"))
    journey.spec()   # validated JourneySpec;  journey.to_dict() / to_yaml() for `loom journeys apply`

Every method appends a step (or sets a journey field) and returns the builder; validation is the same
`parse_spec` the YAML goes through, so both paths give identical errors.
"""

from __future__ import annotations

import copy
from typing import Any

import yaml

from workflows.journeys.spec import SPEC_API_VERSION, JourneySpec, parse_spec


def trait(name: str, **comparison: Any) -> dict[str, Any]:
    """Condition on a trait or computed trait, e.g. ``trait("order_count", gte=1)``."""
    return {"trait": name, **comparison}


def predictive(name: str, **comparison: Any) -> dict[str, Any]:
    """Condition on a predictive trait's score, e.g. ``predictive("propensity_card", gte=0.3)``."""
    return {"predictive": name, **comparison}


def consent(purpose: str) -> dict[str, Any]:
    """Condition that the customer allows a consent purpose."""
    return {"consent": purpose}


def all_of(*conditions: dict[str, Any]) -> dict[str, Any]:
    """Every condition holds."""
    return {"all": list(conditions)}


def any_of(*conditions: dict[str, Any]) -> dict[str, Any]:
    """At least one condition holds."""
    return {"any": list(conditions)}


class Journey:
    """Builds a journey spec in code."""

    def __init__(self, journey_id: str, *, name: str = "", entry_event: str = "", entry_audience: str = "",
                 schedule: str = "", mode: str = "per_customer", timezone: str = "UTC") -> None:
        entry = {k: v for k, v in (("event", entry_event), ("audience", entry_audience), ("schedule", schedule)) if v}
        self._doc: dict[str, Any] = {"apiVersion": SPEC_API_VERSION, "id": journey_id, "name": name or journey_id,
                                     "entry": entry, "mode": mode, "timezone": timezone, "steps": []}
        self._auto = 0

    def _step(self, kind: str, step_id: str | None, **fields: Any) -> Journey:
        self._auto += 1
        step = {"id": step_id or f"{kind.replace('_', '-')}-{self._auto}", "type": kind}
        step.update({k: v for k, v in fields.items() if v is not None})
        self._doc["steps"].append(step)
        return self

    def goal(self, event: str, *, within: str, exit_on_goal: bool = True) -> Journey:
        """The conversion goal and its window."""
        self._doc["goal"] = {"event": event, "within": within, "exit_on_goal": exit_on_goal}
        return self

    def holdout(self, percent: float) -> Journey:
        """Percent of entrants held out (never messaged) to measure uplift."""
        self._doc["holdout"] = {"percent": percent}
        return self

    def exit_on(self, *events: str) -> Journey:
        """Events that end the journey for a customer."""
        self._doc.setdefault("exit", {})["events"] = list(events)
        return self

    def exit_on_audience_exit(self, *audience_ids: str) -> Journey:
        """Audiences whose exit ends the journey for a customer."""
        self._doc.setdefault("exit", {})["audiences"] = list(audience_ids)
        return self

    def reentry(self, policy: str = "never", cooldown: str | None = None) -> Journey:
        """never, always, or re-entry after ``cooldown``."""
        self._doc["reentry"] = {"cooldown": cooldown} if cooldown else policy
        return self

    def wait(self, duration: str, step_id: str | None = None) -> Journey:
        """Wait a duration."""
        return self._step("wait", step_id, duration=duration)

    def wait_until_local_time(self, time: str, step_id: str | None = None) -> Journey:
        """Wait until the next HH:MM in the customer's time zone."""
        return self._step("wait_until_local_time", step_id, time=time)

    def wait_until_predicted(self, model: str, *, fallback: str, offset: str = "0s", max_wait: str = "90d",
                             step_id: str | None = None) -> Journey:
        """Wait until the model's predicted moment (plus offset)."""
        return self._step("wait_until_predicted", step_id, model=model, fallback=fallback, offset=offset,
                          max_wait=max_wait)

    def wait_for_event(self, event: str, *, timeout: str, on_timeout: str | None = None,
                       step_id: str | None = None, next: str | None = None) -> Journey:
        """Wait for an event; ``on_timeout`` is where the customer goes when it does not come."""
        return self._step("wait_for_event", step_id, event=event, timeout=timeout, on_timeout=on_timeout, next=next)

    def branch(self, branches: list[tuple[dict[str, Any], str]], *, default: str | None = None,
               step_id: str | None = None) -> Journey:
        """First matching (condition, next step) wins; otherwise ``default``."""
        return self._step("branch", step_id, branches=[{"when": c, "next": n} for c, n in branches], default=default)

    def split(self, variants: list[tuple[str, int, str]], step_id: str | None = None) -> Journey:
        """Random A/B/n split: (name, weight, next step)."""
        return self._step("split", step_id, variants=[{"name": n, "weight": w, "next": s} for n, w, s in variants])

    def send(self, step_id: str | None = None, *, channel: str, touchpoint: str, category: str | None = None,
             next: str | None = None) -> Journey:
        """Send a message on a channel with a creative chosen per customer."""
        return self._step("send", step_id, channel=channel, touchpoint=touchpoint, category=category, next=next)

    def update_trait(self, traits: dict[str, Any], step_id: str | None = None) -> Journey:
        """Set traits on the profile."""
        return self._step("update_trait", step_id, traits=traits)

    def exit(self, step_id: str | None = None) -> Journey:
        """End the journey here."""
        return self._step("exit", step_id)

    def to_dict(self) -> dict[str, Any]:
        """The spec document (what YAML would hold)."""
        return copy.deepcopy(self._doc)

    def to_yaml(self) -> str:
        """The spec as YAML, ready for ``loom journeys apply``."""
        return yaml.safe_dump(self._doc, sort_keys=False)

    def spec(self) -> JourneySpec:
        """The validated spec; raises SpecError exactly as the YAML path does."""
        return parse_spec(self.to_dict())
