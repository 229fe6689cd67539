"""Forwarding domain rules without servers: filter language, mappings, validation, retry schedule, breaker,
quiet hours, identifier hashing and the queue's ordering."""

from __future__ import annotations

import hashlib
import random
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from loom.forwarding.v1 import forwarding_pb2 as pb
from services.common.errors import InvalidArgument, Violations
from services.forwarding.consent import ConsentFilter, StaticPurposes
from services.forwarding.destinations import compile_destination
from services.forwarding.expression import ExpressionError, compile_filter
from services.forwarding.mapping import compile_mapping, event_document
from services.forwarding.policy import CircuitBreaker, RetrySchedule, TokenBucket, is_retryable
from services.forwarding.rules import cap_reason, quiet_until, validate_rules
from services.forwarding.senders.audience import hashed_identifier, normalise_identifier
from tests.bench.forwarding import make_event

DOC = {"event": "Order Completed", "market": "SE", "type": "track", "properties": {"total": 120, "tags": "x"}}


@pytest.mark.parametrize(("text", "expected"), [
    ('event == "Order Completed" && market == "SE"', True),
    ('event == "Order Completed" && market == "NO"', False),
    ("properties.total >= 100 || market == 'NO'", True),
    ('!(type in ["page", "screen"])', True),
    ("properties.missing == null", True),
    ('properties.total > "abc"', False),  # a type mismatch is false, never an error
    ("", True),
])
def test_filters_evaluate_event_documents(text: str, expected: bool) -> None:
    assert compile_filter(text)(DOC) is expected


@pytest.mark.parametrize("text", ["event ==", "a && && b", "a = 1", "(a", "__import__('os')", "a.b()"])
def test_invalid_filters_are_refused_at_compile_time(text: str) -> None:
    with pytest.raises(ExpressionError):
        compile_filter(text)


def test_mapping_moves_fields_adds_constants_and_names_every_problem() -> None:
    m = pb.Mapping(fields={"user.id": "user_id", "total": "properties.total"}, filter='market == "SE"')
    m.constants.update({"source": "loom"})
    mapping = compile_mapping(m, Violations())
    document = event_document(make_event("m1", "ann", total=9))
    assert mapping.accepts(document)
    assert mapping.apply(document) == {"user": {"id": "ann"}, "total": 9, "source": "loom"}
    v = Violations()
    compile_mapping(pb.Mapping(fields={"bad target": "x", "ok": "a..b"}, filter="event =="), v)
    assert {i.field for i in v.items} == {"destination.mapping.fields['bad target']",
                                          "destination.mapping.fields['ok']", "destination.mapping.filter"}


def test_destination_validation_reports_all_violations_and_derives_the_type() -> None:
    with pytest.raises(InvalidArgument) as caught:
        compile_destination(pb.Destination(destination_id="x", email_smtp=pb.EmailSmtpConfig(from_address="nope"),
                                           batching=pb.Batching(max_items=-1)), datetime.now(UTC))
    fields = {v.field for v in caught.value.violations}
    assert fields == {"destination.email_smtp.host", "destination.email_smtp.from_address",
                      "destination.required_purposes", "destination.batching.max_items"}
    ok = compile_destination(pb.Destination(destination_id="hook", required_purposes=["analytics"],
                                            webhook=pb.WebhookConfig(url="https://example.com/in")), datetime.now(UTC))
    assert ok.proto.type == pb.DESTINATION_TYPE_WEBHOOK
    assert (ok.retry.max_attempts, ok.retry.max_window) == (3, timedelta(hours=3))


def test_missing_secret_is_a_field_violation() -> None:
    with pytest.raises(InvalidArgument) as caught:
        compile_destination(pb.Destination(destination_id="h", required_purposes=["a"], webhook=pb.WebhookConfig(
            url="https://x.example", signing_secret_ref="LOOM_TEST_NO_SUCH_SECRET")), datetime.now(UTC))
    assert caught.value.violations[0].field == "destination.webhook.signing_secret_ref"


def test_retry_schedule_needs_both_attempts_and_window() -> None:
    schedule = RetrySchedule(max_attempts=3, max_window=timedelta(hours=3))
    first = datetime(2026, 1, 1, tzinfo=UTC)
    assert not schedule.exhausted(5, first, first + timedelta(hours=1))  # attempts spent, window not
    assert not schedule.exhausted(2, first, first + timedelta(hours=4))  # window spent, attempts not
    assert schedule.exhausted(3, first, first + timedelta(hours=3))
    policy = pb.RetryPolicy()
    policy.max_window.FromSeconds(0)
    assert RetrySchedule.from_proto(policy).max_window == timedelta(0)


def test_backoff_grows_with_jitter_and_is_capped() -> None:
    schedule = RetrySchedule(initial_backoff=1.0, max_backoff=10.0, multiplier=2.0)
    rng = random.Random(7)
    waits = [schedule.backoff(n, rng) for n in range(1, 7)]
    for n, wait in enumerate(waits, start=1):
        base = min(2 ** (n - 1), 10.0)
        assert base / 2 <= wait <= base
    assert len({round(schedule.backoff(3, rng), 6) for _ in range(5)}) > 1  # jitter spreads retries


def test_retryable_codes() -> None:
    assert [c for c in (0, 200, 400, 404, 408, 409, 429, 500, 503) if is_retryable(c)] == [0, 408, 429, 500, 503]


def test_circuit_breaker_opens_and_probes_after_cooldown() -> None:
    breaker = CircuitBreaker(threshold=2, cooldown=0.0)
    breaker.failure()
    assert breaker.state == "closed"
    breaker.failure()
    assert breaker.state == "half_open"  # cooldown 0: a probe may go at once
    breaker.success()
    assert breaker.state == "closed"
    slow = CircuitBreaker(threshold=1, cooldown=60)
    slow.failure()
    assert not slow.allows() and slow.wait_s() > 59


async def test_token_bucket_limits_rate() -> None:
    bucket = TokenBucket(per_second=1000, burst=10)
    for _ in range(10):
        await bucket.acquire()
    assert bucket.tokens < 1
    unlimited = TokenBucket(per_second=0, burst=0)
    await unlimited.acquire(10_000)


def test_quiet_hours_span_midnight_in_local_time() -> None:
    quiet = pb.QuietHours(start_local="21:00", end_local="08:00")
    tz = ZoneInfo("Europe/Stockholm")
    late = datetime(2026, 6, 1, 22, 30, tzinfo=tz)
    assert quiet_until(quiet, pb.CHANNEL_EMAIL, tz, late) == datetime(2026, 6, 2, 8, 0, tzinfo=tz)
    early = datetime(2026, 6, 2, 6, 0, tzinfo=tz)
    assert quiet_until(quiet, pb.CHANNEL_EMAIL, tz, early) == datetime(2026, 6, 2, 8, 0, tzinfo=tz)
    assert quiet_until(quiet, pb.CHANNEL_EMAIL, tz, datetime(2026, 6, 2, 12, 0, tzinfo=tz)) is None
    push_only = pb.QuietHours(start_local="21:00", end_local="08:00", channels=[pb.CHANNEL_PUSH])
    assert quiet_until(push_only, pb.CHANNEL_EMAIL, tz, late) is None


def test_rules_validation_and_cap_wording() -> None:
    with pytest.raises(InvalidArgument) as caught:
        validate_rules(pb.DeliveryRules(market="se", quiet_hours=pb.QuietHours(start_local="25:00", end_local="8",
                                                                                fallback_timezone="Nowhere/X"),
                                        caps=[pb.FrequencyCap(max_messages=0)]))
    assert {v.field for v in caught.value.violations} == {
        "rules.market", "rules.quiet_hours.start_local", "rules.quiet_hours.end_local",
        "rules.quiet_hours.fallback_timezone", "rules.caps[0].max_messages", "rules.caps[0].period"}
    cap = pb.FrequencyCap(channel=pb.CHANNEL_EMAIL, max_messages=3)
    cap.period.FromTimedelta(timedelta(days=7))
    assert cap_reason(cap) == "email cap 3 per 7d"


def test_identifiers_are_normalised_before_hashing() -> None:
    assert normalise_identifier("email", "  Ann@Example.COM ") == "ann@example.com"
    assert normalise_identifier("phone", "0046 70-123 45 67") == "+46701234567"
    assert hashed_identifier("email", "ANN@example.com") == hashlib.sha256(b"ann@example.com").hexdigest()
    assert hashed_identifier("phone", "n/a") == ""
    with pytest.raises(ValueError):
        normalise_identifier("ssn", "1")


async def test_consent_fails_closed() -> None:
    ann = [("user_id", "ann")]
    default = ConsentFilter()
    assert not await default.event_allowed("d", ann, {}, ["analytics"])  # unknown, no checker
    assert not await default.event_allowed("d", ann, {"analytics": False}, ["analytics"])
    assert await default.event_allowed("d", ann, {"analytics": True}, ["analytics"])
    assert not await default.message_allowed("d", ann, ["marketing_email"])
    static = ConsentFilter(StaticPurposes({"ann@example.com": ["marketing_email"]}))
    assert await static.message_allowed("d", [("profile_id", "p1"), ("email", "ann@example.com")],
                                        ["marketing_email"])
    assert not await static.message_allowed("d", [("profile_id", "p2")], ["marketing_email"])
    assert not await static.event_allowed("d", [], {}, ["marketing_email"])  # nobody to ask about
