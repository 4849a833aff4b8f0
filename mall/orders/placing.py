"""Placing an order in one SQL statement: stock, coupon, key, order, items, history, events.

A hot SKU's buyers queue on its row lock, and the lock is held from the decrement until
COMMIT. With a transaction driven from Python, every statement after the decrement and the
COMMIT itself wait for the event loop to come back to this request, which under load takes
milliseconds per step; a flash sale then runs at the pace of the busiest event loop. Here
the whole order is one statement (data-modifying CTEs, run as one implicit transaction),
so the lock is held only while PostgreSQL executes and commits it.

Order of work inside the statement (each step reads the previous one, so it runs after it):
1. `locked`: the SKUs, `FOR UPDATE` in primary-key order (one lock order for every order,
   so two orders sharing SKUs cannot deadlock), with the stock they have now.
2. `short`: lines the stock cannot cover (or SKUs archived meanwhile). If there is one,
   nothing below writes anything.
3. `coupon`: the chosen coupon, locked, if it is still the customer's, claimed and valid.
4. `claim`: the Idempotency-Key, stored with the order id; a concurrent request with the
   same key waits here for the first one and then finds the key taken.
5. Only if all of that holds: decrement, insert the order, its items and history, lock the
   coupon to it, remove the ordered cart lines, and write the outbox events (claimed for
   the publisher at insert, so publishing needs no claiming UPDATE).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
from tortoise import connections

from mall.events import ADMIN_CHANNEL, CLAIM_LEASE, EventName, Recorded, user_channel
from mall.orders.pricing import PricedLine

# Only the event names and channel constants below are interpolated, never input.
_PLACE = f"""
WITH
new_order AS MATERIALIZED (SELECT nextval('orders_id_seq') AS id),
wanted AS MATERIALIZED (
    SELECT * FROM unnest($1::bigint[], $2::int[], $3::text[], $4::jsonb[])
        AS w(sku_id, quantity, title, specs)
),
locked AS MATERIALIZED (
    SELECT s.id, s.stock FROM skus s
    WHERE s.id = ANY($1::bigint[]) AND s.archived_at IS NULL
    ORDER BY s.id
    FOR UPDATE
),
short AS MATERIALIZED (
    SELECT w.sku_id, w.quantity, coalesce(k.stock, 0) AS available
    FROM wanted w LEFT JOIN locked k ON k.id = w.sku_id
    WHERE k.id IS NULL OR k.stock < w.quantity
),
coupon AS MATERIALIZED (
    SELECT c.id FROM user_coupons c
    WHERE c.id = $5::bigint AND c.user_id = $6::bigint AND c.state = 'claimed'
      AND c.valid_from <= now() AND c.valid_until > now()
      AND NOT EXISTS (SELECT 1 FROM short)
    FOR UPDATE
),
usable AS MATERIALIZED (
    SELECT NOT EXISTS (SELECT 1 FROM short)
       AND ($5::bigint IS NULL OR EXISTS (SELECT 1 FROM coupon)) AS ok
),
claim AS (
    INSERT INTO idempotency_keys (user_id, key, order_id, created_at)
    SELECT $6::bigint, $7::text, n.id, now() FROM new_order n
    WHERE $7::text IS NOT NULL AND (SELECT ok FROM usable)
    ON CONFLICT (user_id, key) DO NOTHING
    RETURNING order_id
),
go AS MATERIALIZED (
    SELECT (SELECT ok FROM usable)
       AND ($7::text IS NULL OR EXISTS (SELECT 1 FROM claim)) AS ok
),
taken AS (
    UPDATE skus s SET stock = s.stock - w.quantity, updated_at = now()
    FROM wanted w
    WHERE s.id = w.sku_id AND (SELECT ok FROM go)
    RETURNING s.id AS sku_id, s.product_id, s.stock, w.quantity, w.title, w.specs
),
placed AS (
    INSERT INTO orders (
        id, created_at, updated_at, order_no, user_id, status, goods_amount, freight_amount,
        discount_amount, pay_amount, address, remark, user_coupon_id, expires_at,
        stock_restored
    )
    SELECT n.id, now(), now(), $8::text, $6::bigint, 'pending_payment', $9::bigint,
        $10::bigint, $11::bigint, $12::bigint, $13::jsonb, $14::text, $5::bigint,
        now() + make_interval(secs => $15::int), false
    FROM new_order n
    WHERE (SELECT ok FROM go)
    RETURNING id, created_at, expires_at
),
items AS (
    INSERT INTO order_items (
        order_id, sku_id, product_id, title, specs, cover_url, price, quantity, reviewed
    )
    SELECT p.id, i.sku_id, i.product_id, i.title, i.specs, i.cover_url, i.price, i.quantity,
        false
    FROM placed p,
        unnest($1::bigint[], $16::bigint[], $3::text[], $4::jsonb[], $17::text[],
               $18::bigint[], $2::int[]) WITH ORDINALITY
        AS i(sku_id, product_id, title, specs, cover_url, price, quantity, n)
    ORDER BY i.n
    RETURNING id, sku_id
),
history AS (
    INSERT INTO order_history (order_id, from_status, to_status, actor, note, created_at)
    SELECT p.id, NULL, 'pending_payment', $19::text, '', now() FROM placed p
),
coupon_locked AS (
    UPDATE user_coupons c SET state = 'locked', order_id = p.id
    FROM placed p, coupon k WHERE c.id = k.id
),
cart_cleared AS (
    DELETE FROM cart_items c USING placed p
    WHERE c.user_id = $6::bigint AND c.id = ANY($20::bigint[])
),
stock_changed AS (
    SELECT 'product:' || t.product_id AS channel, '{EventName.STOCK_CHANGED}' AS name,
        jsonb_build_object(
            'product_id', t.product_id,
            'skus', jsonb_agg(
                jsonb_build_object('sku_id', t.sku_id, 'stock', t.stock) ORDER BY t.sku_id
            ),
            'reason', 'order'
        ) AS data,
        min(t.sku_id) AS sort
    FROM taken t GROUP BY t.product_id
),
stock_low AS (
    SELECT '{ADMIN_CHANNEL}' AS channel, '{EventName.STOCK_LOW}' AS name,
        jsonb_build_object(
            'product_id', t.product_id, 'sku_id', t.sku_id, 'stock', t.stock,
            'threshold', $21::int, 'title', t.title, 'specs', t.specs
        ) AS data,
        t.sku_id AS sort
    FROM taken t WHERE t.stock < $21::int
),
recorded AS (
    INSERT INTO outbox_events (channel, name, data, created_at, claimed_until)
    SELECT e.channel, e.name, e.data, now(), now() + make_interval(secs => $22::int)
    FROM (
        SELECT 0 AS kind, 0 AS sort, $23::text AS channel,
            '{EventName.ORDER_CREATED}' AS name,
            $24::jsonb || jsonb_build_object('order_id', p.id) AS data
        FROM placed p
        UNION ALL
        SELECT 1, 0, '{ADMIN_CHANNEL}', '{EventName.ORDER_CREATED}',
            $24::jsonb || jsonb_build_object('order_id', p.id)
        FROM placed p
        UNION ALL SELECT 2, l.sort, l.channel, l.name, l.data FROM stock_low l
        UNION ALL SELECT 3, c.sort, c.channel, c.name, c.data FROM stock_changed c
        ORDER BY 1, 2
    ) e
    RETURNING id, channel, name, data::text AS data, created_at
)
SELECT
    (SELECT ok FROM go) AS placed,
    (SELECT jsonb_agg(s ORDER BY s.sku_id)::text FROM short s) AS short,
    NOT EXISTS (SELECT 1 FROM short) AND $5::bigint IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM coupon) AS coupon_unavailable,
    (SELECT row(p.id, p.created_at, p.expires_at) FROM placed p) AS made,
    (SELECT array_agg(row(i.id, i.sku_id)) FROM items i) AS items,
    (SELECT array_agg(row(r.id, r.channel, r.name, r.data, r.created_at) ORDER BY r.id)
        FROM recorded r) AS events,
    (SELECT array_agg(row(t.product_id, t.sku_id, t.stock) ORDER BY t.sku_id) FROM taken t)
        AS stock_left
"""  # noqa: S608


@dataclass(frozen=True)
class Placed:
    order_id: int
    created_at: datetime
    expires_at: datetime
    item_ids: dict[int, int]
    events: list[Recorded]
    stock_left: list[tuple[int, int, int]]


@dataclass(frozen=True)
class Refused:
    """Nothing was written: why."""

    short: list[dict[str, int]]
    coupon_unavailable: bool
    key_taken: bool


@dataclass(frozen=True)
class NewOrder:
    """What the statement was asked to write (amounts in fen)."""

    user_id: int
    order_no: str
    lines: list[PricedLine]
    goods_amount: int
    freight_amount: int
    discount_amount: int
    pay_amount: int
    address: dict[str, Any]
    remark: str
    coupon_id: int | None
    timeout_seconds: int
    cart_item_ids: list[int]
    actor: str


async def place(
    order: NewOrder, *, idempotency_key: str | None, low_stock_threshold: int
) -> Placed | Refused:
    """Run the statement: everything written, or nothing and the reason."""
    lines = order.lines
    event_data = {
        "order_no": order.order_no,
        "status": "pending_payment",
        "user_id": order.user_id,
        "pay_amount": order.pay_amount,
    }
    rows = await connections.get("default").execute_query_dict(
        _PLACE,
        [
            [ln.sku_id for ln in lines],
            [ln.quantity for ln in lines],
            [ln.title for ln in lines],
            [orjson.dumps(ln.specs).decode() for ln in lines],
            order.coupon_id,
            order.user_id,
            idempotency_key,
            order.order_no,
            order.goods_amount,
            order.freight_amount,
            order.discount_amount,
            order.pay_amount,
            orjson.dumps(order.address).decode(),
            order.remark,
            order.timeout_seconds,
            [ln.product_id for ln in lines],
            [ln.cover_url for ln in lines],
            [ln.price for ln in lines],
            order.actor,
            order.cart_item_ids,
            low_stock_threshold,
            int(CLAIM_LEASE.total_seconds()),
            user_channel(order.user_id),
            orjson.dumps(event_data).decode(),
        ],
    )
    row = rows[0]
    if not row["placed"]:
        return Refused(
            short=orjson.loads(row["short"]) if row["short"] else [],
            coupon_unavailable=bool(row["coupon_unavailable"]),
            key_taken=idempotency_key is not None
            and not row["short"]
            and not row["coupon_unavailable"],
        )
    order_id, created_at, expires_at = row["made"]
    return Placed(
        order_id=order_id,
        created_at=created_at,
        expires_at=expires_at,
        item_ids={sku_id: item_id for item_id, sku_id in row["items"]},
        events=[
            Recorded(id=i, channel=c, name=n, data=orjson.loads(d), created_at=at)
            for i, c, n, d, at in row["events"]
        ],
        stock_left=[(p, s, left) for p, s, left in row["stock_left"]],
    )
