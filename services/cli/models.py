"""``loom models train|list|show|promote``: the model registry and training runs of the prediction service."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import TypeVar

import typer
from google.protobuf import json_format, struct_pb2
from rich.console import Console
from rich.table import Table

from loom.prediction.v1 import prediction_pb2 as pb
from loom.prediction.v1 import prediction_pb2_grpc as pb_grpc
from services.cli.context import call_service

app = typer.Typer(help="Train, list, inspect and promote prediction models.", no_args_is_help=True)
T = TypeVar("T")
AddrOption = typer.Option(None, "--addr", help="prediction address (default: $LOOM_PREDICTION_ADDR)")
TokenOption = typer.Option(None, "--token", help="token (default: $LOOM_SERVICE_TOKEN)")
KINDS = {pb.ModelKind.Name(v).removeprefix("MODEL_KIND_").lower(): v for v in pb.ModelKind.values() if v}
STATUSES = {pb.ModelStatus.Name(v).removeprefix("MODEL_STATUS_").lower(): v for v in pb.ModelStatus.values() if v}


def call(addr: str | None, token: str | None, action: Callable[[pb_grpc.PredictionServiceStub], Awaitable[T]]) -> T:
    """Runs ``action`` against the prediction service; a failed call prints its reasons and exits 1."""
    return call_service(pb_grpc.PredictionServiceStub, "prediction", "127.0.0.1:50054", action, addr, token)


def _choice(value: str, options: dict[str, int], what: str) -> int:
    if value not in options:
        typer.secho(f"{what} must be one of {', '.join(options)}", err=True, fg=typer.colors.RED)
        raise typer.Exit(code=2)
    return options[value]


@app.command("train")
def train(
    name: str = typer.Argument(..., help="model name, e.g. propensity_shoes"),
    kind: str = typer.Option(..., "--kind", help=f"one of {', '.join(KINDS)}"),
    category: str = typer.Option("", help="propensity: the category the purchase must be in"),
    horizon_days: int = typer.Option(0, help="label horizon in days (0: the kind's default)"),
    epochs: int = typer.Option(60, help="training epochs (early stopping may end sooner)"),
    auto_promote: bool = typer.Option(False, help="serve it at once when it beats the baseline"),
    idempotency_key: str = typer.Option("", help="a repeated key returns the run already started"),
    addr: str = AddrOption,
    token: str = TokenOption,
) -> None:
    """Starts a training workflow; the version becomes a candidate (or rejected) when it finishes."""
    target = struct_pb2.Struct()
    if category:
        target["category"] = category
    if horizon_days:
        target["horizon_days"] = horizon_days
    hyper = struct_pb2.Struct()
    hyper.update({"epochs": epochs})
    request = pb.TrainModelRequest(name=name, kind=_choice(kind, KINDS, "--kind"), target=target,
                                   hyperparameters=hyper, auto_promote=auto_promote, idempotency_key=idempotency_key)
    request.data_window.end.FromDatetime(datetime.now(UTC))
    response = call(addr, token, lambda stub: stub.TrainModel(request))
    typer.echo(f"training {name} version {response.version} (workflow {response.workflow_id})")


@app.command("list")
def list_models(
    name: str = typer.Option("", help="only versions of this model"),
    kind: str = typer.Option("", help="only this kind"),
    status: str = typer.Option("", help=f"only this status: {', '.join(STATUSES)}"),
    addr: str = AddrOption,
    token: str = TokenOption,
) -> None:
    """Model versions, newest first, with their headline metric against the baseline."""
    request = pb.ListModelsRequest(name=name, kind=_choice(kind, KINDS, "--kind") if kind else 0,
                                   status=_choice(status, STATUSES, "--status") if status else 0)
    response = call(addr, token, lambda stub: stub.ListModels(request))
    table = Table(title="Models")
    for column in ("name", "version", "kind", "status", "metric", "model", "baseline"):
        table.add_column(column)
    for card in response.models:
        metric = card.metrics[0] if card.metrics else None
        table.add_row(card.name, card.version, pb.ModelKind.Name(card.kind).removeprefix("MODEL_KIND_").lower(),
                      pb.ModelStatus.Name(card.status).removeprefix("MODEL_STATUS_").lower(),
                      metric.name if metric else "", f"{metric.value:.4f}" if metric else "",
                      f"{metric.baseline_value:.4f}" if metric else "")
    Console().print(table)


@app.command("show")
def show(
    name: str = typer.Argument(..., help="model name"),
    version: str = typer.Option("", help="version (default: the active one)"),
    addr: str = AddrOption,
    token: str = TokenOption,
) -> None:
    """Prints the model card as JSON."""
    response = call(addr, token, lambda stub: stub.GetModel(pb.GetModelRequest(model=pb.ModelRef(name=name,
                                                                                                  version=version))))
    typer.echo(json.dumps(json_format.MessageToDict(response.model), indent=2))


@app.command("promote")
def promote(
    name: str = typer.Argument(..., help="model name"),
    version: str = typer.Argument(..., help="the version to serve"),
    force: bool = typer.Option(False, help="promote even if it did not beat its baseline"),
    reason: str = typer.Option("", help="why (required with --force)"),
    addr: str = AddrOption,
    token: str = TokenOption,
) -> None:
    """Makes a version the one that serves; Serve replicas pick it up without dropping requests."""
    request = pb.PromoteModelRequest(model=pb.ModelRef(name=name, version=version), force=force, reason=reason)
    response = call(addr, token, lambda stub: stub.PromoteModel(request))
    before = f" (was {response.previous_version})" if response.previous_version else ""
    typer.echo(f"{name} now serves version {response.model.version}{before}")
