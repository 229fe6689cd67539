"""``loom dsr submit|show|list|suppressed``: data-subject requests (access and erasure) from the command line."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import typer
from rich.console import Console
from rich.table import Table

from loom.common.v1 import common_pb2
from loom.consent.v1 import consent_pb2 as pb
from services.cli.consent import AddrOption, IdOption, TokenOption, call_consent, parse_ids

app = typer.Typer(help="Data-subject requests: export or erase everything Loom holds about a person.")
KINDS = {"access": pb.DATA_SUBJECT_REQUEST_KIND_ACCESS, "erasure": pb.DATA_SUBJECT_REQUEST_KIND_ERASURE}
STATES = {"received": pb.DATA_SUBJECT_REQUEST_STATE_RECEIVED, "running": pb.DATA_SUBJECT_REQUEST_STATE_RUNNING,
          "completed": pb.DATA_SUBJECT_REQUEST_STATE_COMPLETED, "failed": pb.DATA_SUBJECT_REQUEST_STATE_FAILED}


def _state(state: int) -> str:
    return pb.DataSubjectRequestState.Name(state).removeprefix("DATA_SUBJECT_REQUEST_STATE_").lower()


def _when(ts: object) -> str:
    return ts.ToDatetime(tzinfo=UTC).isoformat(timespec="seconds") if ts.seconds else ""  # type: ignore[attr-defined]


def _print(r: pb.DataSubjectRequest) -> None:
    kind = pb.DataSubjectRequestKind.Name(r.kind).removeprefix("DATA_SUBJECT_REQUEST_KIND_").lower()
    typer.echo(f"{r.request_id}: {kind}{' (dry run)' if r.dry_run else ''} {_state(r.state)}; "
               f"due {_when(r.due_at)}; workflow {r.workflow_id}")
    if r.error:
        typer.secho(f"  error: {r.error}", fg=typer.colors.RED)
    if r.export_uri:
        typer.echo(f"  export: {r.export_uri}")
    for receipt in r.receipts:
        typer.echo(f"  {receipt.store}: found {receipt.items_found}, erased {receipt.items_erased} {receipt.detail}")


@app.command()
def submit(kind: str = typer.Argument(..., help="access or erasure"), ids: list[str] = IdOption,
           market: str = typer.Option("", help="market whose policy sets the SLA"),
           dry_run: bool = typer.Option(False, "--dry-run", help="report what each store would do; change nothing"),
           request_id: str = typer.Option("", help="idempotency key (default: a new id)"),
           requested_by: str = typer.Option("", help="who asked (default: the token's subject)"),
           addr: str = AddrOption, token: str = TokenOption) -> None:
    """Opens a request and starts its workflow; an erasure suppresses the identifiers at once."""
    if kind not in KINDS:
        typer.secho(f"kind must be one of {', '.join(KINDS)}", err=True, fg=typer.colors.RED)
        raise typer.Exit(code=2)
    request = pb.SubmitDataSubjectRequestRequest(kind=KINDS[kind], identifiers=parse_ids(ids), market=market,
                                                 dry_run=dry_run, requested_by=requested_by,
                                                 idempotency_key=request_id or str(uuid.uuid4()))
    _print(call_consent(addr, token, lambda s: s.SubmitDataSubjectRequest(request)).request)


@app.command()
def show(request_id: str = typer.Argument(..., help="request id"), addr: str = AddrOption,
         token: str = TokenOption) -> None:
    """A request with its state, receipts and due date."""
    reply = call_consent(addr, token, lambda s: s.GetDataSubjectRequest(
        pb.GetDataSubjectRequestRequest(request_id=request_id)))
    _print(reply.request)


@app.command("list")
def list_requests(state: str = typer.Option("", help="received, running, completed or failed"),
                  overdue: bool = typer.Option(False, help="only open requests past their due date"),
                  addr: str = AddrOption, token: str = TokenOption) -> None:
    """Requests, oldest due date first; exits 1 when --overdue finds any."""
    if state and state not in STATES:
        typer.secho(f"state must be one of {', '.join(STATES)}", err=True, fg=typer.colors.RED)
        raise typer.Exit(code=2)
    request = pb.ListDataSubjectRequestsRequest(state=STATES.get(state, 0),
                                                page=common_pb2.PageRequest(page_size=1000))
    if overdue:
        request.due_before.FromDatetime(datetime.now(UTC))
    rows = call_consent(addr, token, lambda s: s.ListDataSubjectRequests(request)).requests
    if overdue:
        rows = [r for r in rows if r.state not in (pb.DATA_SUBJECT_REQUEST_STATE_COMPLETED,
                                                   pb.DATA_SUBJECT_REQUEST_STATE_FAILED)]
    table = Table(title="data-subject requests")
    for column in ("request", "kind", "state", "submitted", "due", "receipts"):
        table.add_column(column)
    for r in rows:
        table.add_row(r.request_id, pb.DataSubjectRequestKind.Name(r.kind).rsplit("_", 1)[-1].lower(),
                      _state(r.state), _when(r.submitted_at), _when(r.due_at), str(len(r.receipts)))
    Console().print(table)
    if overdue and rows:
        raise typer.Exit(code=1)


@app.command()
def suppressed(ids: list[str] = IdOption, addr: str = AddrOption, token: str = TokenOption) -> None:
    """Whether any identifier belongs to an erased person; exits 1 when suppressed."""
    reply = call_consent(addr, token, lambda s: s.IsSuppressed(pb.IsSuppressedRequest(identifiers=parse_ids(ids))))
    for m in reply.matches:
        typer.echo(f"{m.identifier_type} suppressed by {m.request_id} at {_when(m.suppressed_at)}")
    typer.echo("suppressed" if reply.suppressed else "not suppressed")
    if reply.suppressed:
        raise typer.Exit(code=1)
