"""The ``loom`` command-line tool.

Each command group lives in its own module (``services/cli/<group>.py``) exposing a Typer ``app`` that is
registered here with ``app.add_typer``; top-level commands such as ``status`` are defined in this file.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from infra.local.config import SERVICES
from infra.local.health import Check, check_env
from infra.local.procs import pid_alive
from services.cli import (
    consent,
    destinations,
    dlq,
    dsr,
    factory,
    fraud,
    identity,
    journeys,
    models,
    plans,
    quarantine,
    stack,
)
from services.cli.context import client_env, loom_home

app = typer.Typer(name="loom", help="Operate a Loom deployment.", no_args_is_help=True)
app.add_typer(stack.app, name="stack")
app.add_typer(plans.app, name="plans")
app.add_typer(quarantine.app, name="quarantine")
app.add_typer(consent.app, name="consent")
app.add_typer(dsr.app, name="dsr")
app.add_typer(factory.app, name="factory")
app.add_typer(identity.profiles, name="profiles")
app.add_typer(identity.audiences, name="audiences")
app.add_typer(journeys.app, name="journeys")
app.add_typer(models.app, name="models")
app.add_typer(fraud.app, name="fraud")
app.add_typer(destinations.app, name="destinations")
app.add_typer(dlq.app, name="dlq")


def _worker_check(home: Path) -> Check | None:
    # The worker has no network endpoint; it is judged by its pid file, and only when this home manages one.
    pid_file = home / "run" / "worker.pid"
    if not pid_file.exists():
        return None
    try:
        pid = int(pid_file.read_text().strip())
    except ValueError:
        return Check("worker", str(pid_file), False, "bad pid file")
    alive = pid_alive(pid)
    return Check("worker", f"pid {pid}", alive, "running" if alive else "not running")


@app.command()
def status(
    home: Path = typer.Option(None, "--home", help="state directory (default: $LOOM_HOME or .loom)"),
) -> None:
    """Health of every component: NATS, Temporal and each service; exits 1 when anything is down."""
    home = home or loom_home()
    checks = asyncio.run(check_env(client_env(home), SERVICES))
    worker = _worker_check(home)
    if worker is not None:
        checks.append(worker)
    table = Table(title="Loom components")
    for column in ("component", "address", "state", "detail"):
        table.add_column(column)
    for check in checks:
        state = "[green]up[/green]" if check.ok else "[red]DOWN[/red]"
        table.add_row(check.name, check.address, state, check.detail)
    Console().print(table)
    if not all(c.ok for c in checks):
        raise typer.Exit(code=1)


if __name__ == "__main__":
    app()
