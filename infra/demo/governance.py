"""Stages 1 and 2: customers' consent choices and the shop's data plan, both in force before any event.

Consent is recorded first so ingestion tags every event with the choices in force, the training workflow
leaves out who refused profiling, and forwarding suppresses messages to who refused marketing e-mail.
"""

from __future__ import annotations

import asyncio
import json
import random
import time
from collections import Counter

from rich.console import Console

from infra.demo.report import ConsentNumbers, progress
from infra.synthetic import Customer
from loom.common.v1 import common_pb2
from loom.consent.v1 import consent_pb2, consent_pb2_grpc
from loom.ingestion.v1 import ingestion_pb2 as pb
from loom.ingestion.v1 import ingestion_pb2_grpc

# Every purpose the story touches: tagging at ingest, profiling for the model, e-mail for the journey.
PURPOSES = ("analytics", "personalisation", "profiling", "marketing_email")
# The seeded US policy is opt-out (CCPA-style): no record means yes; the EU/UK markets are opt-in.
OPT_OUT_MARKETS = frozenset({"US"})
PLAN_ID = "demo-shop"
# Events the journey stage sends; the plan declares them so a malformed one is caught.
CART_SCHEMA = {"type": "object", "required": ["cart_value"],
               "properties": {"cart_value": {"type": "number", "minimum": 0}, "items": {"type": "integer"}}}


def choice_of(customer: Customer, rng: random.Random) -> dict[str, bool] | None:
    """A customer's recorded choice, or None when they never answered the consent banner."""
    roll = rng.random()
    if customer.market in OPT_OUT_MARKETS:
        # Most never answer (the default allows); some use their right to opt out of marketing and sale.
        if roll < 0.8:
            return None
        return {"marketing_email": False, "data_sale": False}
    if roll < 0.72:
        return dict.fromkeys(PURPOSES, True)
    if roll < 0.88:
        return {"analytics": True, "personalisation": True, "profiling": True, "marketing_email": False}
    if roll < 0.94:
        return {"analytics": True, "personalisation": False, "profiling": False, "marketing_email": False}
    return None


def label(choice: dict[str, bool] | None, market: str) -> str:
    """The summary's name for a choice."""
    if choice is None:
        return "no record (default allows)" if market in OPT_OUT_MARKETS else "no record (opt-in: denied)"
    if market in OPT_OUT_MARKETS:
        return "opted out of marketing"
    if all(choice.values()):
        return "granted all"
    return "refused e-mail" if choice.get("profiling") else "refused all but analytics"


def identifiers(customer: Customer) -> list[common_pb2.Identifier]:
    """Everything the shop knows about the customer; consent matches a person by any of them."""
    return [common_pb2.Identifier(type="user_id", value=customer.user_id),
            common_pb2.Identifier(type="email", value=customer.email),
            common_pb2.Identifier(type="anonymous_id", value=customer.anonymous_id)]


async def record_consent(stub: consent_pb2_grpc.ConsentServiceStub, customers: list[Customer],
                         numbers: ConsentNumbers, console: Console, seed: int = 5) -> None:
    """Records each customer's banner choice (SetConsent, idempotent per customer) with bounded concurrency."""
    rng = random.Random(seed)
    planned = [(c, choice_of(c, rng)) for c in customers]
    for customer, choice in planned:
        numbers.choices.setdefault(customer.market, Counter())[label(choice, customer.market)] += 1
    to_record = [(c, ch) for c, ch in planned if ch is not None]
    gate = asyncio.Semaphore(16)
    with progress(console) as bar:
        task = bar.add_task("recording consent", total=len(to_record))

        async def one(customer: Customer, choice: dict[str, bool]) -> None:
            async with gate:
                await stub.SetConsent(consent_pb2.SetConsentRequest(
                    identifiers=identifiers(customer), market=customer.market, purposes=choice,
                    source="web:consent-banner", idempotency_key=f"demo-banner-{customer.user_id}"), timeout=30)
            numbers.records += 1
            bar.advance(task)

        await asyncio.gather(*(one(c, ch) for c, ch in to_record))


async def check_consent(stub: consent_pb2_grpc.ConsentServiceStub, customers: list[Customer],
                        numbers: ConsentNumbers) -> None:
    """Asks the consent service what it now allows (BatchCheckPurposes, 1000 people a call)."""
    for start in range(0, len(customers), 1000):
        chunk = customers[start:start + 1000]
        reply = await stub.BatchCheckPurposes(consent_pb2.BatchCheckPurposesRequest(
            subjects=[consent_pb2.SubjectCheck(identifiers=identifiers(c), market=c.market) for c in chunk],
            purpose_ids=list(PURPOSES)), timeout=60)
        for result in reply.results:
            for decision in result.decisions:
                numbers.allowed[decision.purpose_id] += int(decision.allowed)
        numbers.checked += len(chunk)


def shop_plan() -> pb.DataPlan:
    """The shop's tracking plan: unplanned or malformed track events are quarantined for a look."""
    plan = pb.DataPlan(plan_id=PLAN_ID, unplanned_mode=pb.PLAN_MODE_QUARANTINE,
                       violation_mode=pb.PLAN_MODE_QUARANTINE)
    plan.events.add(name="Order Completed", version=1, description="checkout finished; commerce carries the order",
                    properties_schema_json=json.dumps({"type": "object"}))
    plan.events.add(name="Cart Abandoned", version=1, description="a cart left for 30 minutes",
                    properties_schema_json=json.dumps(CART_SCHEMA))
    plan.events.add(name="Account Closed", version=1, description="the customer closed their account",
                    properties_schema_json=json.dumps({"type": "object"}))
    return plan


async def apply_plan(stub: ingestion_pb2_grpc.IngestionServiceStub) -> tuple[pb.DataPlan, float]:
    """Puts the plan; returns it and when it was stored (replicas reload plans within LOOM_PLAN_REFRESH_S)."""
    reply = await stub.PutDataPlan(pb.PutDataPlanRequest(plan=shop_plan()), timeout=30)
    return reply.plan, time.monotonic()


def sloppy_events() -> list[pb.Event]:
    """What a careless release of the shop's app sends: a misspelt event and a cart with a text value."""
    events = []
    for i in range(6):
        events.append(pb.Event(message_id=f"demo-typo-{i}", type=pb.EVENT_TYPE_TRACK, event="Order Complete",
                               user_id="cust-sloppy", market="SE"))
    for i in range(4):
        bad = pb.Event(message_id=f"demo-badcart-{i}", type=pb.EVENT_TYPE_TRACK, event="Cart Abandoned",
                       user_id="cust-sloppy", market="SE")
        bad.properties.update({"cart_value": "lots"})
        events.append(bad)
    return events
