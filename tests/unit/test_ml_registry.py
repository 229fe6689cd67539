"""The model registry: cards, promotion rules and hot-swap-safe active pointers; the CLI's own validation."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from typer.testing import CliRunner

from ml.registry import ModelRegistry, RegistryError
from ml.servable import Servable
from services.cli.models import app as models_cli


def card(name: str, version: str, status: str = "candidate") -> dict:
    """A minimal card of a propensity model."""
    return {"name": name, "version": version, "kind": "propensity", "status": status, "metrics": [],
            "training_rows": 10, "excluded_by_consent": 2}


def artifact() -> dict:
    """A tiny propensity MLP artifact."""
    from ml.models.common import MLP

    return {"kind": "propensity", "config": {"n_in": 3, "hidden": 4, "horizon_days": 14, "category": ""},
            "state": MLP(3, 1, 4).state_dict()}


def test_promotion_retires_the_previous_version(tmp_path: Path) -> None:
    registry = ModelRegistry(tmp_path)
    registry.register(card("propensity_card", "v1"), artifact())
    registry.register(card("propensity_card", "v2"), artifact())
    assert registry.active_version("propensity_card") == ""
    assert registry.promote("propensity_card", "v1")[1] == ""
    promoted, previous = registry.promote("propensity_card", "v2")
    assert previous == "v1" and promoted["status"] == "active" and promoted["promoted_at"]
    assert registry.card("propensity_card")["version"] == "v2"
    assert registry.card("propensity_card", "v1")["status"] == "retired"
    assert [c["version"] for c in registry.cards(name="propensity_card")] == ["v2", "v1"]
    loaded_card, loaded = registry.load("propensity_card")
    scores = Servable(loaded_card, loaded, torch.device("cpu")).predict(torch.zeros(2, 3).numpy())
    assert len(scores) == 2 and 0 < scores[0]["score"] < 1


def test_a_rejected_version_needs_force_and_a_reason(tmp_path: Path) -> None:
    registry = ModelRegistry(tmp_path)
    registry.register(card("churn_60d", "v1", status="rejected"), artifact())
    with pytest.raises(RegistryError) as err:
        registry.promote("churn_60d", "v1")
    assert err.value.kind == "precondition" and "baseline" in str(err.value)
    with pytest.raises(RegistryError) as err:
        registry.promote("churn_60d", "v1", force=True)
    assert err.value.kind == "invalid"
    assert registry.promote("churn_60d", "v1", force=True, reason="manual review")[0]["status"] == "active"


def test_versions_are_immutable_and_names_checked(tmp_path: Path) -> None:
    registry = ModelRegistry(tmp_path)
    registry.register(card("churn_60d", "v1"), artifact())
    with pytest.raises(RegistryError):
        registry.register(card("churn_60d", "v1"), artifact())
    with pytest.raises(RegistryError) as err:
        registry.register(card("../etc", "v1"), artifact())
    assert err.value.kind == "invalid"
    with pytest.raises(RegistryError) as err:
        registry.card("churn_60d")
    assert err.value.kind == "not_found"


def test_cli_rejects_an_unknown_kind_before_calling() -> None:
    result = CliRunner().invoke(models_cli, ["train", "x_model", "--kind", "astrology"])
    assert result.exit_code == 2
    assert "--kind must be one of" in result.output
