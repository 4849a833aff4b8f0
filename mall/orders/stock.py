"""Reserving and restoring SKU stock inside an order's transaction."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from tortoise.backends.base.client import BaseDBAsyncClient

from mall.catalog.service import StockChange
from mall.errors import Conflict


@dataclass(frozen=True)
class Line:
    """A quantity of one SKU, with what stock events say about it."""

    sku_id: int
    quantity: int
    title: str
    specs: dict[str, str]


async def reserve(conn: BaseDBAsyncClient, lines: Iterable[Line]) -> list[StockChange]:
    """Take stock for the lines in SKU-id order; 409 naming the first short SKU.

    One conditional UPDATE per SKU: it locks the row and only succeeds while enough
    stock is left, so concurrent buyers can never take more than there is.
    """
    changes: list[StockChange] = []
    for line in sorted(lines, key=lambda ln: ln.sku_id):
        rows = await conn.execute_query_dict(
            "UPDATE skus SET stock = stock - $1, updated_at = now() "
            "WHERE id = $2 AND stock >= $1 AND archived_at IS NULL "
            "RETURNING product_id, stock",
            [line.quantity, line.sku_id],
        )
        if not rows:
            left = await conn.execute_query_dict(
                "SELECT stock FROM skus WHERE id = $1", [line.sku_id]
            )
            available = int(left[0]["stock"]) if left else 0
            raise Conflict(
                f"Not enough stock for SKU {line.sku_id}",
                code="insufficient_stock",
                details={"sku_id": line.sku_id, "requested": line.quantity, "available": available},
            )
        changes.append(_change(line, rows[0], previous_offset=line.quantity))
    return changes


async def restore(conn: BaseDBAsyncClient, lines: Iterable[Line]) -> list[StockChange]:
    """Give stock back (cancel, refund); the caller's state transition guarantees once."""
    changes: list[StockChange] = []
    for line in sorted(lines, key=lambda ln: ln.sku_id):
        rows = await conn.execute_query_dict(
            "UPDATE skus SET stock = stock + $1, updated_at = now() WHERE id = $2 "
            "RETURNING product_id, stock",
            [line.quantity, line.sku_id],
        )
        if rows:
            changes.append(_change(line, rows[0], previous_offset=-line.quantity))
    return changes


def _change(line: Line, row: dict[str, int], *, previous_offset: int) -> StockChange:
    stock = int(row["stock"])
    return StockChange(
        product_id=int(row["product_id"]),
        sku_id=line.sku_id,
        title=line.title,
        specs=line.specs,
        previous=stock + previous_offset,
        stock=stock,
    )
