"""Stage 6: a journey started by customers' events, deciding on consent and predictions, delivering for real.

The webhook sink stands in for the e-mail provider: forwarding routes the market's e-mail channel to it, so
every message that passed the journey's consent branch, the model's score, ChooseCreative and forwarding's
own consent check and delivery rules arrives there once (deduplicated by idempotency key).
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from google.protobuf import duration_pb2
from rich.console import Console
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from infra.demo.report import DemoStageError, JourneyNumbers, progress
from infra.demo.sink import WebhookSink
from infra.synthetic import Customer, completes_cart, order_event
from loom.creative.v1 import creative_pb2, creative_pb2_grpc
from loom.forwarding.v1 import forwarding_pb2 as fpb
from loom.forwarding.v1 import forwarding_pb2_grpc
from loom.ingestion.v1 import ingestion_pb2 as pb
from loom.ingestion.v1 import ingestion_pb2_grpc
from services.common.storage import Database
from workflows.journeys.measurement import uplift
from workflows.journeys.registry import JourneyRegistry, load_spec_file, migrate_journeys
from workflows.journeys.trigger import workflow_id
from workflows.journeys.types import JourneyOutcome

SPEC = Path(__file__).resolve().parents[2] / "workflows" / "journeys" / "examples" / "demo-cart-recovery.yaml"
DESTINATION = "demo-email-sink"
# The worker's trigger re-reads active journeys at most this often (JourneyTrigger.refresh_s, plus slack).
TRIGGER_REFRESH_S = 11.0
PATHS = {"offer": "offer (propensity >= 0.5)", "reminder": "reminder (lower propensity)"}
SILENT = "no message (consent)"
# The simulated customers answer no earlier than this after the entry events (the reminder goes out 4 s
# after entry) ...
RESPOND_AFTER_S = 6.0
# ... and once the sink has had no new message for this long (every send of the journey is out).
QUIET_S = 1.5


def _seconds(value: float) -> duration_pb2.Duration:
    return duration_pb2.Duration(seconds=int(value), nanos=int((value % 1) * 1e9))


async def route_to_sink(stub: forwarding_pb2_grpc.ForwardingServiceStub, sink: WebhookSink, market: str,
                        numbers: JourneyNumbers) -> None:
    """A webhook destination for the sink, and the market's e-mail channel routed to it (no quiet hours)."""
    destination = fpb.Destination(
        destination_id=DESTINATION, name="Demo e-mail provider (local webhook sink)",
        webhook=fpb.WebhookConfig(url=sink.url, timeout=_seconds(5)),
        # Journey messages only: no bus event matches, so history is not forwarded to the sink.
        mapping=fpb.Mapping(filter='event == "Demo Never Sent"'),
        required_purposes=["marketing_email"],
        retry=fpb.RetryPolicy(max_attempts=5, initial_backoff=_seconds(0.5), max_backoff=_seconds(5)))
    await stub.PutDestination(fpb.PutDestinationRequest(destination=destination), timeout=30)
    # The journey's send activity does not pass the market to SendMessage, so forwarding applies the "*"
    # rules; the market's own rules are set too so the route holds either way.
    for scope in (market, "*"):
        rules = fpb.DeliveryRules(market=scope, routes=[fpb.ChannelRoute(channel=fpb.CHANNEL_EMAIL,
                                                                         destination_id=DESTINATION)])
        await stub.PutDeliveryRules(fpb.PutDeliveryRulesRequest(rules=rules), timeout=30)
    numbers.destination_id = DESTINATION


async def apply_journey(db_url: str, numbers: JourneyNumbers) -> float:
    """Stores the spec in the journeys registry the worker's trigger reads; returns when (monotonic)."""
    db = Database.from_url(db_url, application_name="loom-demo")
    try:
        await migrate_journeys(db)
        registry = JourneyRegistry(db)
        applied = await registry.apply(load_spec_file(SPEC), source=str(SPEC.name))
        record = await registry.set_state(applied.journey_id, "active")
    finally:
        await db.dispose()
    numbers.journey_id, numbers.version = record.journey_id, applied.version
    return time.monotonic()


def cart_events(entrants: list[Customer], run_key: str) -> list[pb.Event]:
    """One abandoned cart per entrant, as the shop's app reports it."""
    events = []
    for i, customer in enumerate(entrants):
        event = pb.Event(message_id=f"demo-cart-{run_key}-{customer.user_id}", type=pb.EVENT_TYPE_TRACK,
                         event="Cart Abandoned", user_id=customer.user_id, anonymous_id=customer.anonymous_id,
                         market=customer.market)
        event.properties.update({"cart_value": 40.0 + (i % 7) * 15, "items": 1 + i % 3})
        event.timestamp.FromDatetime(datetime.now(UTC))
        events.append(event)
    return events


async def _outcome(client: Client, journey_id: str, user_id: str, since: datetime,
                   deadline: float) -> JourneyOutcome:
    """The outcome of the customer's run that entered after ``since`` (earlier demo runs left older ones)."""
    handle = client.get_workflow_handle(workflow_id(journey_id, user_id), result_type=JourneyOutcome)
    while True:
        try:
            outcome = await handle.result()
            if datetime.fromisoformat(outcome.entered_at) >= since:
                return outcome
        except RPCError as exc:
            if exc.status != RPCStatusCode.NOT_FOUND:
                raise
        if time.monotonic() > deadline:
            raise DemoStageError("journeys", f"no journey run for {user_id} finished in time; the trigger may be "
                                 "behind (see the worker log)")
        await asyncio.sleep(0.5)


async def run_journey(ingestion: ingestion_pb2_grpc.IngestionServiceStub,
                      creative: creative_pb2_grpc.CreativeServiceStub, client: Client, sink: WebhookSink,
                      entrants: list[Customer], applied_at: float, numbers: JourneyNumbers, console: Console,
                      run_key: str, timeout_s: float = 180.0, ledger: SimulatedOrders | None = None) -> None:
    """Sends the entry events, follows every customer's workflow to its outcome, then counts deliveries."""
    started = time.perf_counter()
    wait = applied_at + TRIGGER_REFRESH_S - time.monotonic()
    if wait > 0:
        console.print(f"  waiting {wait:.0f} s for the journey trigger to load the new journey ...")
        await asyncio.sleep(wait)
    since = datetime.now(UTC).replace(microsecond=0)
    reply = await ingestion.IngestBatch(pb.IngestBatchRequest(events=cart_events(entrants, run_key)), timeout=30)
    refused = [r for r in reply.results if r.status not in (pb.EVENT_STATUS_ACCEPTED, pb.EVENT_STATUS_DUPLICATE)]
    if refused:
        raise DemoStageError("journeys", f"{len(refused)} entry events were not accepted, e.g. "
                             f"{pb.EventStatus.Name(refused[0].status)} {list(refused[0].violations)[:1]}")
    numbers.entered = len(entrants)
    deadline = time.monotonic() + timeout_s
    outcomes: list[JourneyOutcome] = []
    with progress(console) as bar:
        task = bar.add_task("journeys (Temporal)", total=len(entrants))

        async def follow(customer: Customer) -> None:
            outcomes.append(await _outcome(client, numbers.journey_id, customer.user_id, since, deadline))
            bar.advance(task)

        await asyncio.gather(simulate_responses(ingestion, sink, entrants, numbers, run_key, ledger,
                                                client=client, since=since),
                             *(follow(c) for c in entrants))
    for outcome in outcomes:
        numbers.groups[outcome.group] += 1
        numbers.exits[outcome.exit_reason] += 1
        numbers.sends += outcome.sends
    treated_silent = sum(1 for o in outcomes if o.group == "treatment" and o.sends == 0)
    with progress(console) as bar:
        task = bar.add_task("deliveries to the sink", total=numbers.sends)
        while len(sink.messages(numbers.journey_id)) < numbers.sends and time.monotonic() < deadline:
            bar.update(task, completed=len(sink.messages(numbers.journey_id)))
            await sink.wait_for(numbers.journey_id, numbers.sends, timeout_s=1.0)
        bar.update(task, completed=len(sink.messages(numbers.journey_id)))
    received = sink.messages(numbers.journey_id)
    numbers.delivered = len(received)
    numbers.by_step = sink.by_step(numbers.journey_id)
    for step, count in numbers.by_step.items():
        numbers.paths[PATHS.get(step, step)] += count
    numbers.paths[SILENT] = treated_silent
    step_of = messaged_step(sink, numbers.journey_id)
    numbers.steps = {c.user_id: step_of[c.email.lower()] for c in entrants if c.email.lower() in step_of}
    measure(outcomes, numbers)
    await _count_creatives(creative, received, numbers)
    numbers.seconds = time.perf_counter() - started
    if numbers.delivered < numbers.sends:
        raise DemoStageError("journeys", f"forwarding accepted {numbers.sends} messages but the sink received "
                             f"{numbers.delivered} within {timeout_s:.0f} s; see `loom dlq list` and the "
                             "forwarding log")


@dataclass
class SimulatedOrders:
    """The orders earlier demo runs simulated, per customer, kept in LOOM_HOME next to the data they created.

    The profile check compares every profile with the synthetic ground truth; an order a previous run's
    journey stage added is part of that customer's truth from then on, so a second `make demo` on the same
    stack still matches exactly.
    """

    path: Path

    def load(self) -> dict[str, list[int]]:
        """user_id -> [orders, revenue_micros]."""
        return json.loads(self.path.read_text()) if self.path.exists() else {}

    def apply(self, customers: list[Customer]) -> int:
        """Adds earlier runs' simulated orders to the customers' ground truth; returns how many."""
        earlier = self.load()
        total = 0
        for customer in customers:
            orders, revenue = earlier.get(customer.user_id, (0, 0))
            customer.orders += orders
            customer.revenue_micros += revenue
            total += orders
        return total

    def record(self, orders: list[pb.Event]) -> None:
        """Adds orders accepted by ingestion (written atomically)."""
        ledger = self.load()
        for order in orders:
            entry = ledger.setdefault(order.user_id, [0, 0])
            entry[0] += 1
            entry[1] += order.commerce.revenue.amount_micros
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(ledger, sort_keys=True))
        os.replace(tmp, self.path)


def messaged_step(sink: WebhookSink, journey_id: str) -> dict[str, str]:
    """Lower-cased e-mail address -> the journey step whose message reached the sink."""
    return {str(p.get("to", "")).lower(): str(p.get("step_id", "")) for p in sink.messages(journey_id)}


async def _all_entered(client: Client, journey_id: str, entrants: list[Customer], since: datetime,
                       deadline: float) -> None:
    """Waits until every entrant has a journey run started after ``since``."""
    waiting = list(entrants)
    while waiting and time.monotonic() < deadline:
        still = []
        for customer in waiting:
            try:
                info = await client.get_workflow_handle(workflow_id(journey_id, customer.user_id)).describe()
                if info.start_time < since:
                    still.append(customer)
            except RPCError as exc:
                if exc.status != RPCStatusCode.NOT_FOUND:
                    raise
                still.append(customer)
        waiting = still
        if waiting:
            await asyncio.sleep(0.5)


async def simulate_responses(ingestion: ingestion_pb2_grpc.IngestionServiceStub, sink: WebhookSink,
                             entrants: list[Customer], numbers: JourneyNumbers, run_key: str,
                             ledger: SimulatedOrders | None = None, *, client: Client, since: datetime) -> None:
    """The customers' side: some complete their order, more often when a message reached them.

    Simulated behaviour (``infra.synthetic.completes_cart``), sent as real "Order Completed" events through
    ingestion; the journey's workflows learn of them only the way production ones would, through the bus
    and the trigger, and count them against the goal.
    """
    await asyncio.sleep(RESPOND_AFTER_S)
    # Answer once every send is out and every entrant is in the journey, so each order meets a running
    # workflow and a message that reached the customer counts however late the trigger or the send was.
    deadline = time.monotonic() + 60.0
    seen, quiet_since = -1, time.monotonic()
    while time.monotonic() < deadline:
        count = len(sink.messages(numbers.journey_id))
        if count != seen:
            seen, quiet_since = count, time.monotonic()
        elif time.monotonic() - quiet_since >= QUIET_S:
            break
        await asyncio.sleep(0.25)
    await _all_entered(client, numbers.journey_id, entrants, since, deadline)
    step_of = messaged_step(sink, numbers.journey_id)
    rng = random.Random(run_key)
    orders = []
    for customer in entrants:
        step = step_of.get(customer.email.lower(), "")
        if completes_cart(rng, customer, step):
            order = order_event(rng, customer, datetime.now(UTC))
            order.message_id = f"demo-order-{run_key}-{customer.user_id}"
            orders.append(order)
    if orders:
        reply = await ingestion.IngestBatch(pb.IngestBatchRequest(events=orders), timeout=30)
        refused = [r for r in reply.results if r.status != pb.EVENT_STATUS_ACCEPTED]
        if ledger is not None:
            ledger.record([o for o, r in zip(orders, reply.results, strict=True)
                           if r.status == pb.EVENT_STATUS_ACCEPTED])
        if refused:
            raise DemoStageError("journeys", f"{len(refused)} simulated orders were not accepted, e.g. "
                                 f"{pb.EventStatus.Name(refused[0].status)} {list(refused[0].violations)[:1]}")
    numbers.orders = len(orders)


def measure(outcomes: list[JourneyOutcome], numbers: JourneyNumbers) -> None:
    """Conversions per path as the workflows recorded them, and the uplift of treatment over the holdout."""
    for outcome in outcomes:
        if outcome.group == "treatment":
            step = numbers.steps.get(outcome.user_id, "")
            path = PATHS.get(step, step) if outcome.sends and step else SILENT
        else:
            path = outcome.group
        numbers.path_customers[path] += 1
        numbers.conversions[path] += int(outcome.converted)
    treated = [o for o in outcomes if o.group == "treatment"]
    control = [o for o in outcomes if o.group != "treatment"]
    numbers.uplift = uplift("*", len(treated), sum(o.converted for o in treated),
                            len(control), sum(o.converted for o in control))


async def _count_creatives(stub: creative_pb2_grpc.CreativeServiceStub, received: list[dict[str, Any]],
                           numbers: JourneyNumbers) -> None:
    """Which creatives ChooseCreative picked, named by category and language."""
    names: dict[str, str] = {}
    for payload in received:
        asset_id = str(payload.get("creative_id", ""))
        if asset_id and asset_id not in names:
            asset = (await stub.GetAsset(creative_pb2.GetAssetRequest(asset_id=asset_id), timeout=30)).asset
            names[asset_id] = f"{asset.category} ({asset.touchpoint}, {asset_id[:20]})"
        numbers.creatives[names.get(asset_id, "(none)")] += 1
