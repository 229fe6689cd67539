"""The local stack supervisor with real NATS and Temporal (services=(), no worker): start, status, stop."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from infra.local.config import SERVICES, StackPorts, read_env_file
from infra.local.procs import free_port, pid_alive
from infra.local.prometheus import PrometheusServer
from infra.local.stack import ComponentStatus, LocalStack
from services.cli.main import app
from services.common.auth import TokenFileAuthenticator

pytestmark = pytest.mark.integration


def free_ports() -> StackPorts:
    return StackPorts(
        nats=free_port(), nats_monitor=free_port(), temporal=free_port(), temporal_http=free_port(),
        temporal_metrics=free_port(), worker_metrics=free_port(),
        grpc={s: free_port() for s in SERVICES}, metrics={s: free_port() for s in SERVICES},
    )


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    local = LocalStack(tmp_path_factory.mktemp("loom-home"), free_ports(), services=(), worker=False)
    local.start(timeout=60)
    try:
        yield local
    finally:
        local.stop(timeout=10)


# The local Prometheus runs wherever its binary was installed (infra/scripts/install_promtool.sh).
PROMETHEUS = ["prometheus"] if PrometheusServer.available() else []


def by_name(local: LocalStack) -> dict[str, ComponentStatus]:
    return {row.name: row for row in local.status()}


def test_start_brings_up_nats_and_temporal(stack: LocalStack) -> None:
    rows = stack.status()
    assert [r.name for r in rows] == ["nats", "temporal", *PROMETHEUS]
    assert all(r.ok and r.pid for r in rows), rows
    assert rows[0].address == f"nats://127.0.0.1:{stack.ports.nats}"
    assert (stack.home / "logs" / "nats.log").exists() and (stack.home / "logs" / "temporal.log").exists()


def test_tokens_and_env_are_private_and_usable(stack: LocalStack) -> None:
    for path in (stack.tokens_path, stack.env_path):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    tokens = yaml.safe_load(stack.tokens_path.read_text())
    by_subject = {entry["subject"]: (token, entry["roles"]) for token, entry in tokens.items()}
    assert {s: by_subject[s][1] for s in SERVICES} == {s: ["service"] for s in SERVICES}
    assert by_subject["operator"][1] == ["admin"]
    env = read_env_file(stack.env_path)
    assert env["LOOM_SERVICE_TOKEN"] == by_subject["operator"][0]
    assert env["LOOM_NATS_URL"] == stack.nats.url and env["LOOM_TEMPORAL_ADDRESS"] == stack.temporal.address
    assert env["LOOM_IDENTITY_ADDR"] == f"127.0.0.1:{stack.ports.grpc['identity']}"
    # The services' own loader accepts the generated file.
    assert len(TokenFileAuthenticator.from_file(stack.tokens_path).by_digest) == len(tokens)


def test_up_again_leaves_running_parts_and_tokens_alone(stack: LocalStack) -> None:
    pids = {r.name: r.pid for r in stack.status()}
    tokens = stack.tokens_path.read_text()
    stack.start(timeout=30)
    assert {r.name: r.pid for r in stack.status()} == pids
    assert stack.tokens_path.read_text() == tokens


def test_crashed_component_is_reported_and_restarted(stack: LocalStack) -> None:
    old_pid = stack.nats.process.read_pid()
    stack.nats.kill()
    assert (stack.home / "run" / "nats.pid").exists(), "a crash leaves its pid file behind"
    nats_row = by_name(stack)["nats"]
    assert not nats_row.alive and nats_row.health == "down"
    stack.start(timeout=30)
    nats_row = by_name(stack)["nats"]
    assert nats_row.ok and nats_row.pid != old_pid


def test_loom_status_reports_each_component(stack: LocalStack, monkeypatch: pytest.MonkeyPatch) -> None:
    for key in [k for k in os.environ if k.startswith("LOOM_")]:
        monkeypatch.delenv(key)
    result = CliRunner().invoke(app, ["status", "--home", str(stack.home)])
    lines = {line.split("│")[1].strip(): line for line in result.output.splitlines() if line.count("│") > 2}
    assert "up" in lines["nats"] and "up" in lines["temporal"]
    assert "DOWN" in lines["identity"], "no services run in this stack"
    assert result.exit_code == 1


def test_stop_ends_every_process(tmp_path: Path) -> None:
    local = LocalStack(tmp_path, free_ports(), services=(), worker=False)
    local.start(timeout=60)
    pids = [r.pid for r in local.status()]
    assert sorted(local.stop(timeout=10)) == sorted(["nats", "temporal", *PROMETHEUS])
    assert not any(r.alive for r in LocalStack.from_home(tmp_path).status())
    assert not list((tmp_path / "run").glob("*.pid"))
    for pid in pids:
        assert pid is not None and not pid_alive(pid), f"pid {pid} still runs"
