"""Uplift of a journey over its holdout, per journey and per A/B/n variant, with confidence intervals.

Uplift is the difference of two conversion proportions (treated minus holdout). Its interval is Newcombe's
hybrid score interval (method 10), built from the two Wilson intervals: unlike the plain normal
approximation it stays inside [-1, 1] and behaves with small groups or rates near 0 and 1.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from prometheus_client import Gauge

Z_95 = 1.959963984540054

UPLIFT = Gauge("loom_journeys_uplift", "Conversion uplift over the holdout (treated minus holdout rate)",
               ["journey", "variant"])
UPLIFT_LOW = Gauge("loom_journeys_uplift_ci_low", "Lower end of the uplift's 95% interval", ["journey", "variant"])
UPLIFT_HIGH = Gauge("loom_journeys_uplift_ci_high", "Upper end of the uplift's 95% interval", ["journey", "variant"])


def wilson(successes: int, n: int, z: float = Z_95) -> tuple[float, float]:
    """Wilson score interval of a proportion; (0, 1) when there is no observation."""
    if n == 0:
        return 0.0, 1.0
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


@dataclass
class Uplift:
    """Treated vs holdout conversion of one journey (or one variant of it)."""

    variant: str
    treated: int
    treated_conversions: int
    holdout: int
    holdout_conversions: int
    treated_rate: float
    holdout_rate: float
    uplift: float
    ci_low: float
    ci_high: float

    @property
    def significant(self) -> bool:
        """True when the 95% interval excludes zero."""
        return self.ci_low > 0 or self.ci_high < 0


def uplift(variant: str, treated: int, treated_conv: int, holdout: int, holdout_conv: int,
           z: float = Z_95) -> Uplift:
    """Uplift with Newcombe's interval for the difference of two independent proportions."""
    p1 = treated_conv / treated if treated else 0.0
    p2 = holdout_conv / holdout if holdout else 0.0
    l1, u1 = wilson(treated_conv, treated, z)
    l2, u2 = wilson(holdout_conv, holdout, z)
    d = p1 - p2
    low = d - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
    high = d + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    return Uplift(variant, treated, treated_conv, holdout, holdout_conv, p1, p2, d, max(-1.0, low), min(1.0, high))


def journey_uplift(journey_id: str, counts: list[tuple[str, str, int, int]]) -> list[Uplift]:
    """Overall uplift (variant ``*``) and one per variant from (group, variant, n, conversions) rows.

    The comparison is with the journey's own holdout; the global control group, held out of every journey,
    is pooled in because it was also never messaged by this journey. Exports the results as gauges.
    """
    control_n = sum(n for g, _, n, _ in counts if g != "treatment")
    control_c = sum(c for g, _, _, c in counts if g != "treatment")
    treated = [(v, n, c) for g, v, n, c in counts if g == "treatment"]
    results = [uplift("*", sum(n for _, n, _ in treated), sum(c for _, _, c in treated), control_n, control_c)]
    variants = sorted({v for v, _, _ in treated if v})
    for name in variants:
        n = sum(k for v, k, _ in treated if v == name)
        c = sum(k for v, _, k in treated if v == name)
        results.append(uplift(name, n, c, control_n, control_c))
    for r in results:
        UPLIFT.labels(journey_id, r.variant).set(r.uplift)
        UPLIFT_LOW.labels(journey_id, r.variant).set(r.ci_low)
        UPLIFT_HIGH.labels(journey_id, r.variant).set(r.ci_high)
    return results
