"""Cancelling an unpaid order in one SQL statement, like placing one (see placing.py).

The conditional UPDATE pending_payment -> cancelled decides who won (a payment, the
customer, staff and the timeout task may race); only the winner's statement goes on to
write the history, return the coupon, write order.cancelled, and, last, put the stock
back through `mall_give_stock` (SKU rows locked in primary-key order in a statement of
their own) with stock.changed for each product (`mall_stock_events`). The statement is
sql/cancel.sql; the functions are in sql/functions.sql. The timeout task cancels
thousands of orders a minute at peak, so this is one round trip instead of a dozen.
"""

from __future__ import annotations

from dataclasses import dataclass

import orjson
from tortoise import connections
from tortoise.backends.base.client import BaseDBAsyncClient

from mall.events import CLAIM_LEASE, Recorded
from mall.orders import sql
from models import Order

ORDER_COLUMNS = tuple(Order._meta.fields_db_projection.values())
CANCEL = sql.statement("cancel")


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
    args = CANCEL.args(
        order_id=order_id,
        reason=reason,
        actor=actor,
        lease_seconds=int(CLAIM_LEASE.total_seconds()),
    )
    row = (await client.execute_query_dict(CANCEL.sql, args))[0]
    if row["id"] is None:
        return None
    order = Order._init_from_db(**{column: row[column] for column in ORDER_COLUMNS})
    return Cancelled(
        order=order,
        events=[
            Recorded(id=i, channel=c, name=n, data=orjson.loads(d), created_at=at)
            for i, c, n, d, at in row["mall_events"] or []
        ],
        product_ids=set(row["mall_product_ids"] or []),
    )
