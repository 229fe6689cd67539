"""``loom journeys validate|apply|list|pause|resume|archive|broadcast|stats``: manage campaign journey specs.

Journeys with ``entry.schedule`` also own a Temporal Schedule: apply creates or updates it, pause and resume
pause it, archive deletes it (Temporal at ``--temporal``, default LOOM_TEMPORAL_ADDRESS).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import typer
from rich.console import Console
from rich.table import Table

from services.cli.context import client_env
from services.common.errors import LoomError, Unavailable
from services.common.migrate import default_db_url
from services.common.storage import Database
from workflows.journeys.measurement import journey_uplift
from workflows.journeys.registry import JourneyRegistry, load_spec_file, migrate_journeys
from workflows.journeys.spec import SpecError, parse_spec

app = typer.Typer(help="Validate, apply and measure campaign journeys (YAML specs).", no_args_is_help=True)
DbOption = typer.Option(None, "--db-url", help="journeys database (default: LOOM_DB_URL, else SQLite in LOOM_HOME)")
TemporalOption = typer.Option(None, "--temporal", help="Temporal address (default: LOOM_TEMPORAL_ADDRESS)")
T = TypeVar("T")


async def _temporal(address: str | None) -> Any:
    """A Temporal client; Unavailable (a clear CLI error) when the server cannot be reached."""
    from temporalio.client import Client

    env = client_env()
    target = address or env.get("LOOM_TEMPORAL_ADDRESS", "127.0.0.1:7233")
    try:
        return await Client.connect(target, namespace=env.get("LOOM_TEMPORAL_NAMESPACE", "default"))
    except RuntimeError as exc:
        raise Unavailable(f"cannot reach Temporal at {target} ({exc}); the registry is updated, run the "
                          "command again once Temporal is up to bring the schedule in line") from exc


def global_control_percent(env: dict[str, str] | None = None) -> float:
    """LOOM_GLOBAL_CONTROL_PERCENT as the worker reads it, so every entry path holds out the same customers."""
    raw = (client_env() if env is None else env).get("LOOM_GLOBAL_CONTROL_PERCENT", "0") or "0"
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not 0 <= value < 100:
        raise typer.BadParameter(f"LOOM_GLOBAL_CONTROL_PERCENT={raw!r}: must be a percentage from 0 up to "
                                 "(not including) 100")
    return value


async def _sync(registry: JourneyRegistry, journey_id: str, temporal: str | None) -> None:
    """Brings a scheduled journey's Temporal Schedule in line with the registry (no-op for other journeys)."""
    from temporalio.service import RPCError

    from workflows.journeys.schedules import delete_schedule, sync_schedule

    record, raw = await registry.get(journey_id)
    if not parse_spec(raw).entry_schedule:
        return
    client = await _temporal(temporal)
    try:
        if record.state == "archived":
            done = await delete_schedule(client, journey_id)
        else:
            done = await sync_schedule(client, record.current_version, raw, state=record.state,
                                       global_control_percent=global_control_percent())
    except RPCError as exc:
        raise Unavailable(f"Temporal did not update schedule of {journey_id!r}: {exc.status.name} {exc.message}; "
                          "the registry is updated, run the command again to retry") from exc
    suffix = " (paused)" if done.paused else ""
    typer.echo(f"{journey_id}: schedule {done.schedule_id} {done.action}{suffix}")


def _with_registry(db_url: str | None, action: Callable[[JourneyRegistry], Awaitable[T]]) -> T:
    async def go() -> T:
        db = Database.from_url(db_url or default_db_url(), application_name="loom-cli")
        try:
            await migrate_journeys(db)
            return await action(JourneyRegistry(db))
        finally:
            await db.dispose()

    try:
        return asyncio.run(go())
    except LoomError as exc:
        for violation in getattr(exc, "violations", []):
            typer.secho(f"  {violation.field}: {violation.description}", err=True, fg=typer.colors.RED)
        typer.secho(f"error: {exc.message}", err=True, fg=typer.colors.RED)
        raise typer.Exit(code=1) from exc


def _load(files: list[Path]) -> list[tuple[Path, dict[str, Any]]]:
    """Parses and validates every file, printing ``file: path: message`` per problem; exits 1 on any."""
    loaded, failed = [], False
    for file in files:
        try:
            raw = load_spec_file(file)
            parse_spec(raw)
            loaded.append((file, raw))
        except SpecError as exc:
            failed = True
            for path, message in exc.problems:
                typer.secho(f"{file}: {path or '<document>'}: {message}", err=True, fg=typer.colors.RED)
        except OSError as exc:
            failed = True
            typer.secho(f"{file}: cannot read: {exc.strerror}", err=True, fg=typer.colors.RED)
    if failed:
        raise typer.Exit(code=1)
    return loaded


@app.command()
def validate(files: list[Path] = typer.Argument(..., help="journey spec YAML files")) -> None:
    """Checks specs without storing them; prints every problem as file: path: message."""
    for file, raw in _load(files):
        typer.echo(f"{file}: ok ({raw['id']}, {len(raw.get('steps', []))} steps)")


@app.command()
def apply(files: list[Path] = typer.Argument(..., help="journey spec YAML files"), db_url: str = DbOption,
          temporal: str = TemporalOption) -> None:
    """Validates every file first, then stores each as a new version (an unchanged spec keeps its version).

    A journey with entry.schedule gets its Temporal Schedule created or updated to the current version.
    """
    loaded = _load(files)

    async def store(registry: JourneyRegistry) -> None:
        for file, raw in loaded:
            applied = await registry.apply(raw, source=str(file))
            what = "created version" if applied.created else "unchanged at version"
            typer.echo(f"{applied.journey_id}: {what} {applied.version}")
        for _, raw in loaded:
            await _sync(registry, raw["id"], temporal)

    _with_registry(db_url, store)


@app.command("list")
def list_journeys(db_url: str = DbOption, all_: bool = typer.Option(False, "--all", help="include archived")) -> None:
    """Lists journeys with their state and current version."""
    records = _with_registry(db_url, lambda r: r.list(include_archived=all_))
    table = Table(title="Journeys")
    for column in ("id", "name", "state", "version", "updated"):
        table.add_column(column)
    for r in records:
        table.add_row(r.journey_id, r.name, r.state, str(r.current_version), r.updated_at.isoformat(timespec="seconds"))
    Console().print(table)


def _set_state(journey_id: str, state: str, db_url: str | None, temporal: str | None) -> None:
    async def change(registry: JourneyRegistry) -> None:
        record = await registry.set_state(journey_id, state)
        typer.echo(f"{record.journey_id}: {record.state}")
        await _sync(registry, journey_id, temporal)

    _with_registry(db_url, change)


@app.command()
def pause(journey_id: str, db_url: str = DbOption, temporal: str = TemporalOption) -> None:
    """Stops new entries (and pauses its schedule); customers already in the journey continue."""
    _set_state(journey_id, "paused", db_url, temporal)


@app.command()
def resume(journey_id: str, db_url: str = DbOption, temporal: str = TemporalOption) -> None:
    """Accepts new entries again (and unpauses its schedule)."""
    _set_state(journey_id, "active", db_url, temporal)


@app.command()
def archive(journey_id: str, db_url: str = DbOption, temporal: str = TemporalOption) -> None:
    """Retires a journey for good (its id cannot be reused; its schedule is deleted)."""
    _set_state(journey_id, "archived", db_url, temporal)


@app.command()
def broadcast(journey_id: str, db_url: str = DbOption, temporal: str = TemporalOption) -> None:
    """Starts one broadcast of an active broadcast journey now, outside its schedule; prints the workflow id."""
    from temporalio.service import RPCError

    from workflows.journeys.schedules import start_broadcast

    async def start(registry: JourneyRegistry) -> str:
        record, raw = await registry.get(journey_id)
        try:
            return await start_broadcast(await _temporal(temporal), record.current_version, raw, state=record.state,
                                         global_control_percent=global_control_percent())
        except RPCError as exc:
            raise Unavailable(f"Temporal did not start the broadcast: {exc.status.name} {exc.message}") from exc

    wid = _with_registry(db_url, start)
    typer.echo(f"{journey_id}: broadcast started as workflow {wid}")


@app.command()
def stats(journey_id: str, db_url: str = DbOption) -> None:
    """Conversion and uplift over the holdout, per journey and per A/B/n variant, with 95% intervals."""
    counts = _with_registry(db_url, lambda r: r.outcome_counts(journey_id))
    if not counts:
        typer.echo(f"{journey_id}: no finished customers yet")
        return
    table = Table(title=f"Uplift of {journey_id} (treated vs holdout + global control)")
    for column in ("variant", "treated", "conv. rate", "holdout", "conv. rate", "uplift", "95% CI", "significant"):
        table.add_column(column)
    for u in journey_uplift(journey_id, counts):
        table.add_row(u.variant, str(u.treated), f"{u.treated_rate:.2%}", str(u.holdout), f"{u.holdout_rate:.2%}",
                      f"{u.uplift:+.2%}", f"[{u.ci_low:+.2%}, {u.ci_high:+.2%}]", "yes" if u.significant else "no")
    Console().print(table)
