"""``loom factory``: run the creative factory for a market and day, with a progress bar and a contact sheet.

``loom factory run --market SE --date 2026-05-28`` renders in this process into the library folder; with
``--temporal`` it starts the ``CreativeFactory`` workflow on the ``loom-factory`` queue and follows its progress.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

if TYPE_CHECKING:
    from workflows.factory.types import FactoryInput

app = typer.Typer(help="Run the creative factory.", no_args_is_help=True)


class GlossaryCategories:
    """Offline category source: every category of the brand glossary, in file order."""

    async def top(self, market: str, day: dt.date, limit: int) -> list[str]:
        """Up to ``limit`` glossary categories."""
        from ml.creative.brand import load_glossary

        return list(load_glossary()["categories"])[:limit]


async def _local(params: object, library_dir: Path, ingestion: str | None) -> tuple[str, dict[str, int]]:
    from ml.creative.library import CreativeLibrary
    from workflows.factory.activities import FactoryActivities, IngestionTopCategories

    source = IngestionTopCategories(ingestion) if ingestion else GlossaryCategories()
    acts = FactoryActivities(CreativeLibrary(library_dir), source)
    items = await acts.plan_briefs(params)  # type: ignore[arg-type]  # a FactoryInput
    totals = {"assets": 0, "pass": 0, "needs_review": 0, "reject": 0}
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns) as bar:
        task = bar.add_task("categories", total=len(items))
        for item in items:
            bar.update(task, description=f"{item.category:<24}")
            result = await acts.produce_item(item)
            totals["assets"] += result.assets
            totals["pass"] += result.passed
            totals["needs_review"] += result.needs_review
            totals["reject"] += result.rejected
            bar.advance(task)
    return await acts.draw_contact_sheet(params), totals  # type: ignore[arg-type]


async def _temporal(params: FactoryInput, address: str, namespace: str) -> tuple[str, dict[str, int]]:
    from temporalio.client import Client
    from temporalio.common import WorkflowIDReusePolicy

    from workflows.factory import TASK_QUEUE
    from workflows.factory.types import workflow_id
    from workflows.factory.workflow import FactoryWorkflow

    client = await Client.connect(address, namespace=namespace)
    wid = workflow_id(params.market, params.date, params.brand_id)
    handle = await client.start_workflow(FactoryWorkflow.run, params, id=wid, task_queue=TASK_QUEUE,
                                         id_reuse_policy=WorkflowIDReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY)
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn()) as bar:
        task = bar.add_task(wid, total=None)
        result = asyncio.ensure_future(handle.result())
        while not result.done():
            p = await handle.query(FactoryWorkflow.progress)
            bar.update(task, total=p.categories or None, completed=p.done + p.failed)
            await asyncio.wait([result], timeout=1.0)
    p = result.result()
    return p.sheet, {"assets": p.assets, "pass": p.passed, "needs_review": p.needs_review, "reject": p.rejected}


@app.command()
def run(
    market: str = typer.Option(..., "--market", help="market code, e.g. SE"),
    date: str = typer.Option(None, "--date", help="YYYY-MM-DD (default: today)"),
    categories: int = typer.Option(10, "--categories", min=1, max=100, help="most categories to produce"),
    languages: str = typer.Option("", "--languages", help="comma-separated languages (default: the market's)"),
    touchpoints: str = typer.Option("", "--touchpoints", help="comma-separated touchpoints (default: all)"),
    library: Path = typer.Option(Path(".loom/creative"), "--library", help="library folder (local runs)"),
    ingestion: str = typer.Option(None, "--ingestion", help="ingestion address for top categories"),
    temporal: str = typer.Option(None, "--temporal", help="Temporal address: run as a workflow there"),
    namespace: str = typer.Option("default", "--namespace", help="Temporal namespace"),
    brand: str = typer.Option("", "--brand", help="brand kit stored with PutBrandKit (runs on --temporal only)"),
) -> None:
    """Produces, assesses and stores the market's creatives, then writes its contact sheet PNG."""
    from ml.creative.brand import load_markets
    from workflows.factory.types import FactoryInput

    console = Console()
    market = market.upper()
    if market not in load_markets():
        raise typer.BadParameter(f"unknown market {market!r}; known: {', '.join(sorted(load_markets()))}",
                                 param_hint="--market")
    try:
        day = dt.date.fromisoformat(date) if date else dt.date.today()
    except ValueError as exc:
        raise typer.BadParameter(f"{date!r} is not a YYYY-MM-DD date", param_hint="--date") from exc
    params = FactoryInput(market=market, date=day.isoformat(), categories_limit=categories,
                          languages=[x for x in languages.split(",") if x],
                          touchpoints=[x for x in touchpoints.split(",") if x],
                          brand_id="" if brand == "default" else brand)
    if params.brand_id and not temporal:
        raise typer.BadParameter("a stored brand kit is read by the factory worker: add --temporal",
                                 param_hint="--brand")
    if temporal:
        sheet, totals = asyncio.run(_temporal(params, temporal, namespace))
    else:
        sheet, totals = asyncio.run(_local(params, library, ingestion))
    console.print(f"[bold]{totals['assets']}[/bold] assets: [green]{totals['pass']} pass[/green], "
                  f"[yellow]{totals['needs_review']} review[/yellow], [red]{totals['reject']} reject[/red]")
    console.print(f"contact sheet: {sheet}")
