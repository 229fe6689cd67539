"""``loom dlq list|replay|discard``: inspect and replay forwarding's dead letters.

Reaches the forwarding service at LOOM_FORWARDING_ADDR with LOOM_SERVICE_TOKEN (the local stack's env file
provides both). Replays are idempotent: the replay id (generated, or given with --replay-id to make a retry
of this command safe) is recorded by the service, and a repeated id re-queues nothing.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import typer
from rich.console import Console
from rich.table import Table

from loom.forwarding.v1 import forwarding_pb2 as pb
from loom.forwarding.v1 import forwarding_pb2_grpc
from services.cli.context import call_service

app = typer.Typer(help="Dead letters of forwarding: list, replay, discard.", no_args_is_help=True)
T = TypeVar("T")


def call(method: Callable[[forwarding_pb2_grpc.ForwardingServiceStub], Awaitable[T]]) -> T:
    """Runs one RPC against the forwarding service; a gRPC error becomes a red message and exit code 1."""
    return call_service(forwarding_pb2_grpc.ForwardingServiceStub, "forwarding", "127.0.0.1:50056", method,
                        name_in_errors=True)


def _filter(ids: list[str], destination: str, error: str, permanent: bool | None) -> pb.DeadLetterFilter:
    f = pb.DeadLetterFilter(dead_letter_ids=ids, destination_id=destination, error_contains=error)
    if permanent is not None:
        f.permanent = permanent
    return f


IdsOption = typer.Option([], "--id", help="dead letter id (repeatable); overrides the other filters")
DestinationOption = typer.Option("", "--destination", "-d", help="only this destination")
ErrorOption = typer.Option("", "--error", help="only dead letters whose error contains this text")
PermanentOption = typer.Option(None, "--permanent/--exhausted", help="only permanent or only retries-exhausted")


@app.command("list")
def list_(ids: list[str] = IdsOption, destination: str = DestinationOption, error: str = ErrorOption,
          permanent: bool | None = PermanentOption,
          limit: int = typer.Option(50, help="most rows to show")) -> None:
    """Lists dead letters, oldest first."""
    request = pb.ListDeadLettersRequest(filter=_filter(ids, destination, error, permanent))
    request.page.page_size = limit
    response: Any = call(lambda stub: stub.ListDeadLetters(request))
    table = Table(title=f"dead letters ({response.page.total_size} in all)")
    for column in ("id", "destination", "profile", "attempts", "permanent", "replays", "error"):
        table.add_column(column)
    for d in response.dead_letters:
        table.add_row(d.dead_letter_id, d.delivery.destination_id, d.delivery.profile_id, str(d.delivery.attempts),
                      "yes" if d.permanent else "no", str(d.replay_count), d.error[:80])
    Console().print(table)


@app.command()
def replay(ids: list[str] = IdsOption, destination: str = DestinationOption, error: str = ErrorOption,
           permanent: bool | None = PermanentOption,
           replay_id: str = typer.Option("", help="idempotency key of this replay (default: a new one)")) -> None:
    """Re-queues matching dead letters; running it again with the same --replay-id changes nothing."""
    request = pb.ReplayDeadLettersRequest(filter=_filter(ids, destination, error, permanent),
                                          replay_id=replay_id or f"cli-{uuid.uuid4().hex}")
    response: Any = call(lambda stub: stub.ReplayDeadLetters(request))
    typer.echo(f"replayed {response.replayed_count}, skipped {response.skipped_count} (replay id "
               f"{request.replay_id})")


@app.command()
def discard(ids: list[str] = IdsOption, destination: str = DestinationOption, error: str = ErrorOption,
            permanent: bool | None = PermanentOption,
            reason: str = typer.Option(..., help="why, for the audit log")) -> None:
    """Drops matching dead letters for good."""
    request = pb.DiscardDeadLettersRequest(filter=_filter(ids, destination, error, permanent), reason=reason)
    response: Any = call(lambda stub: stub.DiscardDeadLetters(request))
    typer.echo(f"discarded {response.discarded_count}")
