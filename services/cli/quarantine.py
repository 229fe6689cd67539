"""``loom quarantine list|replay|discard``: events a data plan held back."""

from __future__ import annotations

import typer

from loom.ingestion.v1 import ingestion_pb2 as pb
from loom.ingestion.v1 import ingestion_pb2_grpc as pb_grpc
from services.cli.plans import AddrOption, TokenOption, call_ingestion

app = typer.Typer(help="Inspect, replay and discard quarantined events.")
SourceOption = typer.Option("", "--source", help="only this source")
EventOption = typer.Option("", "--event", help="only this event name")


def _reasons(violations: list[pb.Violation]) -> str:
    return "; ".join(f"{v.field}: {v.description}" for v in violations)


@app.command("list")
def list_held(source: str = SourceOption, event: str = EventOption,
              limit: int = typer.Option(50, help="at most this many events"),
              addr: str = AddrOption, token: str = TokenOption) -> None:
    """Lists quarantined events, oldest first, with why each was held."""

    async def fetch(stub: pb_grpc.IngestionServiceStub) -> pb.ListQuarantinedResponse:
        return await stub.ListQuarantined(pb.ListQuarantinedRequest(
            source_id=source, event=event, page={"page_size": min(max(limit, 1), 500)}))

    response = call_ingestion(addr, token, fetch)
    for held in response.events:
        when = held.quarantined_at.ToDatetime().isoformat(timespec="seconds")
        typer.echo(f"{held.event.message_id}\t{held.event.source_id}\t{held.event.event}\t{when}\t"
                   f"{held.plan_id}@{held.plan_revision}\t{_reasons(list(held.violations))}")
    typer.echo(f"{len(response.events)} of {response.page.total_size} quarantined events")


@app.command()
def replay(message_ids: list[str] = typer.Argument(None, help="message ids (default: all matching the filters)"),
           source: str = SourceOption, event: str = EventOption,
           addr: str = AddrOption, token: str = TokenOption) -> None:
    """Re-validates held events against the current plans and ingests those that pass now."""

    async def send(stub: pb_grpc.IngestionServiceStub) -> pb.ReplayQuarantinedResponse:
        return await stub.ReplayQuarantined(pb.ReplayQuarantinedRequest(
            message_ids=message_ids or [], source_id=source, event=event))

    response = call_ingestion(addr, token, send)
    for result in response.results:
        if result.status == pb.EVENT_STATUS_QUARANTINED:
            typer.echo(f"still held {result.message_id}: {_reasons(list(result.violations))}")
    typer.echo(f"replayed {response.replayed_count}, still quarantined {response.still_quarantined_count}")


@app.command()
def discard(message_ids: list[str] = typer.Argument(..., help="message ids to drop for good"),
            addr: str = AddrOption, token: str = TokenOption) -> None:
    """Drops quarantined events for good."""

    async def send(stub: pb_grpc.IngestionServiceStub) -> pb.DiscardQuarantinedResponse:
        return await stub.DiscardQuarantined(pb.DiscardQuarantinedRequest(message_ids=message_ids))

    typer.echo(f"discarded {call_ingestion(addr, token, send).discarded_count}")
