"""Shop figures computed in SQL, by the shop's calendar day (Asia/Shanghai)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from tortoise import connections

SHOP_TZ_NAME = "Asia/Shanghai"
SHOP_TZ = ZoneInfo(SHOP_TZ_NAME)
COUNTED_AS_SOLD = ("paid", "shipped", "completed", "refunding")


def shop_today(now: datetime | None = None) -> date:
    return (now or datetime.now(UTC)).astimezone(SHOP_TZ).date()


def day_start_utc(day: date) -> datetime:
    """The UTC instant a shop-local day begins."""
    return datetime.combine(day, time.min, tzinfo=SHOP_TZ).astimezone(UTC)


async def _rows(sql: str, params: list[Any]) -> list[dict[str, Any]]:
    return await connections.get("default").execute_query_dict(sql, params)


async def overview(*, now: datetime | None = None, low_stock_threshold: int) -> dict[str, Any]:
    """Today's orders and takings, and what waits for staff."""
    today = shop_today(now)
    start, end = day_start_utc(today), day_start_utc(today + timedelta(days=1))
    (row,) = await _rows(
        """
        SELECT
          (SELECT count(*) FROM orders WHERE created_at >= $1 AND created_at < $2) AS orders_today,
          (SELECT count(*) FROM orders WHERE paid_at >= $1 AND paid_at < $2) AS paid_orders_today,
          (SELECT coalesce(sum(pay_amount), 0) FROM orders
             WHERE paid_at >= $1 AND paid_at < $2) AS paid_amount_today,
          (SELECT coalesce(sum(amount), 0) FROM refund_requests
             WHERE status = 'refunded' AND updated_at >= $1 AND updated_at < $2)
             AS refunded_amount_today,
          (SELECT count(*) FROM orders WHERE status = 'pending_payment') AS pending_payment,
          (SELECT count(*) FROM orders WHERE status = 'paid') AS pending_shipment,
          (SELECT count(*) FROM refund_requests WHERE status IN ('requested', 'failed'))
             AS pending_refunds,
          (SELECT count(*) FROM users
             WHERE created_at >= $1 AND created_at < $2) AS new_users_today,
          (SELECT count(*) FROM skus s JOIN products p ON p.id = s.product_id
             WHERE s.archived_at IS NULL AND p.archived_at IS NULL AND p.on_sale
               AND s.stock < $3) AS low_stock_skus
        """,
        [start, end, low_stock_threshold],
    )
    return {
        "date": today.isoformat(),
        "timezone": SHOP_TZ_NAME,
        **{k: int(v) for k, v in row.items()},
    }


async def sales(*, days: int, now: datetime | None = None) -> list[dict[str, Any]]:
    """Per shop-local day, oldest first: orders placed, orders paid, money in and out."""
    last = shop_today(now)
    first = last - timedelta(days=days - 1)
    rows = await _rows(
        """
        WITH days AS (
          SELECT generate_series($1::date, $2::date, interval '1 day')::date AS day
        ),
        placed AS (
          SELECT (created_at AT TIME ZONE $4)::date AS day, count(*) AS n
          FROM orders WHERE created_at >= $3 GROUP BY 1
        ),
        paid AS (
          SELECT (paid_at AT TIME ZONE $4)::date AS day, count(*) AS n, sum(pay_amount) AS amount
          FROM orders WHERE paid_at >= $3 GROUP BY 1
        ),
        refunded AS (
          SELECT (updated_at AT TIME ZONE $4)::date AS day, sum(amount) AS amount
          FROM refund_requests WHERE status = 'refunded' AND updated_at >= $3 GROUP BY 1
        )
        SELECT d.day, coalesce(placed.n, 0) AS orders, coalesce(paid.n, 0) AS paid_orders,
               coalesce(paid.amount, 0) AS paid_amount,
               coalesce(refunded.amount, 0) AS refunded_amount
        FROM days d
        LEFT JOIN placed USING (day) LEFT JOIN paid USING (day) LEFT JOIN refunded USING (day)
        ORDER BY d.day
        """,
        [first, last, day_start_utc(first), SHOP_TZ_NAME],
    )
    return [
        {
            "date": row["day"].isoformat(),
            "orders": int(row["orders"]),
            "paid_orders": int(row["paid_orders"]),
            "paid_amount": int(row["paid_amount"]),
            "refunded_amount": int(row["refunded_amount"]),
        }
        for row in rows
    ]


async def top_products(
    *, days: int, limit: int, now: datetime | None = None
) -> list[dict[str, Any]]:
    """Best sellers by units in orders paid (and not refunded) within the last `days` days."""
    since = day_start_utc(shop_today(now) - timedelta(days=days - 1))
    rows = await _rows(
        """
        SELECT i.product_id, max(i.title) AS title, sum(i.quantity) AS units,
               sum(i.quantity * i.price) AS amount, count(DISTINCT o.id) AS orders
        FROM order_items i JOIN orders o ON o.id = i.order_id
        WHERE o.paid_at >= $1 AND o.status = ANY($2::text[])
        GROUP BY i.product_id
        ORDER BY units DESC, amount DESC, i.product_id
        LIMIT $3
        """,
        [since, list(COUNTED_AS_SOLD), limit],
    )
    return [
        {
            "product_id": int(r["product_id"]),
            "title": r["title"],
            "units": int(r["units"]),
            "amount": int(r["amount"]),
            "orders": int(r["orders"]),
        }
        for r in rows
    ]
