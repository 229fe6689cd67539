"""Journey specs: validation with paths, durations, the Python authoring API and the shipped examples."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from workflows.journeys.author import Journey, consent, predictive
from workflows.journeys.registry import load_spec_file
from workflows.journeys.spec import SpecError, parse_duration, parse_spec

EXAMPLES = Path(__file__).resolve().parents[2] / "workflows" / "journeys" / "examples"


def test_durations() -> None:
    assert parse_duration("1w2d3h4m5s") == timedelta(weeks=1, days=2, hours=3, minutes=4, seconds=5)
    assert parse_duration("90m") == timedelta(minutes=90)
    with pytest.raises(ValueError, match="not a duration"):
        parse_duration("3 days")


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.yaml")), ids=lambda p: p.stem)
def test_examples_are_valid(path: Path) -> None:
    assert parse_spec(load_spec_file(path)).id == path.stem


def test_every_problem_is_reported_with_its_path() -> None:
    raw = {"id": "Bad Id", "entry": {}, "holdout": {"percent": 120}, "timezone": "Mars/Olympus",
           "steps": [{"id": "a", "type": "wait", "duration": "soon"},
                     {"id": "b", "type": "teleport"},
                     {"id": "c", "type": "send", "channel": "fax"},
                     {"id": "d", "type": "branch", "branches": [{"when": {"trait": "x", "gte": 1, "lt": 3}}]},
                     {"id": "e", "type": "wait", "duration": "1d", "next": "a"}]}
    with pytest.raises(SpecError) as info:
        parse_spec(raw)
    paths = {path for path, _ in info.value.problems}
    assert {"id", "entry", "holdout.percent", "timezone", "steps[0].duration", "steps[1].type",
            "steps[2].channel", "steps[2].touchpoint", "steps[3].branches[0].when", "steps[4]"} <= paths


def test_unknown_step_reference_and_broadcast_rules() -> None:
    with pytest.raises(SpecError, match="unknown step 'nowhere'"):
        parse_spec({"id": "j", "entry": {"event": "E"}, "steps": [{"id": "a", "type": "wait", "duration": "1d",
                                                                    "next": "nowhere"}]})
    with pytest.raises(SpecError, match="exactly one send step"):
        parse_spec({"id": "j", "mode": "broadcast", "entry": {"audience": "all"},
                    "steps": [{"id": "a", "type": "wait", "duration": "1d"}]})


def test_yaml_syntax_error_names_the_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: x\nsteps: [\n  - oops: : :\n")
    with pytest.raises(SpecError, match="line"):
        load_spec_file(bad)


def test_python_api_builds_the_same_journey_as_yaml() -> None:
    journey = (Journey("card-signup-nudge", name="Card sign-up nudge", entry_event="Account Created",
                       timezone="Europe/Stockholm")
               .exit_on("Account Closed").reentry("never").goal("Card Activated", within="7d").holdout(10)
               .wait("1d", step_id="settle-in")
               .branch([({"all": [predictive("propensity_card", gte=0.3), consent("marketing_email")]}, "morning")],
                       default="done", step_id="likely-card-user")
               .wait_until_local_time("09:00", step_id="morning")
               .send("offer", channel="email", touchpoint="email_hero", category="card")
               .wait("2d", step_id="day-3")
               .send("reminder", channel="push", touchpoint="push_rich", category="card")
               .exit("done"))
    assert journey.spec() == parse_spec(load_spec_file(EXAMPLES / "card-signup-nudge.yaml"))
    assert parse_spec(__import__("yaml").safe_load(journey.to_yaml())) == journey.spec()
