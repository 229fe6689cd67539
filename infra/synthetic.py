"""A realistic synthetic customer base and its event history, reproducible from a seed.

Customers live in markets with their own currency and time zone, browse anonymously before they sign
in, prefer a few categories (Zipf-like), buy at a personal rate, and some go quiet. The generator knows
the ground truth (who is who, what they bought), so tests and the demo can check what Loom derived.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from loom.common.v1 import common_pb2
from loom.ingestion.v1 import ingestion_pb2 as pb

MARKETS = {
    "SE": ("SEK", "Europe/Stockholm", "sv-SE"),
    "DE": ("EUR", "Europe/Berlin", "de-DE"),
    "GB": ("GBP", "Europe/London", "en-GB"),
    "US": ("USD", "America/New_York", "en-US"),
    "NL": ("EUR", "Europe/Amsterdam", "nl-NL"),
}
CATEGORIES = [
    "shoes/sneakers", "shoes/boots", "fashion/dresses", "fashion/jackets", "beauty/skincare", "beauty/makeup",
    "home/kitchen", "home/decor", "electronics/headphones", "electronics/phones", "sports/running",
    "sports/outdoor", "kids/toys", "kids/clothing", "bags/handbags", "watches", "jewellery", "books",
    "garden", "pets",
]
# Typical basket value per category, in units of the market's currency (SEK-scaled for SE).
PRICE = {c: 20 + 15 * (i % 7) for i, c in enumerate(CATEGORIES)}
PRICE_SCALE = {"SEK": 10.0, "EUR": 1.0, "GBP": 0.85, "USD": 1.1}
FIRST_NAMES = ["Ada", "Bo", "Chen", "Dara", "Elif", "Finn", "Greta", "Hugo", "Ines", "Jonas", "Kai", "Lina",
               "Mads", "Nora", "Omar", "Pia", "Quinn", "Rosa", "Sami", "Tove"]


@dataclass
class Customer:
    """Ground truth of one synthetic customer."""

    user_id: str
    anonymous_id: str
    email: str
    market: str
    favourite: list[str]
    orders_per_month: float
    identifies: bool
    churned: bool
    orders: int = 0
    revenue_micros: int = 0
    category_orders: dict[str, int] = field(default_factory=dict)


def make_customers(count: int, seed: int = 7) -> list[Customer]:
    """``count`` customers with varied markets, tastes and buying rates."""
    rng = random.Random(seed)
    customers = []
    weights = [1 / (i + 1) ** 1.1 for i in range(len(CATEGORIES))]
    for i in range(count):
        market = rng.choices(list(MARKETS), weights=[3, 3, 2, 2, 1])[0]
        favourite = list(dict.fromkeys(rng.choices(CATEGORIES, weights=weights, k=3)))
        name = rng.choice(FIRST_NAMES)
        customers.append(
            Customer(
                user_id=f"cust-{i:06d}",
                anonymous_id=str(uuid.UUID(int=rng.getrandbits(128))),
                email=f"{name.lower()}.{i}@example.{market.lower()}",
                market=market,
                favourite=favourite,
                orders_per_month=rng.lognormvariate(-0.3, 0.8),
                identifies=rng.random() < 0.85,
                churned=rng.random() < 0.15,
            )
        )
    return customers


def _event(rng: random.Random, customer: Customer, kind: int, when: datetime, identified: bool) -> pb.Event:
    currency, tz, locale = MARKETS[customer.market]
    event = pb.Event(
        message_id=str(uuid.UUID(int=rng.getrandbits(128))),
        type=kind,
        anonymous_id=customer.anonymous_id,
        user_id=customer.user_id if identified else "",
        market=customer.market,
        context=pb.EventContext(timezone=tz, locale=locale, ip=f"83.{rng.randint(1, 254)}.{rng.randint(0, 255)}.7",
                                app=pb.AppContext(name="shop", version="5.2.0")),
    )
    event.timestamp.FromDatetime(when)
    return event


def history(customers: list[Customer], days: int = 120, seed: int = 11,
            end: datetime | None = None) -> Iterator[pb.Event]:
    """Every customer's events over ``days`` days, customer by customer, in time order per customer.

    Events carry no ``sent_at``: this is a backfill of history, and ingestion's clock-skew correction would
    otherwise move every event to the moment it was sent. Updates each customer's ground truth as it goes.
    """
    rng = random.Random(seed)
    end = end or datetime.now(UTC).replace(microsecond=0)
    start = end - timedelta(days=days)
    for customer in customers:
        t = start + timedelta(hours=rng.uniform(0, 24 * 14))
        for _ in range(rng.randint(1, 4)):
            page = _event(rng, customer, pb.EVENT_TYPE_PAGE, t, identified=False)
            page.event = rng.choice(["Home", "Category", "Product", "Search"])
            yield page
            t += timedelta(minutes=rng.uniform(1, 30))
        identified = False
        if customer.identifies:
            ident = _event(rng, customer, pb.EVENT_TYPE_IDENTIFY, t, identified=True)
            ident.traits.update({"email": customer.email, "first_name": customer.email.split(".")[0].title(),
                                 "market": customer.market})
            yield ident
            identified = True
        horizon = end - timedelta(days=rng.uniform(60, 100)) if customer.churned else end
        rate_per_day = customer.orders_per_month / 30
        while True:
            t += timedelta(days=rng.expovariate(rate_per_day) if rate_per_day > 0 else days)
            if t >= horizon:
                break
            yield order_event(rng, customer, t, identified=identified)


def order_event(rng: random.Random, customer: Customer, when: datetime, identified: bool = True) -> pb.Event:
    """One "Order Completed" of the customer (mostly a favourite category); updates the ground truth."""
    currency = MARKETS[customer.market][0]
    category = rng.choice(customer.favourite) if rng.random() < 0.8 else rng.choice(CATEGORIES)
    amount = round(PRICE[category] * PRICE_SCALE[currency] * rng.uniform(0.6, 1.8), 2)
    micros = int(amount * 1_000_000)
    order = _event(rng, customer, pb.EVENT_TYPE_TRACK, when, identified=identified)
    order.event = "Order Completed"
    order.commerce.CopyFrom(pb.Commerce(
        order_id=order.message_id[:12], category=category,
        revenue=common_pb2.Money(currency_code=currency, amount_micros=micros),
        payment_method=rng.choice(["card", "invoice", "bnpl"]),
        products=[pb.Product(product_id=f"{category}-{rng.randint(1, 40)}", category=category, quantity=1,
                             price=common_pb2.Money(currency_code=currency, amount_micros=micros))],
    ))
    customer.orders += 1
    customer.revenue_micros += micros
    customer.category_orders[category] = customer.category_orders.get(category, 0) + 1
    return order


# Simulated response to a journey message: added chance that a customer who abandoned a cart completes an
# order within the journey's goal window, by the step that messaged them. Loom does not know these numbers;
# the journey's holdout has to find the effect.
MESSAGE_LIFT = {"offer": 0.30, "reminder": 0.15}


def completes_cart(rng: random.Random, customer: Customer, messaged_by: str = "") -> bool:
    """Simulated behaviour: whether an abandoned cart turns into an order within a short window.

    Frequent buyers come back on their own more often (what the propensity model learns from history);
    customers who went quiet rarely do; a message adds ``MESSAGE_LIFT`` of its step on top.
    """
    organic = min(0.45, 0.04 + 0.18 * customer.orders_per_month) * (0.35 if customer.churned else 1.0)
    return rng.random() < min(0.95, organic + MESSAGE_LIFT.get(messaged_by, 0.0))


def batches(events: Iterator[pb.Event], size: int = 500) -> Iterator[list[pb.Event]]:
    """Groups events into batches of at most ``size``."""
    batch: list[pb.Event] = []
    for event in events:
        batch.append(event)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch
