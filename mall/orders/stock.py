"""Restoring SKU stock inside a refund's transaction (orders take and cancels give it back in
their own statements: placing.py, cancelling.py)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from tortoise.backends.base.client import BaseDBAsyncClient

from mall.catalog.service import StockChange


@dataclass(frozen=True)
class Line:
    """A quantity of one SKU, with what stock events say about it."""

    sku_id: int
    quantity: int
    title: str
    specs: dict[str, str]


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
