"""Entry by audience and by schedule: spec rules and the trigger's view of membership changes."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from loom.common.v1 import common_pb2
from loom.identity.v1 import identity_pb2
from workflows.journeys.author import Journey
from workflows.journeys.spec import SpecError, audience_event_name, parse_spec
from workflows.journeys.trigger import audience_journey_event, audience_user_id

STEPS = [{"id": "hello", "type": "send", "channel": "email", "touchpoint": "email_hero"}]


def _change(entered: bool, *identifiers: tuple[str, str]) -> identity_pb2.AudienceMembershipChange:
    change = identity_pb2.AudienceMembershipChange(
        audience_id="vip", profile_id="p1", entered=entered, revision=3,
        identifiers=[common_pb2.Identifier(type=t, value=v) for t, v in identifiers])
    change.changed_at.FromDatetime(datetime(2026, 5, 1, 9, 30, tzinfo=UTC))
    return change


def test_audience_entry_and_exit_audiences() -> None:
    spec = parse_spec({"id": "vip-welcome", "entry": {"audience": "vip"},
                       "exit": {"events": ["Unsubscribed"], "audiences": ["vip", "churned_30d"]}, "steps": STEPS})
    assert spec.entry_audience == "vip" and spec.exit_audiences == ["vip", "churned_30d"]
    assert spec.exits_on("Unsubscribed") and spec.exits_on("audience:vip:exited")
    assert not spec.exits_on("audience:vip:entered") and not spec.exits_on("audience:other:exited")
    built = (Journey("vip-welcome", entry_audience="vip").exit_on("Unsubscribed")
             .exit_on_audience_exit("vip", "churned_30d").send("hello", channel="email", touchpoint="email_hero"))
    assert built.to_dict()["exit"] == {"events": ["Unsubscribed"], "audiences": ["vip", "churned_30d"]}


@pytest.mark.parametrize(("raw", "path", "message"), [
    ({"entry": {"event": "E", "audience": "vip"}}, "entry", "not both"),
    ({"entry": {"audience": "vip"}, "exit": {"audiences": ["Bad Id"]}}, "exit.audiences", "audience ids"),
    ({"entry": {"audience": "vip"}, "exit": {"audiences": "vip"}}, "exit.audiences", "list"),
    ({"entry": {"audience": "vip", "schedule": "0 9 * * MON"}}, "mode", "mode: broadcast"),
])
def test_entry_problems_name_their_field(raw: dict, path: str, message: str) -> None:
    with pytest.raises(SpecError) as info:
        parse_spec({"id": "j", "steps": STEPS, **raw})
    assert any(p == path and message in m for p, m in info.value.problems), info.value.problems


def test_membership_change_as_journey_event() -> None:
    entered = audience_journey_event(_change(True, ("email", "a@x.se"), ("user_id", "u1")))
    exited = audience_journey_event(_change(False, ("user_id", "u1")))
    assert entered.name == audience_event_name("vip", entered=True) == "audience:vip:entered"
    assert exited.name == "audience:vip:exited"
    # Stable across redeliveries of the same change, distinct between entering and leaving.
    assert entered.message_id == audience_journey_event(_change(True)).message_id != exited.message_id
    assert entered.occurred_at.startswith("2026-05-01T09:30") and entered.properties["revision"] == 3
    assert audience_user_id(_change(True, ("email", "a@x.se"), ("user_id", "u1"))) == "u1"
    assert audience_user_id(_change(True, ("email", "a@x.se"))) == ""
