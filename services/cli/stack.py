"""``loom stack up|down|logs``: the local stack from the CLI (a thin wrapper over infra.local)."""

from __future__ import annotations

from pathlib import Path

import typer

from infra.local.config import SERVICES
from infra.local.procs import tail
from infra.local.stack import LocalStack, StackStartError
from services.cli.context import loom_home

app = typer.Typer(help="Run the local stack (NATS, Temporal, services, worker) in the background.")

HomeOption = typer.Option(None, "--home", help="state directory (default: $LOOM_HOME or .loom)")


@app.command()
def up(
    home: Path = HomeOption,
    services: str = typer.Option(",".join(SERVICES), help="comma-separated services to run ('' for none)"),
    worker: bool = typer.Option(True, help="run the Temporal worker"),
    timeout: float = typer.Option(90.0, help="seconds to wait until everything is healthy"),
) -> None:
    """Starts whatever is not running yet and waits until it is healthy."""
    names = [n.strip() for n in services.split(",") if n.strip()]
    try:
        stack = LocalStack(home or loom_home(), services=names, worker=worker)
        stack.start(timeout=timeout)
    except (ValueError, StackStartError) as exc:
        typer.secho(f"local stack failed to start: {exc}", err=True, fg=typer.colors.RED)
        raise typer.Exit(code=1) from exc
    typer.echo(f"local stack up; client env in {stack.env_path}")


@app.command()
def down(home: Path = HomeOption) -> None:
    """Stops every component (SIGTERM, then SIGKILL after 20 s)."""
    stopped = LocalStack.from_home(home or loom_home()).stop()
    typer.echo(f"stopped: {', '.join(stopped) or 'nothing was running'}")


@app.command()
def logs(
    component: str = typer.Argument(None, help="one component, e.g. nats or identity (default: all)"),
    home: Path = HomeOption,
    lines: int = typer.Option(40, "-n", "--lines", help="lines per log"),
) -> None:
    """Prints the end of the component logs."""
    logs_dir = (home or loom_home()) / "logs"
    paths = [logs_dir / f"{component}.log"] if component else sorted(logs_dir.glob("*.log"))
    if not paths or not all(p.exists() for p in paths):
        typer.secho(f"no logs under {logs_dir}", err=True, fg=typer.colors.RED)
        raise typer.Exit(code=1)
    for path in paths:
        typer.echo(f"==> {path} <==\n{tail(path, lines)}")
