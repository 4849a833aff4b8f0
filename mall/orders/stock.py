"""Reserving and restoring SKU stock inside an order's transaction, and its events."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from mall import events
from mall.errors import Conflict
from models import OutboxEvent


async def reserve(
    conn: BaseDBAsyncClient, lines: Iterable[tuple[int, int]]
) -> dict[int, tuple[int, int]]:
    """Take stock for (sku_id, quantity) lines in SKU-id order; 409 naming the first short SKU.

    One conditional UPDATE per SKU: it locks the row and only succeeds while enough
    stock is left, so concurrent buyers can never take more than there is.
    Returns {sku_id: (product_id, stock_after)}.
    """
    after: dict[int, tuple[int, int]] = {}
    for sku_id, quantity in sorted(lines):
        rows = await conn.execute_query_dict(
            "UPDATE skus SET stock = stock - $1, updated_at = now() "
            "WHERE id = $2 AND stock >= $1 AND archived_at IS NULL "
            "RETURNING product_id, stock",
            [quantity, sku_id],
        )
        if not rows:
            left = await conn.execute_query_dict("SELECT stock FROM skus WHERE id = $1", [sku_id])
            available = int(left[0]["stock"]) if left else 0
            raise Conflict(
                f"Not enough stock for SKU {sku_id}",
                code="insufficient_stock",
                details={"sku_id": sku_id, "requested": quantity, "available": available},
            )
        after[sku_id] = (int(rows[0]["product_id"]), int(rows[0]["stock"]))
    return after


async def restore(
    conn: BaseDBAsyncClient, lines: Iterable[tuple[int, int]]
) -> dict[int, tuple[int, int]]:
    """Give stock back (cancel, refund); the caller's state transition guarantees once."""
    after: dict[int, tuple[int, int]] = {}
    for sku_id, quantity in sorted(lines):
        rows = await conn.execute_query_dict(
            "UPDATE skus SET stock = stock + $1, updated_at = now() WHERE id = $2 "
            "RETURNING product_id, stock",
            [quantity, sku_id],
        )
        if rows:
            after[sku_id] = (int(rows[0]["product_id"]), int(rows[0]["stock"]))
    return after


async def record_stock_events(
    changes: dict[int, tuple[int, int]], *, reason: str, low_threshold: int
) -> list[OutboxEvent]:
    """stock.changed per product (public channel) and stock.low per low SKU (admin)."""
    recorded: list[OutboxEvent] = []
    by_product: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for sku_id, (product_id, stock) in sorted(changes.items()):
        by_product[product_id].append({"sku_id": sku_id, "stock": stock})
        if stock <= low_threshold:
            recorded.append(
                await events.record(
                    channel=events.ADMIN_CHANNEL,
                    name=events.EventName.STOCK_LOW,
                    data={
                        "product_id": product_id,
                        "sku_id": sku_id,
                        "stock": stock,
                        "threshold": low_threshold,
                    },
                )
            )
    for product_id, skus in by_product.items():
        recorded.append(
            await events.record(
                channel=events.product_channel(product_id),
                name=events.EventName.STOCK_CHANGED,
                data={"product_id": product_id, "skus": skus, "reason": reason},
            )
        )
    return recorded
