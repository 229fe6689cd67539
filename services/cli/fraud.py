"""``loom fraud report``: tell the prediction service what a scored payment turned out to be."""

from __future__ import annotations

import typer

from loom.prediction.v1 import prediction_pb2 as pb
from services.cli.models import AddrOption, TokenOption, call

app = typer.Typer(help="Fraud outcomes for scored payments (chargebacks, reviews).", no_args_is_help=True)
OUTCOMES = {"fraud": pb.FRAUD_OUTCOME_CONFIRMED_FRAUD, "legitimate": pb.FRAUD_OUTCOME_LEGITIMATE}


@app.command("report")
def report(
    transaction_id: str = typer.Argument(..., help="id of a payment scored with ScoreTransaction"),
    outcome: str = typer.Option(..., "--outcome", help="fraud or legitimate"),
    source: str = typer.Option(..., "--source", help='where it comes from, e.g. "chargeback" or "review:agent-7"'),
    addr: str = AddrOption,
    token: str = TokenOption,
) -> None:
    """Records the outcome; the next payments of its customer, device, card and merchant count it."""
    if outcome not in OUTCOMES:
        typer.secho(f"--outcome must be one of {', '.join(OUTCOMES)}", err=True, fg=typer.colors.RED)
        raise typer.Exit(code=2)
    reply = call(addr, token, lambda stub: stub.ReportFraudOutcome(pb.ReportFraudOutcomeRequest(
        transaction_id=transaction_id, outcome=OUTCOMES[outcome], source=source)))
    names = {v: k for k, v in OUTCOMES.items()}
    before = names.get(reply.previous_outcome, "none")
    typer.echo(f"{reply.transaction_id}: {names[reply.outcome]} (was {before})")
