"""PII hashing policy, per-source token buckets and the recent-ids memory."""

from __future__ import annotations

import pytest

from loom.common.v1 import common_pb2
from loom.ingestion.v1 import ingestion_pb2 as pb
from services.common.errors import ResourceExhausted
from services.ingestion.pii import HASH_PREFIX, IdentifierHasher, normalise
from services.ingestion.sources import RateLimiter, SourceLimits


def test_identifiers_of_policy_types_are_hashed_after_normalising() -> None:
    hasher = IdentifierHasher(b"secret", ["email", "phone"])
    event = pb.Event(identifiers=[common_pb2.Identifier(type="email", value=" Ada@Example.COM "),
                                  common_pb2.Identifier(type="phone", value="0046 70-123 45 67"),
                                  common_pb2.Identifier(type="device_id", value="dev-1")])
    hasher.apply(event)
    email, phone, device = (i.value for i in event.identifiers)
    assert email == hasher.hash_value("email", "ada@example.com") and email.startswith(HASH_PREFIX)
    assert phone == hasher.hash_value("phone", "+46701234567")
    assert device == "dev-1"
    # Hashing twice (a replay) changes nothing; another key gives another hash.
    hasher.apply(event)
    assert event.identifiers[0].value == email
    assert IdentifierHasher(b"other", ["email"]).hash_value("email", "ada@example.com") != email


def test_no_key_means_no_hashing() -> None:
    event = pb.Event(identifiers=[common_pb2.Identifier(type="email", value="a@b.se")])
    IdentifierHasher(b"", ["email"]).apply(event)
    assert event.identifiers[0].value == "a@b.se"
    assert normalise("phone", "+46 (0)70") == "+46070"


class Clock:
    """A settable clock for the token bucket."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_token_bucket_refuses_with_the_wait_until_enough_tokens() -> None:
    clock = Clock()
    limiter = RateLimiter(clock)
    limits = SourceLimits(rate_per_s=100.0, burst=500)
    limiter.take("web", 500, limits)
    with pytest.raises(ResourceExhausted) as err:
        limiter.take("web", 200, limits)
    assert err.value.retry_after_s == pytest.approx(2.0)
    assert "100 events/s" in err.value.message
    limiter.take("ios", 500, limits)  # buckets are per source
    clock.now += 2.0
    limiter.take("web", 200, limits)
    with pytest.raises(ResourceExhausted):
        limiter.take("web", 1, limits)


def test_recent_ids_forget_the_oldest_beyond_capacity() -> None:
    from services.ingestion.ingestor import RecentIds

    recent = RecentIds(capacity=3)
    recent.add_all(["a", "b", "c"])
    recent.add_all(["d"])
    assert "a" not in recent and all(i in recent for i in "bcd")
