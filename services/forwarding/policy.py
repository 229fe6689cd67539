"""How a destination copes with failure and load: retry schedule, circuit breaker and token bucket."""

from __future__ import annotations

import asyncio
import random
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from loom.forwarding.v1 import forwarding_pb2 as pb

# HTTP codes that mean "try again later"; every other 4xx is the sender's fault and is final.
RETRYABLE_4XX = frozenset({408, 429})


def is_retryable(code: int) -> bool:
    """Whether a response code is worth retrying: 5xx, 408, 429, and 0 (no response: timeout, refused)."""
    return code == 0 or code >= 500 or code in RETRYABLE_4XX


def _seconds(duration: object, default: float) -> float:
    value = duration.ToTimedelta().total_seconds()  # type: ignore[attr-defined]  # a Duration message
    return value if value > 0 else default


@dataclass(frozen=True)
class RetrySchedule:
    """When to retry and when to give up. A delivery is given up only when BOTH limits are spent."""

    max_attempts: int = 3
    max_window: timedelta = timedelta(hours=3)
    initial_backoff: float = 1.0
    max_backoff: float = 600.0
    multiplier: float = 2.0

    @classmethod
    def from_proto(cls, policy: pb.RetryPolicy) -> RetrySchedule:
        """The schedule of a RetryPolicy, with defaults for unset fields (an explicit 0s window is honoured
        only through ``max_window`` being present)."""
        window = policy.max_window.ToTimedelta() if policy.HasField("max_window") else cls.max_window
        return cls(
            max_attempts=policy.max_attempts or cls.max_attempts,
            max_window=window,
            initial_backoff=_seconds(policy.initial_backoff, cls.initial_backoff),
            max_backoff=_seconds(policy.max_backoff, cls.max_backoff),
            multiplier=policy.backoff_multiplier or cls.multiplier,
        )

    def backoff(self, attempts: int, rng: random.Random | None = None) -> float:
        """Seconds to wait after ``attempts`` failed attempts: exponential, capped, with equal jitter so
        retries of many deliveries spread out instead of arriving together."""
        base = min(self.initial_backoff * self.multiplier ** max(attempts - 1, 0), self.max_backoff)
        return base / 2 + (rng or random).uniform(0, base / 2)

    def exhausted(self, attempts: int, first_attempt_at: datetime, now: datetime) -> bool:
        """Whether a delivery that failed ``attempts`` times since ``first_attempt_at`` is given up."""
        return attempts >= self.max_attempts and now - first_attempt_at >= self.max_window


class CircuitBreaker:
    """Stops sending to a destination that keeps failing, then lets one probe through after a cool-down.

    Closed: sends go out. After ``threshold`` consecutive failures it opens: nothing is sent for
    ``cooldown`` seconds (deliveries wait in the queue). Then it is half-open: the next send is a probe;
    success closes it, failure opens it again.
    """

    def __init__(self, threshold: int = 5, cooldown: float = 30.0) -> None:
        self.threshold = threshold
        self.cooldown = cooldown
        self.failures = 0
        self.opened_at: float | None = None

    @property
    def state(self) -> str:
        """``closed``, ``open`` or ``half_open``."""
        if self.opened_at is None:
            return "closed"
        return "half_open" if time.monotonic() - self.opened_at >= self.cooldown else "open"

    def allows(self) -> bool:
        """Whether a send may go out now."""
        return self.state != "open"

    def wait_s(self) -> float:
        """Seconds until a probe may go out (0 when sending is allowed)."""
        if self.opened_at is None:
            return 0.0
        return max(0.0, self.cooldown - (time.monotonic() - self.opened_at))

    def success(self) -> None:
        """Records a successful send: closes the breaker."""
        self.failures = 0
        self.opened_at = None

    def failure(self) -> None:
        """Records a failed send: opens the breaker at the threshold, or again after a failed probe."""
        self.failures += 1
        if self.failures >= self.threshold or self.opened_at is not None:
            self.opened_at = time.monotonic()


class TokenBucket:
    """Rate limit of one destination in deliveries per second, with a burst allowance."""

    def __init__(self, per_second: float, burst: int) -> None:
        self.rate = per_second
        self.capacity = float(max(burst, 1) if per_second > 0 else 0)
        self.tokens = self.capacity
        self.updated = time.monotonic()

    def _refill(self) -> None:
        now = time.monotonic()
        self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
        self.updated = now

    async def acquire(self, count: int = 1) -> None:
        """Waits until ``count`` deliveries may go out (a batch larger than the bucket waits for a full one)."""
        if self.rate <= 0:
            return
        need = min(float(count), self.capacity)
        while True:
            self._refill()
            if self.tokens >= need:
                self.tokens -= need
                return
            await asyncio.sleep((need - self.tokens) / self.rate)
