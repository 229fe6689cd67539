"""The demo's story against a running stack, stage by stage.

consent -> data plan -> ingestion -> profiles (against ground truth) -> segments -> model training and batch
scoring -> creative factory and publishing -> a journey triggered by events -> deliveries to a webhook sink.
Every stage calls the real services; a failure stops the demo with a DemoStageError naming the stage.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter, defaultdict
from collections.abc import Mapping
from pathlib import Path

from rich.console import Console
from temporalio.client import Client

from infra.demo.creatives import MARKET, creatives_stage
from infra.demo.governance import apply_plan, check_consent, record_consent, sloppy_events
from infra.demo.journeys import SimulatedOrders, apply_journey, route_to_sink, run_journey
from infra.demo.predictions import MODEL, batch_score, train
from infra.demo.report import DemoReport, DemoStageError, progress, stage
from infra.demo.sink import WebhookSink
from infra.local.config import workflows_db_url
from infra.synthetic import Customer, batches, history, make_customers
from loom.common.v1 import common_pb2
from loom.consent.v1 import consent_pb2_grpc
from loom.creative.v1 import creative_pb2_grpc
from loom.forwarding.v1 import forwarding_pb2_grpc
from loom.identity.v1 import identity_pb2, identity_pb2_grpc
from loom.ingestion.v1 import ingestion_pb2 as pb
from loom.ingestion.v1 import ingestion_pb2_grpc
from loom.prediction.v1 import prediction_pb2_grpc
from services.common.client import channel
from workflows.platform.types import TASK_QUEUE, CustomerSegment, SegmentCustomerInput


async def ingest(stub: ingestion_pb2_grpc.IngestionServiceStub, customers: list[Customer], report: DemoReport,
                 console: Console) -> None:
    """Sends the synthetic history in batches of 500, plus the retries and mistakes real clients make."""
    events = list(history(customers))
    # An at-least-once client resends a batch; a buggy one sends events without ids.
    events += events[:250]
    events += [pb.Event(type=pb.EVENT_TYPE_TRACK, user_id="cust-broken", event="Clicked") for _ in range(5)]
    events += sloppy_events()
    report.events_sent = len(events)
    start = time.perf_counter()
    with progress(console) as bar:
        task = bar.add_task("ingesting events", total=len(events))
        for batch in batches(iter(events)):
            response = await stub.IngestBatch(pb.IngestBatchRequest(events=batch), timeout=30)
            for result in response.results:
                report.statuses[pb.EventStatus.Name(result.status).removeprefix("EVENT_STATUS_").lower()] += 1
                for violation in result.violations:
                    report.violations[pb.ViolationKind.Name(violation.kind).removeprefix("VIOLATION_KIND_")] += 1
            bar.advance(task, len(batch))
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
    with progress(console) as bar:
        task = bar.add_task("building profiles", total=len(identified))
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
                        bar.advance(task)
            if len(matched) < len(identified):
                await asyncio.sleep(0.5)
    report.profiles_matching_truth = len(matched)
    report.top_categories = {m: c.most_common(3) for m, c in sorted(per_market.items())}


async def segment(client: Client, customers: list[Customer], report: DemoReport, console: Console,
                  sample: int = 200) -> None:
    """Runs the SegmentCustomer workflow (Temporal -> activity -> identity gRPC) for a sample of customers."""
    chosen = [c for c in customers if c.identifies][:sample]
    run_id = int(time.time())
    with progress(console) as bar:
        task = bar.add_task("segmenting via Temporal", total=len(chosen))

        async def one(customer: Customer) -> None:
            result: CustomerSegment = await client.execute_workflow(
                "SegmentCustomer", SegmentCustomerInput(customer.user_id), id=f"segment-{customer.user_id}-{run_id}",
                task_queue=TASK_QUEUE, result_type=CustomerSegment,
            )
            report.segments[(customer.market, result.segment)] += 1
            bar.advance(task)

        limit = asyncio.Semaphore(20)

        async def bounded(customer: Customer) -> None:
            async with limit:
                await one(customer)

        await asyncio.gather(*(bounded(c) for c in chosen))


async def entrant_scores(stub: identity_pb2_grpc.IdentityServiceStub, entrants: list[Customer]) -> list[float]:
    """The predictive trait batch scoring wrote on the entrants' profiles (what the journey branches on)."""
    reply = await stub.BatchGetProfiles(identity_pb2.BatchGetProfilesRequest(
        lookups=[_lookup(c.user_id) for c in entrants]), timeout=30)
    return [p.predictive[MODEL].score for p in reply.profiles if MODEL in p.predictive]


class _Clock:
    """Announces each stage and times it for the summary."""

    def __init__(self, report: DemoReport, console: Console) -> None:
        self.report, self.console = report, console

    def begin(self, number: int, title: str) -> float:
        self.console.rule(f"[bold]{number}. {title}", align="left")
        return time.perf_counter()

    def end(self, name: str, started: float) -> None:
        self.report.stage_seconds[name] = time.perf_counter() - started


async def run_demo(env: Mapping[str, str], customers: int, console: Console, entrants_limit: int = 300) -> DemoReport:
    """Runs the story against the stack described by ``env`` (LOOM_* client variables)."""
    report = DemoReport(customers=customers)
    people = make_customers(customers)
    token = env["LOOM_SERVICE_TOKEN"]
    run_key = time.strftime("%Y%m%dT%H%M%S")
    clock = _Clock(report, console)
    console.print(f"Synthetic customer base: {customers:,} customers in 5 markets, 120 days of history")
    client = await Client.connect(env["LOOM_TEMPORAL_ADDRESS"], namespace=env.get("LOOM_TEMPORAL_NAMESPACE", "default"))
    sink = WebhookSink()
    await sink.start()
    try:
        async with channel(env["LOOM_INGESTION_ADDR"], token) as ingest_ch, \
                channel(env["LOOM_IDENTITY_ADDR"], token) as identity_ch, \
                channel(env["LOOM_CONSENT_ADDR"], token) as consent_ch, \
                channel(env["LOOM_PREDICTION_ADDR"], token) as prediction_ch, \
                channel(env["LOOM_CREATIVE_ADDR"], token) as creative_ch, \
                channel(env["LOOM_FORWARDING_ADDR"], token) as forwarding_ch:
            ingestion = ingestion_pb2_grpc.IngestionServiceStub(ingest_ch)
            identity = identity_pb2_grpc.IdentityServiceStub(identity_ch)
            consent = consent_pb2_grpc.ConsentServiceStub(consent_ch)
            prediction = prediction_pb2_grpc.PredictionServiceStub(prediction_ch)
            creative = creative_pb2_grpc.CreativeServiceStub(creative_ch)
            forwarding = forwarding_pb2_grpc.ForwardingServiceStub(forwarding_ch)

            started = clock.begin(1, "Consent: customers' banner choices (consent service)")
            with stage("consent"):
                plan_task = asyncio.create_task(apply_plan(ingestion))
                await record_consent(consent, people, report.consent, console)
                await check_consent(consent, people, report.consent)
            clock.end("consent", started)

            started = clock.begin(2, "Data plan and ingestion (ingestion service -> NATS JetStream)")
            with stage("data plan"):
                plan, stored_at = await plan_task
                report.plan_id, report.plan_revision = plan.plan_id, plan.revision
                # Ingestion replicas pick up a changed plan within LOOM_PLAN_REFRESH_S (5 s).
                await asyncio.sleep(max(0.0, stored_at + 5.5 - time.monotonic()))
            with stage("ingestion"):
                await ingest(ingestion, people, report, console)
            clock.end("ingestion", started)

            started = clock.begin(3, "Profiles and segments (identity service, Temporal)")
            ledger = SimulatedOrders(Path(env["LOOM_HOME"]) / "demo" / "simulated_orders.json")
            if earlier := ledger.apply(people):
                console.print(f"  ground truth includes {earlier} orders simulated by earlier demo runs on this stack")
            with stage("profiles"):
                await check_profiles(identity, people, report, console)
            if report.profiles_matching_truth != report.profiles_checked:
                raise DemoStageError("profiles", f"only {report.profiles_matching_truth} of "
                                     f"{report.profiles_checked} profiles matched the ground truth in time; see the "
                                     "identity log")
            with stage("segments"):
                await segment(client, people, report, console)
            # The journey is set up now so the trigger has loaded it by the time customers abandon carts.
            with stage("journeys"):
                await route_to_sink(forwarding, sink, MARKET, report.journey)
                applied_at = await apply_journey(workflows_db_url(Path(env["LOOM_HOME"])), report.journey)
            clock.end("profiles", started)

            started = clock.begin(4, "Predictions: TrainModel and batch scoring (Temporal training queue)")
            entrants = [c for c in people if c.identifies and c.market == MARKET][:entrants_limit]
            with stage("predictions"):
                await train(prediction, client, report.model, console, run_key)
                await batch_score(prediction, report.model, console, run_key)
                report.model.scores = await entrant_scores(identity, entrants)
            clock.end("predictions", started)

            started = clock.begin(5, f"Creatives: factory run for {MARKET} and publishing (creative service)")
            with stage("creatives"):
                await creatives_stage(creative, report.creative, console)
            clock.end("creatives", started)

            started = clock.begin(6, "Journey: 'Cart Abandoned' -> consent -> prediction -> creative -> delivery")
            with stage("journeys"):
                await run_journey(ingestion, creative, client, sink, entrants, applied_at, report.journey, console,
                                  run_key, ledger=ledger)
            clock.end("journeys", started)
    finally:
        await sink.stop()
    return report


__all__ = ["DemoReport", "DemoStageError", "run_demo"]
