"""``loom destinations list|get|put|pause|resume|delete|test``: manage forwarding destinations.

``put`` reads a destination as JSON or YAML in the proto's field names (for example ``destination_id``,
``webhook: {url: ...}``, ``required_purposes: [analytics]``); the service validates it and answers every
problem at once.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer
import yaml
from google.protobuf import json_format
from rich.console import Console
from rich.table import Table

from loom.forwarding.v1 import forwarding_pb2 as pb
from loom.ingestion.v1 import ingestion_pb2
from services.cli.dlq import call

app = typer.Typer(help="Forwarding destinations: list, inspect, configure, pause, test.", no_args_is_help=True)


def _read(path: Path, message: Any) -> Any:
    try:
        document = yaml.safe_load(path.read_text())
        return json_format.ParseDict(document, message)
    except (OSError, yaml.YAMLError, json_format.ParseError) as exc:
        typer.secho(f"{path}: {exc}", err=True, fg=typer.colors.RED)
        raise typer.Exit(code=2) from exc


def _show(message: Any) -> None:
    typer.echo(json.dumps(json_format.MessageToDict(message, preserving_proto_field_name=True), indent=2))


@app.command("list")
def list_() -> None:
    """Lists destinations with their state."""
    response: Any = call(lambda stub: stub.ListDestinations(pb.ListDestinationsRequest()))
    table = Table(title="destinations")
    for column in ("id", "type", "state", "revision", "purposes"):
        table.add_column(column)
    for d in response.destinations:
        table.add_row(d.destination_id, pb.DestinationType.Name(d.type).removeprefix("DESTINATION_TYPE_").lower(),
                      pb.DestinationState.Name(d.state).removeprefix("DESTINATION_STATE_").lower(), str(d.revision),
                      ", ".join(d.required_purposes))
    Console().print(table)


@app.command()
def get(destination_id: str) -> None:
    """Shows one destination with its queue and dead-letter counts."""
    _show(call(lambda stub: stub.GetDestination(pb.GetDestinationRequest(destination_id=destination_id))))


@app.command()
def put(file: Path = typer.Argument(..., help="destination as YAML or JSON")) -> None:
    """Creates or replaces a destination."""
    destination = _read(file, pb.Destination())
    _show(call(lambda stub: stub.PutDestination(pb.PutDestinationRequest(destination=destination))))


@app.command()
def pause(destination_id: str, reason: str = typer.Option(..., help="why, shown on the destination")) -> None:
    """Pauses a destination: deliveries queue up until it is resumed."""
    call(lambda stub: stub.PauseDestination(pb.PauseDestinationRequest(destination_id=destination_id,
                                                                       reason=reason)))
    typer.echo(f"{destination_id} paused")


@app.command()
def resume(destination_id: str) -> None:
    """Resumes a paused destination."""
    call(lambda stub: stub.ResumeDestination(pb.ResumeDestinationRequest(destination_id=destination_id)))
    typer.echo(f"{destination_id} resumed")


@app.command()
def delete(destination_id: str) -> None:
    """Deletes a destination; its queued deliveries become dead letters."""
    response: Any = call(lambda stub: stub.DeleteDestination(pb.DeleteDestinationRequest(
        destination_id=destination_id)))
    typer.echo(f"{destination_id} deleted; {response.dead_lettered} queued deliveries dead-lettered")


@app.command()
def test(destination_id: str, event_file: Path = typer.Argument(..., help="sample event as YAML or JSON"),
         send: bool = typer.Option(False, help="also send the mapped payload once")) -> None:
    """Dry-runs a stored destination's filter and mapping on a sample event."""
    event = _read(event_file, ingestion_pb2.Event())
    _show(call(lambda stub: stub.TestDestination(pb.TestDestinationRequest(destination_id=destination_id,
                                                                           event=event, send=send))))
