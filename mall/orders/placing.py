"""Placing an order in one SQL statement: key, coupon, order, items, history, events, stock.

A hot SKU's buyers queue on its row lock, held from the decrement until COMMIT. In a
transaction driven from Python, every statement after the decrement and the COMMIT itself
wait for the event loop to come back to this request, which under load takes milliseconds
per step, and a flash sale runs at the pace of the busiest event loop. Here the whole order
is one statement (data-modifying CTEs, one implicit transaction) that writes everything
else first and takes the SKU rows last, so a hot SKU is locked only for the decrement, the
stock events and the COMMIT, all inside PostgreSQL.

The statement, step by step (each step reads the one before it, which orders them):
1. `claim`: the Idempotency-Key, stored with the new order's id; a concurrent request with
   the same key waits here for the first one and then finds the key taken.
2. `coupon`: the chosen coupon locked to the order, if it is the customer's, claimed and
   valid now.
3. The order, its items and history, the cart lines it came from removed, order.created
   on the customer's and the admin channel (outbox rows claimed for the publisher at
   insert, so publishing needs no claiming UPDATE). `written` counts them all, and the
   stock step reads `written`, so all of this is done before any SKU is locked.
4. `taken`: only then, and only if 1 and 2 held, `mall_take_stock` (migration 4) locks
   the SKU rows in primary-key order (one lock order for every order, so two orders
   sharing SKUs cannot deadlock) and decrements them, or raises insufficient_stock.
5. stock.changed and stock.low for what was taken.
6. A refused key or coupon ends the statement in `mall_refuse` (an error: everything above
   is rolled back) naming why: idempotency_key_taken or coupon_unavailable.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg
import orjson
from tortoise import connections

from mall.events import ADMIN_CHANNEL, CLAIM_LEASE, EventName, Recorded, user_channel
from mall.orders.pricing import PricedLine

# Only the event names and channel constants below are interpolated, never input.
_PLACE = f"""
WITH
new_order AS MATERIALIZED (SELECT nextval('orders_id_seq') AS id),
claim AS (
    INSERT INTO idempotency_keys (user_id, key, order_id, created_at)
    SELECT $6::bigint, $7::text, n.id, now() FROM new_order n
    WHERE $7::text IS NOT NULL
    ON CONFLICT (user_id, key) DO NOTHING
    RETURNING order_id
),
coupon AS (
    UPDATE user_coupons c SET state = 'locked', order_id = n.id
    FROM new_order n
    WHERE c.id = $5::bigint AND c.user_id = $6::bigint AND c.state = 'claimed'
      AND c.valid_from <= now() AND c.valid_until > now()
    RETURNING c.id
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
    RETURNING id
),
cart_cleared AS (
    DELETE FROM cart_items c USING placed p
    WHERE c.user_id = $6::bigint AND c.id = ANY($20::bigint[])
    RETURNING c.id
),
order_events AS (
    INSERT INTO outbox_events (channel, name, data, created_at, claimed_until)
    SELECT ch.channel, '{EventName.ORDER_CREATED}',
        $24::jsonb || jsonb_build_object('order_id', p.id),
        now(), now() + make_interval(secs => $22::int)
    FROM placed p, (VALUES (1, $23::text), (2, '{ADMIN_CHANNEL}')) AS ch(n, channel)
    ORDER BY ch.n
    RETURNING id, channel, name, data::text AS data, created_at
),
written AS MATERIALIZED (
    SELECT
        (SELECT count(*) FROM claim) AS keys,
        (SELECT count(*) FROM coupon) AS coupons,
        (SELECT count(*) FROM placed) + (SELECT count(*) FROM items)
            + (SELECT count(*) FROM history) + (SELECT count(*) FROM cart_cleared)
            + (SELECT count(*) FROM order_events) AS rows
),
taken AS MATERIALIZED (
    SELECT t.sku_id, t.product_id, t.stock, w.title, w.specs
    FROM written r,
        mall_take_stock(
            $1::bigint[], $2::int[],
            (r.keys > 0 OR $7::text IS NULL) AND (r.coupons > 0 OR $5::bigint IS NULL)
        ) AS t
        JOIN unnest($1::bigint[], $3::text[], $4::jsonb[]) AS w(sku_id, title, specs)
            ON w.sku_id = t.sku_id
),
stock_events AS (
    INSERT INTO outbox_events (channel, name, data, created_at, claimed_until)
    SELECT e.channel, e.name, e.data, now(), now() + make_interval(secs => $22::int)
    FROM (
        SELECT 1 AS kind, t.sku_id AS sort, '{ADMIN_CHANNEL}' AS channel,
            '{EventName.STOCK_LOW}' AS name,
            jsonb_build_object(
                'product_id', t.product_id, 'sku_id', t.sku_id, 'stock', t.stock,
                'threshold', $21::int, 'title', t.title, 'specs', t.specs
            ) AS data
        FROM taken t WHERE t.stock < $21::int
        UNION ALL
        SELECT 2, min(t.sku_id), 'product:' || t.product_id, '{EventName.STOCK_CHANGED}',
            jsonb_build_object(
                'product_id', t.product_id,
                'skus', jsonb_agg(
                    jsonb_build_object('sku_id', t.sku_id, 'stock', t.stock)
                    ORDER BY t.sku_id
                ),
                'reason', 'order'
            )
        FROM taken t GROUP BY t.product_id
        ORDER BY 1, 2
    ) e
    RETURNING id, channel, name, data::text AS data, created_at
)
SELECT
    CASE
        WHEN $7::text IS NOT NULL AND w.keys = 0 THEN mall_refuse('idempotency_key_taken')
        WHEN $5::bigint IS NOT NULL AND w.coupons = 0 THEN mall_refuse('coupon_unavailable')
    END AS refused,
    (SELECT row(p.id, p.created_at, p.expires_at) FROM placed p) AS made,
    (SELECT array_agg(row(i.id, i.sku_id)) FROM items i) AS items,
    (SELECT array_agg(row(e.id, e.channel, e.name, e.data, e.created_at) ORDER BY e.id)
        FROM (SELECT * FROM order_events UNION ALL SELECT * FROM stock_events) e) AS events,
    (SELECT array_agg(row(t.product_id, t.sku_id, t.stock) ORDER BY t.sku_id) FROM taken t)
        AS stock_left
FROM written w
"""  # noqa: S608


@dataclass(frozen=True)
class Placed:
    new: NewOrder
    order_id: int
    created_at: datetime
    expires_at: datetime
    item_ids: dict[int, int]
    events: list[Recorded]
    stock_left: list[tuple[int, int, int]]


ORDER_NO_CONSTRAINT = "orders_order_no_key"


class SkuTurns:
    """Orders of the same SKU take turns within a process.

    PostgreSQL runs them one at a time anyway (the row lock), but every statement waiting
    on a hot row costs CPU when the lock changes hands: measured with pgbench on one hot
    SKU, 20 waiting statements cost about twice the CPU per order of 2. So each process
    sends at most `per_sku` (MALL_ORDER_STATEMENTS_PER_SKU) order statements per SKU at a
    time and the others wait here, for free; with N API processes at most N x per_sku
    statements queue on a row. SKUs are taken in id order (the same order as the row
    locks), and before a database connection, so a request holding a connection never
    waits for a turn.
    """

    def __init__(self, per_sku: int) -> None:
        self.per_sku = per_sku
        self._locks: dict[int, tuple[asyncio.Semaphore, int]] = {}

    @asynccontextmanager
    async def turn(self, sku_ids: Iterable[int]) -> AsyncIterator[None]:
        registered: list[int] = []
        acquired: list[asyncio.Semaphore] = []
        try:
            for sku_id in sorted(set(sku_ids)):
                lock, users = self._locks.get(sku_id) or (asyncio.Semaphore(self.per_sku), 0)
                self._locks[sku_id] = (lock, users + 1)
                registered.append(sku_id)
                await lock.acquire()
                acquired.append(lock)
            yield
        finally:
            for lock in reversed(acquired):
                lock.release()
            for sku_id in registered:
                lock, users = self._locks[sku_id]
                if users == 1:
                    del self._locks[sku_id]
                else:
                    self._locks[sku_id] = (lock, users - 1)

    def waiting(self) -> int:
        """SKUs with a turn taken or awaited (0 when idle: nothing is kept)."""
        return len(self._locks)


sku_turns = SkuTurns(per_sku=1)


class OrderNoTaken(Exception):
    """Another order drew the same order number (same second, same 6 random digits)."""


class Refused(Exception):
    """The statement wrote nothing: `code` says why (see the module docstring)."""

    def __init__(self, code: str, detail: Any = None) -> None:
        super().__init__(code)
        self.code = code
        self.detail = detail


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
) -> Placed:
    """Run the statement: everything is written, or nothing and Refused says why."""
    lines = order.lines
    event_data = {
        "order_no": order.order_no,
        "status": "pending_payment",
        "user_id": order.user_id,
        "pay_amount": order.pay_amount,
    }
    params = [
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
    ]
    async with (
        sku_turns.turn(ln.sku_id for ln in lines),
        connections.get("default").acquire_connection() as conn,
    ):
        try:
            row = await conn.fetchrow(_PLACE, *params)
        except asyncpg.RaiseError as refusal:
            detail = getattr(refusal, "detail", None)
            raise Refused(str(refusal), orjson.loads(detail) if detail else None) from None
        except asyncpg.UniqueViolationError as taken:
            if getattr(taken, "constraint_name", None) == ORDER_NO_CONSTRAINT:
                raise OrderNoTaken from None
            raise
    order_id, created_at, expires_at = row["made"]
    return Placed(
        new=order,
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
