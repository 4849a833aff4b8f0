"""Cancelling an unpaid order in one SQL statement, like placing one (see placing.py).

The conditional UPDATE pending_payment -> cancelled decides who won (a payment, the
customer, staff and the timeout task may race); only the winner's statement goes on to
write the history, return the coupon, write order.cancelled, and, last, put the stock
back through `mall_give_stock` (migration 4: SKU rows locked in primary-key order in a
statement of their own) with stock.changed for each product. The timeout task cancels
thousands of orders a minute at peak, so this is one round trip instead of a dozen.
"""

from __future__ import annotations

from dataclasses import dataclass

import orjson
from tortoise import connections
from tortoise.backends.base.client import BaseDBAsyncClient

from mall.events import ADMIN_CHANNEL, CLAIM_LEASE, EventName, Recorded
from models import Order

_ORDER_COLUMNS = tuple(sorted(Order._meta.fields_db_projection.values()))

# Only event names, channel constants and the order columns are interpolated, never input.
_CANCEL = f"""
WITH
won AS (
    UPDATE orders o
    SET status = 'cancelled', cancelled_at = now(), cancel_reason = $2::text,
        stock_restored = true, updated_at = now()
    WHERE o.id = $1::bigint AND o.status = 'pending_payment'
    RETURNING o.*
),
history AS (
    INSERT INTO order_history (order_id, from_status, to_status, actor, note, created_at)
    SELECT w.id, 'pending_payment', 'cancelled', $3::text, $2::text, now() FROM won w
    RETURNING id
),
coupon AS (
    UPDATE user_coupons c SET state = 'claimed', order_id = NULL
    FROM won w WHERE c.order_id = w.id AND c.state = 'locked'
    RETURNING c.id
),
order_events AS (
    INSERT INTO outbox_events (channel, name, data, created_at, claimed_until)
    SELECT ch.channel, '{EventName.ORDER_CANCELLED}',
        jsonb_build_object(
            'order_id', w.id, 'order_no', w.order_no, 'status', w.status,
            'user_id', w.user_id, 'pay_amount', w.pay_amount, 'reason', $2::text
        ),
        now(), now() + make_interval(secs => $4::int)
    FROM won w,
        LATERAL (VALUES (1, 'user:' || w.user_id), (2, '{ADMIN_CHANNEL}')) AS ch(n, channel)
    ORDER BY ch.n
    RETURNING id, channel, name, data::text AS data, created_at
),
written AS MATERIALIZED (
    SELECT (SELECT count(*) FROM history) + (SELECT count(*) FROM coupon)
        + (SELECT count(*) FROM order_events) AS rows
),
lines AS MATERIALIZED (
    SELECT coalesce(array_agg(l.sku_id ORDER BY l.sku_id), '{{}}') AS sku_ids,
        coalesce(array_agg(l.quantity ORDER BY l.sku_id), '{{}}') AS quantities
    FROM (
        SELECT i.sku_id, sum(i.quantity)::int AS quantity
        FROM order_items i JOIN won w ON i.order_id = w.id
        GROUP BY i.sku_id
    ) l
),
restored AS MATERIALIZED (
    SELECT t.sku_id, t.product_id, t.stock
    FROM lines l, written r, mall_give_stock(l.sku_ids, l.quantities, r.rows > 0) AS t
),
stock_events AS (
    INSERT INTO outbox_events (channel, name, data, created_at, claimed_until)
    SELECT 'product:' || t.product_id, '{EventName.STOCK_CHANGED}',
        jsonb_build_object(
            'product_id', t.product_id,
            'skus', jsonb_agg(
                jsonb_build_object('sku_id', t.sku_id, 'stock', t.stock) ORDER BY t.sku_id
            ),
            'reason', 'cancel'
        ),
        now(), now() + make_interval(secs => $4::int)
    FROM restored t
    GROUP BY t.product_id
    ORDER BY min(t.sku_id)
    RETURNING id, channel, name, data::text AS data, created_at
)
SELECT
    {", ".join(f'w."{column}" AS "o_{column}"' for column in _ORDER_COLUMNS)},
    (SELECT array_agg(row(e.id, e.channel, e.name, e.data, e.created_at) ORDER BY e.id)
        FROM (SELECT * FROM order_events UNION ALL SELECT * FROM stock_events) e) AS events,
    (SELECT array_agg(t.product_id) FROM restored t) AS product_ids
FROM (SELECT 1) AS one
LEFT JOIN won w ON true
"""  # noqa: S608


@dataclass(frozen=True)
class Cancelled:
    order: Order
    events: list[Recorded]
    product_ids: set[int]


async def cancel_pending(
    conn: BaseDBAsyncClient | None, *, order_id: int, reason: str, actor: str
) -> Cancelled | None:
    """Cancel the order if it is still pending payment; None if it is not (someone won).

    `conn` is a transaction to run in (staff cancels, with their audit row), or None: the
    statement commits on its own (the timeout task's path, one round trip).
    """
    client = conn or connections.get("default")
    rows = await client.execute_query_dict(
        _CANCEL, [order_id, reason, actor, int(CLAIM_LEASE.total_seconds())]
    )
    row = rows[0]
    if row["o_id"] is None:
        return None
    order = Order._init_from_db(**{column: row[f"o_{column}"] for column in _ORDER_COLUMNS})
    return Cancelled(
        order=order,
        events=[
            Recorded(id=i, channel=c, name=n, data=orjson.loads(d), created_at=at)
            for i, c, n, d, at in row["events"] or []
        ],
        product_ids=set(row["product_ids"] or []),
    )
