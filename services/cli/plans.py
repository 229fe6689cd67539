"""``loom plans apply|list|get|delete``: data plans (tracking plans) from YAML files.

A plan file holds one or more YAML documents like::

    plan_id: web-shop
    source_ids: [web]              # empty or absent: every source
    unplanned_mode: quarantine     # allow | block | quarantine
    violation_mode: block
    events:
      - name: Order Completed
        version: 1
        properties_schema:         # JSON Schema (draft 2020-12) for the event's properties
          type: object
          required: [order_id]
          properties: {order_id: {type: string}}
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import typer
import yaml

from loom.ingestion.v1 import ingestion_pb2 as pb
from loom.ingestion.v1 import ingestion_pb2_grpc as pb_grpc
from services.cli.context import call_service

app = typer.Typer(help="Manage data plans: which events each source may send and what breaks them.")
T = TypeVar("T")
MODES = {"allow": pb.PLAN_MODE_ALLOW, "block": pb.PLAN_MODE_BLOCK, "quarantine": pb.PLAN_MODE_QUARANTINE}
AddrOption = typer.Option(None, "--addr", help="ingestion address (default: $LOOM_INGESTION_ADDR)")
TokenOption = typer.Option(None, "--token", help="operator token (default: $LOOM_SERVICE_TOKEN)")


class PlanFileError(ValueError):
    """A plan file that does not describe valid plans; the message names the place."""


def call_ingestion(addr: str | None, token: str | None,
                   action: Callable[[pb_grpc.IngestionServiceStub], Awaitable[T]]) -> T:
    """Runs ``action`` against the ingestion service; a failed call prints its reasons and exits 1."""
    return call_service(pb_grpc.IngestionServiceStub, "ingestion", "127.0.0.1:50051", action, addr, token)


def _mode(doc: dict[str, Any], key: str, where: str) -> int:
    raw = doc.get(key, "allow")
    if raw not in MODES:
        raise PlanFileError(f"{where}.{key}: {raw!r} is not one of {', '.join(MODES)}")
    return MODES[raw]


def plan_from_document(doc: Any, where: str = "plan") -> pb.DataPlan:
    """One YAML document as a DataPlan; raises PlanFileError naming the first problem."""
    if not isinstance(doc, dict):
        raise PlanFileError(f"{where}: expected a mapping with plan_id, events, ...")
    unknown = set(doc) - {"plan_id", "source_ids", "unplanned_mode", "violation_mode", "events"}
    if unknown:
        raise PlanFileError(f"{where}: unknown keys {sorted(unknown)}")
    plan = pb.DataPlan(plan_id=str(doc.get("plan_id", "")), source_ids=[str(s) for s in doc.get("source_ids") or []],
                       unplanned_mode=_mode(doc, "unplanned_mode", where),
                       violation_mode=_mode(doc, "violation_mode", where))
    events = doc.get("events") or []
    if not isinstance(events, list):
        raise PlanFileError(f"{where}.events: expected a list")
    for i, entry in enumerate(events):
        at = f"{where}.events[{i}]"
        if not isinstance(entry, dict) or set(entry) - {"name", "version", "description", "properties_schema"}:
            raise PlanFileError(f"{at}: expected name, version, description and properties_schema")
        version = entry.get("version", 1)
        if not isinstance(version, int):
            raise PlanFileError(f"{at}.version: expected a whole number")
        plan.events.add(name=str(entry.get("name", "")), version=version, description=str(entry.get("description", "")),
                        properties_schema_json=json.dumps(entry.get("properties_schema") or {}))
    return plan


def plans_from_file(path: Path) -> list[pb.DataPlan]:
    """Every plan in a YAML file (one per document)."""
    try:
        docs = [d for d in yaml.safe_load_all(path.read_text()) if d is not None]
    except OSError as exc:
        raise PlanFileError(f"{path}: cannot read: {exc}") from exc
    except yaml.YAMLError as exc:
        raise PlanFileError(f"{path}: not valid YAML: {exc}") from exc
    if not docs:
        raise PlanFileError(f"{path}: holds no plan")
    return [plan_from_document(d, f"{path.name}[{i}]") for i, d in enumerate(docs)]


def plan_to_document(plan: pb.DataPlan) -> dict[str, Any]:
    """A DataPlan in the file format (what ``loom plans get`` prints)."""
    names = {v: k for k, v in MODES.items()}
    return {
        "plan_id": plan.plan_id, "source_ids": list(plan.source_ids),
        "unplanned_mode": names.get(plan.unplanned_mode, "allow"),
        "violation_mode": names.get(plan.violation_mode, "allow"),
        "events": [{"name": e.name, "version": e.version or 1, "description": e.description,
                    "properties_schema": json.loads(e.properties_schema_json or "{}")} for e in plan.events],
    }


@app.command()
def apply(path: Path = typer.Argument(..., help="YAML file with one or more plans"),
          addr: str = AddrOption, token: str = TokenOption) -> None:
    """Creates or replaces the plans in a file; each gets a new revision."""
    try:
        plans = plans_from_file(path)
    except PlanFileError as exc:
        typer.secho(str(exc), err=True, fg=typer.colors.RED)
        raise typer.Exit(code=2) from None

    async def put(stub: pb_grpc.IngestionServiceStub) -> list[pb.DataPlan]:
        return [(await stub.PutDataPlan(pb.PutDataPlanRequest(plan=p))).plan for p in plans]

    for stored in call_ingestion(addr, token, put):
        typer.echo(f"applied {stored.plan_id} revision {stored.revision} ({len(stored.events)} events)")


@app.command("list")
def list_plans(addr: str = AddrOption, token: str = TokenOption) -> None:
    """Lists the plans."""

    async def fetch(stub: pb_grpc.IngestionServiceStub) -> pb.ListDataPlansResponse:
        return await stub.ListDataPlans(pb.ListDataPlansRequest())

    for plan in call_ingestion(addr, token, fetch).plans:
        sources = ",".join(plan.source_ids) or "*"
        typer.echo(f"{plan.plan_id}\trevision {plan.revision}\tsources {sources}\t{len(plan.events)} events")


@app.command()
def get(plan_id: str, addr: str = AddrOption, token: str = TokenOption) -> None:
    """Prints one plan as YAML (the format ``apply`` reads)."""

    async def fetch(stub: pb_grpc.IngestionServiceStub) -> pb.GetDataPlanResponse:
        return await stub.GetDataPlan(pb.GetDataPlanRequest(plan_id=plan_id))

    typer.echo(yaml.safe_dump(plan_to_document(call_ingestion(addr, token, fetch).plan), sort_keys=False))


@app.command()
def delete(plan_id: str, addr: str = AddrOption, token: str = TokenOption) -> None:
    """Deletes a plan; its sources then accept every well-formed event."""

    async def drop(stub: pb_grpc.IngestionServiceStub) -> pb.DeleteDataPlanResponse:
        return await stub.DeleteDataPlan(pb.DeleteDataPlanRequest(plan_id=plan_id))

    call_ingestion(addr, token, drop)
    typer.echo(f"deleted {plan_id}")
