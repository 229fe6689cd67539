"""Typed configuration fails fast and names every bad variable."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from services.common.config import ConfigError, RuntimeConfig, load_config, port_check, setting


@dataclass(frozen=True, kw_only=True)
class SampleConfig(RuntimeConfig):
    region: str = setting(help="deployment region")
    replicas: int = setting(2, help="replica count")
    markets: list[str] = setting(["SE"], help="markets served")


def test_defaults_and_parsing() -> None:
    config = load_config(SampleConfig, {"LOOM_REGION": "eu", "LOOM_MARKETS": "SE, DE ,US", "LOOM_AUTH_DISABLED": "yes",
                                        "LOOM_AUTH_TOKENS_FILE": "/etc/loom/tokens.yaml"})
    assert config.region == "eu"
    assert config.replicas == 2
    assert config.markets == ["SE", "DE", "US"]
    assert config.auth_disabled is True
    assert config.auth_tokens_file == Path("/etc/loom/tokens.yaml")
    assert config.grpc_port == 50050


def test_every_problem_is_reported_at_once() -> None:
    with pytest.raises(ConfigError) as err:
        load_config(SampleConfig, {"LOOM_REPLICAS": "two", "LOOM_GRPC_PORT": "70000", "LOOM_AUTH_DISABLED": "maybe"})
    problems = "\n".join(err.value.problems)
    assert "LOOM_REGION is required (deployment region)" in problems
    assert "LOOM_REPLICAS='two'" in problems
    assert "LOOM_GRPC_PORT='70000': must be a port number" in problems
    assert "LOOM_AUTH_DISABLED='maybe'" in problems
    assert len(err.value.problems) == 4


def test_port_check() -> None:
    assert port_check(0) is None
    assert port_check(65536)
