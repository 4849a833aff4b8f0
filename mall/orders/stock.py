"""Stock moves and their events, through the SQL functions every path shares
(sql/functions.sql): orders take stock and cancels give it back inside their own statements
(place.sql, cancel.sql); refunds and staff call these inside their transactions.

Every move locks the SKU rows in primary-key order (`mall_take_stock`, `mall_give_stock`)
and every event comes from one builder (`mall_stock_events`), so an order, a refund and a
stock edit announce the same change the same way.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import orjson
from tortoise.backends.base.client import BaseDBAsyncClient

from mall.events import CLAIM_LEASE, Recorded
from mall.orders.sql import Statement

GIVE = Statement(
    "SELECT sku_id, product_id, stock FROM mall_give_stock(:sku_ids, :quantities, true)"
)
TAKE = Statement(
    "SELECT sku_id, product_id, stock FROM mall_take_stock(:sku_ids, :quantities, true)"
)
EVENTS = Statement(
    "SELECT id, channel, name, data, created_at FROM mall_stock_events("
    ":sku_ids, :product_ids, :stocks, :previous, :titles, :specs::jsonb[], :reason,"
    " :threshold, :lease_seconds)"
)


@dataclass(frozen=True)
class Line:
    """A quantity of one SKU, with what stock events say about it."""

    sku_id: int
    quantity: int
    title: str
    specs: dict[str, str]


@dataclass(frozen=True)
class StockChange:
    """A SKU's stock before and after a move."""

    product_id: int
    sku_id: int
    title: str
    specs: dict[str, str]
    previous: int
    stock: int


async def _move(
    conn: BaseDBAsyncClient, statement: Statement, lines: Sequence[Line], sign: int
) -> list[StockChange]:
    merged: dict[int, Line] = {}
    for line in lines:
        seen = merged.get(line.sku_id)
        quantity = line.quantity + (seen.quantity if seen else 0)
        merged[line.sku_id] = Line(line.sku_id, quantity, line.title, line.specs)
    ordered = sorted(merged.values(), key=lambda ln: ln.sku_id)
    if not ordered:
        return []
    rows = await conn.execute_query_dict(
        statement.sql,
        statement.args(
            sku_ids=[ln.sku_id for ln in ordered], quantities=[ln.quantity for ln in ordered]
        ),
    )
    by_sku = {ln.sku_id: ln for ln in ordered}
    return [
        StockChange(
            product_id=int(row["product_id"]),
            sku_id=int(row["sku_id"]),
            title=by_sku[row["sku_id"]].title,
            specs=by_sku[row["sku_id"]].specs,
            previous=int(row["stock"]) - sign * by_sku[row["sku_id"]].quantity,
            stock=int(row["stock"]),
        )
        for row in sorted(rows, key=lambda r: r["sku_id"])
    ]


async def give(conn: BaseDBAsyncClient, lines: Sequence[Line]) -> list[StockChange]:
    """Put stock back (refund, staff adding); the caller's state change guarantees once."""
    return await _move(conn, GIVE, lines, +1)


async def take(conn: BaseDBAsyncClient, lines: Sequence[Line]) -> list[StockChange]:
    """Take stock (staff removing it); the database refuses to go below zero."""
    return await _move(conn, TAKE, lines, -1)


async def record_events(
    conn: BaseDBAsyncClient,
    changes: Sequence[StockChange],
    *,
    reason: str,
    low_stock_threshold: int,
) -> list[Recorded]:
    """stock.low and stock.changed for these changes, written to the outbox in the caller's
    transaction (claimed for the publisher, like every outbox row)."""
    moved = sorted((c for c in changes if c.stock != c.previous), key=lambda c: c.sku_id)
    if not moved:
        return []
    rows = await conn.execute_query_dict(
        EVENTS.sql,
        EVENTS.args(
            sku_ids=[c.sku_id for c in moved],
            product_ids=[c.product_id for c in moved],
            stocks=[c.stock for c in moved],
            previous=[c.previous for c in moved],
            titles=[c.title for c in moved],
            specs=[orjson.dumps(c.specs).decode() for c in moved],
            reason=reason,
            threshold=low_stock_threshold,
            lease_seconds=int(CLAIM_LEASE.total_seconds()),
        ),
    )
    return [
        Recorded(
            id=row["id"],
            channel=row["channel"],
            name=row["name"],
            data=orjson.loads(row["data"]),
            created_at=row["created_at"],
        )
        for row in rows
    ]
