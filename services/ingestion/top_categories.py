"""Top categories by sales per market from the event archive (the creative factory's trend input).

Sales are "Order Completed" events with revenue, grouped by their main category. Growth compares the window
with the window of equal length just before it; risers are ranked by growth among categories with enough
orders in both windows that a jump from 1 to 3 orders does not top the list.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from loom.ingestion.v1 import ingestion_pb2 as pb
from services.common.errors import Violations
from services.common.storage import Database
from services.ingestion.tables import event_archive

ORDER_EVENT = "Order Completed"
DEFAULT_LIMIT = 30
MAX_LIMIT = 200
DEFAULT_WINDOW = timedelta(days=7)
# A riser needs this many orders in each window to count.
RISER_MIN_ORDERS = 3


async def _sales(db: Database, market: str, start: datetime, end: datetime) -> tuple[dict[str, tuple[int, int]], str]:
    """(category -> (revenue_micros, orders), main currency) for one window."""
    a = event_archive.c
    revenue = func.sum(a.revenue_micros).label("revenue")
    orders = func.count().label("orders")
    stmt = (select(a.category, a.currency, revenue, orders)
            .where(a.market == market, a.event == ORDER_EVENT, a.ts >= start, a.ts < end,
                   a.category.is_not(None), a.revenue_micros.is_not(None))
            .group_by(a.category, a.currency))
    by_currency: dict[str, int] = {}
    rows = []
    async with db.connect() as conn:
        for row in await conn.execute(stmt):
            by_currency[row.currency] = by_currency.get(row.currency, 0) + int(row.orders)
            rows.append(row)
    # A market trades in one currency; orders in another (cross-border) are left out rather than summed.
    currency = max(by_currency, key=lambda c: (by_currency[c], c)) if by_currency else ""
    sales = {row.category: (int(row.revenue), int(row.orders)) for row in rows if row.currency == currency}
    return sales, currency


async def top_categories(db: Database, request: pb.TopCategoriesRequest) -> pb.TopCategoriesResponse:
    """Top categories and risers of a market over the request's window (default: the last 7 days)."""
    problems = Violations()
    if not request.market:
        problems.add("market", "is required (ISO 3166-1 alpha-2, e.g. 'SE')")
    if not 0 <= request.limit <= MAX_LIMIT:
        problems.add("limit", f"must be between 0 and {MAX_LIMIT}")
    end = request.window.end.ToDatetime(tzinfo=UTC) if request.window.HasField("end") else datetime.now(UTC)
    start = request.window.start.ToDatetime(tzinfo=UTC) if request.window.HasField("start") else end - DEFAULT_WINDOW
    if start >= end:
        problems.add("window", "start must be before end")
    problems.raise_if_any()
    limit = request.limit or DEFAULT_LIMIT
    current, currency = await _sales(db, request.market, start, end)
    previous, _ = await _sales(db, request.market, start - (end - start), start)

    def growth(category: str) -> float:
        before = previous.get(category, (0, 0))[0]
        now = current[category][0]
        return (now - before) / before if before else 0.0

    def entry(category: str) -> pb.CategorySales:
        revenue, orders = current[category]
        return pb.CategorySales(category=category, revenue_micros=revenue, orders=orders, growth=growth(category))

    ranked = sorted(current, key=lambda c: (-current[c][0], c))
    risers = [c for c in current
              if current[c][1] >= RISER_MIN_ORDERS and previous.get(c, (0, 0))[1] >= RISER_MIN_ORDERS]
    risers.sort(key=lambda c: (-growth(c), c))
    return pb.TopCategoriesResponse(top=[entry(c) for c in ranked[:limit]],
                                    risers=[entry(c) for c in risers[:limit] if growth(c) > 0],
                                    currency_code=currency)
