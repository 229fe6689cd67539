"""Holdout and split assignment, branch conditions, local times and uplift intervals."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

import pytest

from workflows.journeys.measurement import journey_uplift, uplift, wilson
from workflows.journeys.rules import choose_variant, evaluate, measurement_group, next_local_time, zone
from workflows.journeys.types import ProfileView


def test_holdout_assignment_is_stable_and_close_to_the_percentage() -> None:
    users = [f"user-{i}" for i in range(20_000)]
    first = [measurement_group(u, "j1", 10, 2) for u in users]
    assert first == [measurement_group(u, "j1", 10, 2) for u in users]
    share = Counter(first)
    assert 0.015 < share["global_control"] / len(users) < 0.025
    assert 0.08 < share["holdout"] / len(users) < 0.12
    # The global control group is the same customers in every journey; the holdout differs per journey.
    other = [measurement_group(u, "j2", 10, 2) for u in users]
    assert {u for u, g in zip(users, first, strict=True) if g == "global_control"} == {
        u for u, g in zip(users, other, strict=True) if g == "global_control"}
    assert first != other


def test_split_follows_weights() -> None:
    variants = [("a", 1, "x"), ("b", 3, "y")]
    picks = Counter(choose_variant(f"u{i}", "j", "s", variants)[0] for i in range(8000))
    assert 0.22 < picks["a"] / 8000 < 0.28
    assert choose_variant("u1", "j", "s", variants) == choose_variant("u1", "j", "s", variants)


def test_conditions() -> None:
    p = ProfileView("p1", True, traits={"tier": "gold"}, computed={"order_count": 3},
                    predictive={"churn": 0.7}, audiences=["vip"])
    assert evaluate({"trait": "order_count", "gte": 3}, p, {})
    assert evaluate({"trait": "tier", "in": ["gold", "silver"]}, p, {})
    assert not evaluate({"trait": "missing", "eq": 1}, p, {})
    assert evaluate({"all": [{"predictive": "churn", "gt": 0.5}, {"audience": "vip"}]}, p, {})
    assert not evaluate({"consent": "marketing_email"}, p, {})  # unanswered purposes fail closed
    assert evaluate({"not": {"consent": "sms"}}, p, {"sms": False})


def test_next_local_time_across_zones_and_dst() -> None:
    now = datetime(2025, 3, 29, 12, 0, tzinfo=UTC)  # Stockholm moves to summer time on the 30th
    at = next_local_time(now, "09:00", zone("Europe/Stockholm", "UTC"))
    assert at == datetime(2025, 3, 30, 7, 0, tzinfo=UTC)
    assert next_local_time(now, "13:30", zone("", "Europe/Stockholm")) == datetime(2025, 3, 29, 12, 30, tzinfo=UTC)
    assert zone("Not/AZone", "UTC").key == "UTC"


def test_wilson_and_uplift_intervals() -> None:
    low, high = wilson(10, 100)
    assert 0.05 < low < 0.1 < high < 0.18
    clear = uplift("*", 10_000, 1_200, 10_000, 1_000)
    assert abs(clear.uplift - 0.02) < 1e-9 and clear.significant and clear.ci_low < 0.02 < clear.ci_high
    noisy = uplift("*", 50, 6, 50, 5)
    assert not noisy.significant and -1 <= noisy.ci_low < 0 < noisy.ci_high <= 1


def test_journey_uplift_per_variant() -> None:
    counts = [("treatment", "a", 1000, 150), ("treatment", "b", 1000, 100), ("holdout", "", 800, 80),
              ("global_control", "", 200, 20)]
    results = {r.variant: r for r in journey_uplift("j", counts)}
    assert results["*"].treated == 2000 and results["*"].holdout == 1000
    assert results["a"].uplift > results["b"].uplift and results["a"].significant


def test_global_control_percent_is_read_alike_by_worker_and_cli() -> None:
    import typer

    from services.cli.journeys import global_control_percent
    from services.common.config import ConfigError, load_config
    from workflows.worker import WorkerConfig

    env = {"LOOM_GLOBAL_CONTROL_PERCENT": "2.5"}
    assert load_config(WorkerConfig, env).global_control_percent == 2.5 == global_control_percent(env)
    assert load_config(WorkerConfig, {}).global_control_percent == 0.0 == global_control_percent({})
    for bad in ("100", "-1", "half"):
        with pytest.raises(ConfigError, match="LOOM_GLOBAL_CONTROL_PERCENT"):
            load_config(WorkerConfig, {"LOOM_GLOBAL_CONTROL_PERCENT": bad})
        with pytest.raises(typer.BadParameter, match="LOOM_GLOBAL_CONTROL_PERCENT"):
            global_control_percent({"LOOM_GLOBAL_CONTROL_PERCENT": bad})
