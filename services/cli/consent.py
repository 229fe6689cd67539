"""``loom consent check|set|show|history|policies|audit``: the consent ledger from the command line.

People are named by ``--id type:value`` (repeatable), e.g. ``--id email:ada@example.com --id user_id:u1``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import TypeVar

import typer
from rich.console import Console
from rich.table import Table

from loom.common.v1 import common_pb2
from loom.consent.v1 import consent_pb2 as pb
from loom.consent.v1 import consent_pb2_grpc as pb_grpc
from services.cli.context import call_service

app = typer.Typer(help="Consent: check and record choices, read history, policies and the audit log.")
T = TypeVar("T")
AddrOption = typer.Option(None, "--addr", help="consent address (default: $LOOM_CONSENT_ADDR)")
TokenOption = typer.Option(None, "--token", help="operator token (default: $LOOM_SERVICE_TOKEN)")
IdOption = typer.Option(..., "--id", help="identifier as type:value; repeat for several")


def call_consent(addr: str | None, token: str | None,
                 action: Callable[[pb_grpc.ConsentServiceStub], Awaitable[T]]) -> T:
    """Runs ``action`` against the consent service; a failed call prints its reasons and exits 1."""
    return call_service(pb_grpc.ConsentServiceStub, "consent", "127.0.0.1:50053", action, addr, token)


def parse_ids(raw: list[str]) -> list[common_pb2.Identifier]:
    """``type:value`` strings as Identifiers; a malformed one exits 2 naming it."""
    out = []
    for item in raw:
        kind, sep, value = item.partition(":")
        if not sep or not kind or not value:
            typer.secho(f"--id {item!r}: expected type:value, e.g. email:ada@example.com", err=True,
                        fg=typer.colors.RED)
            raise typer.Exit(code=2)
        out.append(common_pb2.Identifier(type=kind, value=value))
    return out


def _reason(reason: int) -> str:
    return pb.CheckReason.Name(reason).removeprefix("CHECK_REASON_").lower()


@app.command()
def check(ids: list[str] = IdOption, purpose: list[str] = typer.Option(..., "--purpose", help="purpose id; repeat"),
          market: str = typer.Option("", help="market, e.g. SE or US-CA"),
          gpc: bool = typer.Option(False, help="the request carries a Global Privacy Control signal"),
          addr: str = AddrOption, token: str = TokenOption) -> None:
    """Checks purposes for one person; exits 1 unless every purpose is allowed."""
    request = pb.CheckPurposesRequest(identifiers=parse_ids(ids), market=market, purpose_ids=purpose, gpc=gpc)
    reply = call_consent(addr, token, lambda s: s.CheckPurposes(request))
    for d in reply.decisions:
        colour = typer.colors.GREEN if d.allowed else typer.colors.RED
        typer.secho(f"{d.purpose_id}: {'allowed' if d.allowed else 'denied'} ({_reason(d.reason)})", fg=colour)
    if not reply.all_allowed:
        raise typer.Exit(code=1)


@app.command("set")
def set_consent(ids: list[str] = IdOption, market: str = typer.Option(..., help="market whose policy applies"),
                grant: list[str] = typer.Option([], "--grant", help="purpose to grant; repeat"),
                deny: list[str] = typer.Option([], "--deny", help="purpose to refuse or withdraw; repeat"),
                source: str = typer.Option("support:cli", help="where the choice was made"),
                gpc: bool = typer.Option(False, help="the person sent a Global Privacy Control signal"),
                addr: str = AddrOption, token: str = TokenOption) -> None:
    """Appends a consent record (a support agent recording a customer's choice)."""
    purposes = {**{p: True for p in grant}, **{p: False for p in deny}}
    request = pb.SetConsentRequest(identifiers=parse_ids(ids), market=market, purposes=purposes, source=source,
                                   gpc=gpc)
    reply = call_consent(addr, token, lambda s: s.SetConsent(request))
    typer.echo(f"recorded {reply.record.record_id} (version {reply.record.version})")


@app.command()
def show(ids: list[str] = IdOption, market: str = typer.Option("", help="market for defaults"),
         addr: str = AddrOption, token: str = TokenOption) -> None:
    """A person's current consent per purpose, with the record that set it."""
    reply = call_consent(addr, token, lambda s: s.GetConsent(pb.GetConsentRequest(identifiers=parse_ids(ids),
                                                                                   market=market)))
    table = Table(title=f"consent (version {reply.version}, policy {reply.policy.market} v{reply.policy.version})")
    for column in ("purpose", "allowed", "reason", "source", "given at"):
        table.add_column(column)
    for s in reply.states:
        given = s.given_at.ToDatetime(tzinfo=UTC).isoformat() if s.HasField("given_at") else ""
        table.add_row(s.decision.purpose_id, str(s.decision.allowed), _reason(s.decision.reason), s.source, given)
    Console().print(table)


@app.command()
def history(ids: list[str] = IdOption, purpose: str = typer.Option("", help="only records that set this purpose"),
            addr: str = AddrOption, token: str = TokenOption) -> None:
    """A person's consent records, newest first."""
    reply = call_consent(addr, token, lambda s: s.GetConsentHistory(pb.GetConsentHistoryRequest(
        identifiers=parse_ids(ids), purpose_id=purpose)))
    for r in reply.records:
        choices = ", ".join(f"{k}={'yes' if v else 'no'}" for k, v in sorted(r.purposes.items()))
        typer.echo(f"v{r.version} {r.given_at.ToDatetime(tzinfo=UTC).isoformat()} {r.source} [{r.market}] {choices}"
                   + (" gpc" if r.gpc else ""))


@app.command()
def policies(addr: str = AddrOption, token: str = TokenOption) -> None:
    """Every market's current policy."""
    reply = call_consent(addr, token, lambda s: s.ListPolicies(pb.ListPoliciesRequest(
        page=common_pb2.PageRequest(page_size=1000))))
    table = Table(title="consent policies")
    for column in ("market", "regime", "defaults", "gpc", "sla days", "version"):
        table.add_column(column)
    for p in reply.policies:
        defaults = ", ".join(f"{k}={'yes' if v else 'no'}" for k, v in sorted(p.purpose_defaults.items()))
        table.add_row(p.market, pb.Regime.Name(p.regime).removeprefix("REGIME_").lower(), defaults,
                      ",".join(p.gpc_purposes) if p.honour_gpc else "ignored", str(p.request_sla_days), str(p.version))
    Console().print(table)


@app.command()
def audit(actor: str = typer.Option("", help="only this actor"),
          action: str = typer.Option("", help="only this action"),
          resource: str = typer.Option("", help="only this resource"),
          hours: float = typer.Option(24.0, help="how far back to look"), addr: str = AddrOption,
          token: str = TokenOption) -> None:
    """Audit log entries, newest first."""
    window = common_pb2.TimeRange()
    window.start.FromDatetime(datetime.now(UTC) - timedelta(hours=hours))
    reply = call_consent(addr, token, lambda s: s.QueryAudit(pb.QueryAuditRequest(
        actor=actor, action=action, resource=resource, window=window)))
    for e in reply.entries:
        outcome = pb.AuditOutcome.Name(e.outcome).removeprefix("AUDIT_OUTCOME_").lower()
        typer.echo(f"#{e.sequence} {e.occurred_at.ToDatetime(tzinfo=UTC).isoformat()} {e.actor} {e.service} "
                   f"{e.action} {e.resource} {outcome}")
