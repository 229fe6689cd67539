"""The demo's story against a running stack: customers' events in, profiles and segments out."""

from __future__ import annotations

import asyncio
import time
from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from temporalio.client import Client

from infra.synthetic import Customer, batches, history, make_customers
from loom.common.v1 import common_pb2
from loom.identity.v1 import identity_pb2, identity_pb2_grpc
from loom.ingestion.v1 import ingestion_pb2 as pb
from loom.ingestion.v1 import ingestion_pb2_grpc
from services.common.client import channel
from workflows.platform.types import TASK_QUEUE, CustomerSegment, SegmentCustomerInput


@dataclass
class DemoReport:
    """Numbers the summary prints (and tests check)."""

    customers: int = 0
    events_sent: int = 0
    statuses: Counter[str] = field(default_factory=Counter)
    ingest_seconds: float = 0.0
    profiles_checked: int = 0
    profiles_matching_truth: int = 0
    stitched: int = 0
    segments: Counter[tuple[str, str]] = field(default_factory=Counter)
    top_categories: dict[str, list[tuple[str, int]]] = field(default_factory=dict)


def _progress(console: Console) -> Progress:
    return Progress(TextColumn("{task.description:<28}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                    console=console, transient=False)


async def ingest(stub: ingestion_pb2_grpc.IngestionServiceStub, customers: list[Customer], report: DemoReport,
                 console: Console) -> None:
    """Sends the synthetic history in batches of 500, plus the retries and mistakes real clients make."""
    events = list(history(customers))
    # An at-least-once client resends a batch; a buggy one sends events without ids.
    events += events[:250]
    events += [pb.Event(type=pb.EVENT_TYPE_TRACK, user_id="cust-broken", event="Clicked") for _ in range(5)]
    report.events_sent = len(events)
    start = time.perf_counter()
    with _progress(console) as progress:
        task = progress.add_task("ingesting events", total=len(events))
        for batch in batches(iter(events)):
            response = await stub.IngestBatch(pb.IngestBatchRequest(events=batch), timeout=30)
            for result in response.results:
                report.statuses[pb.EventStatus.Name(result.status).removeprefix("EVENT_STATUS_").lower()] += 1
            progress.advance(task, len(batch))
    report.ingest_seconds = time.perf_counter() - start


def _lookup(user_id: str) -> identity_pb2.ProfileLookup:
    return identity_pb2.ProfileLookup(identifier=common_pb2.Identifier(type="user_id", value=user_id))


async def check_profiles(stub: identity_pb2_grpc.IdentityServiceStub, customers: list[Customer], report: DemoReport,
                         console: Console, timeout_s: float = 120.0) -> None:
    """Waits until the identity service reflects every identified customer's orders, and compares to truth."""
    identified = [c for c in customers if c.identifies]
    report.profiles_checked = len(identified)
    deadline = time.monotonic() + timeout_s
    matched: set[str] = set()
    per_market: dict[str, Counter[str]] = defaultdict(Counter)
    with _progress(console) as progress:
        task = progress.add_task("building profiles", total=len(identified))
        while len(matched) < len(identified) and time.monotonic() < deadline:
            pending = [c for c in identified if c.user_id not in matched]
            for i in range(0, len(pending), 500):
                chunk = pending[i:i + 500]
                reply = await stub.BatchGetProfiles(
                    identity_pb2.BatchGetProfilesRequest(lookups=[_lookup(c.user_id) for c in chunk]), timeout=30)
                for customer, profile in zip(chunk, reply.profiles, strict=True):
                    if (profile.profile_id and profile.computed.order_count == customer.orders
                            and profile.computed.revenue_micros == customer.revenue_micros):
                        matched.add(customer.user_id)
                        kinds = {i.type for i in profile.identifiers}
                        if {"anonymous_id", "user_id", "email"} <= kinds:
                            report.stitched += 1
                        for name, stats in profile.computed.categories.items():
                            per_market[customer.market][name] += stats.orders
                        progress.advance(task)
            if len(matched) < len(identified):
                await asyncio.sleep(0.5)
    report.profiles_matching_truth = len(matched)
    report.top_categories = {m: c.most_common(3) for m, c in sorted(per_market.items())}


async def segment(client: Client, customers: list[Customer], report: DemoReport, console: Console,
                  sample: int = 200) -> None:
    """Runs the SegmentCustomer workflow (Temporal -> activity -> identity gRPC) for a sample of customers."""
    chosen = [c for c in customers if c.identifies][:sample]
    run_id = int(time.time())
    with _progress(console) as progress:
        task = progress.add_task("segmenting via Temporal", total=len(chosen))

        async def one(customer: Customer) -> None:
            result: CustomerSegment = await client.execute_workflow(
                "SegmentCustomer", SegmentCustomerInput(customer.user_id), id=f"segment-{customer.user_id}-{run_id}",
                task_queue=TASK_QUEUE, result_type=CustomerSegment,
            )
            report.segments[(customer.market, result.segment)] += 1
            progress.advance(task)

        limit = asyncio.Semaphore(20)

        async def bounded(customer: Customer) -> None:
            async with limit:
                await one(customer)

        await asyncio.gather(*(bounded(c) for c in chosen))


def summary(report: DemoReport, console: Console) -> None:
    """Prints the readable summary."""
    console.rule("[bold]Loom demo summary")
    table = Table(title="Ingestion", show_header=True)
    table.add_column("outcome")
    table.add_column("events", justify="right")
    for status, count in sorted(report.statuses.items()):
        table.add_row(status, f"{count:,}")
    table.add_row("[bold]sent", f"[bold]{report.events_sent:,}")
    console.print(table)
    rate = report.events_sent / report.ingest_seconds if report.ingest_seconds else 0
    console.print(f"Ingest: {report.events_sent:,} events in {report.ingest_seconds:.1f} s ({rate:,.0f} events/s, "
                  "batches of 500, each acknowledged only after JetStream stored it)")
    console.print(f"Profiles: {report.profiles_matching_truth:,} of {report.profiles_checked:,} identified customers "
                  f"match the ground truth exactly (orders and revenue); {report.stitched:,} stitched from "
                  "anonymous browsing + sign-in + email")
    cats = Table(title="Top categories per market (from profiles)")
    cats.add_column("market")
    cats.add_column("top 3 categories by orders")
    for market, top in report.top_categories.items():
        cats.add_row(market, ", ".join(f"{name} ({n})" for name, n in top))
    console.print(cats)
    seg = Table(title="Lifecycle segments (SegmentCustomer workflow on Temporal)")
    seg.add_column("market")
    names = sorted({s for _, s in report.segments})
    for name in names:
        seg.add_column(name, justify="right")
    for market in sorted({m for m, _ in report.segments}):
        seg.add_row(market, *[str(report.segments.get((market, n), 0)) for n in names])
    console.print(seg)


async def run_demo(env: Mapping[str, str], customers: int, console: Console) -> DemoReport:
    """Runs the story against the stack described by ``env`` (LOOM_* client variables)."""
    report = DemoReport(customers=customers)
    people = make_customers(customers)
    token = env["LOOM_SERVICE_TOKEN"]
    console.print(f"Synthetic customer base: {customers:,} customers in 5 markets, 120 days of history")
    async with channel(env["LOOM_INGESTION_ADDR"], token) as ingest_ch, \
            channel(env["LOOM_IDENTITY_ADDR"], token) as identity_ch:
        await ingest(ingestion_pb2_grpc.IngestionServiceStub(ingest_ch), people, report, console)
        await check_profiles(identity_pb2_grpc.IdentityServiceStub(identity_ch), people, report, console)
    client = await Client.connect(env["LOOM_TEMPORAL_ADDRESS"], namespace=env.get("LOOM_TEMPORAL_NAMESPACE", "default"))
    await segment(client, people, report, console)
    return report


__all__ = ["DemoReport", "run_demo", "summary"]
