"""Orders as a CSV file for Excel, streamed: the list's filters, newest first, read in
batches by id so memory stays the same for ten orders or a hundred thousand."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import AsyncIterator, Sequence
from datetime import datetime
from typing import Any

from mall.orders import queries
from mall.orders.schemas import AdminOrderFilter
from mall.orders.stats import SHOP_TZ
from models import OrderItem, Shipment

BATCH = 500
# Excel reads a CSV file as UTF-8 only when it starts with the byte order mark.
BOM = "\ufeff"
COLUMNS = (
    "order_no",
    "status",
    "created_at",
    "paid_at",
    "shipped_at",
    "user_id",
    "items",
    "goods_amount_yuan",
    "freight_amount_yuan",
    "discount_amount_yuan",
    "adjust_amount_yuan",
    "pay_amount_yuan",
    "receiver",
    "phone",
    "province",
    "city",
    "district",
    "detail",
    "remark",
    "staff_remark",
    "carrier",
    "tracking_no",
)
_ORDER_FIELDS = (
    "id",
    "order_no",
    "status",
    "created_at",
    "paid_at",
    "shipped_at",
    "user_id",
    "goods_amount",
    "freight_amount",
    "discount_amount",
    "adjust_amount",
    "pay_amount",
    "address",
    "remark",
    "staff_remark",
)
# A cell starting with one of these is a formula to a spreadsheet (CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _text(value: Any) -> str:
    """A cell of text someone typed, defused: a spreadsheet never runs it as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def _number_text(value: str) -> str:
    # Long digit strings (order and tracking numbers) stay text in Excel, not 2.03E+19.
    return f"{value}\t" if value else value


def _time(value: datetime | None) -> str:
    return value.astimezone(SHOP_TZ).strftime("%Y-%m-%d %H:%M:%S") if value else ""


def _yuan(fen: int) -> str:
    sign = "-" if fen < 0 else ""
    return f"{sign}{abs(fen) // 100}.{abs(fen) % 100:02d}"


def _line(cells: Sequence[str]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerow(cells)
    return out.getvalue()


async def _rows(orders: list[dict[str, Any]]) -> str:
    ids = [o["id"] for o in orders]
    items: dict[int, list[str]] = defaultdict(list)
    for item in (
        await OrderItem.filter(order_id__in=ids)
        .order_by("id")
        .values("order_id", "title", "specs", "quantity")
    ):
        specs = "/".join(str(v) for v in (item["specs"] or {}).values())
        items[item["order_id"]].append(
            f"{item['title']}{f' ({specs})' if specs else ''} x{item['quantity']}"
        )
    shipments = {
        s["order_id"]: s
        for s in await Shipment.filter(order_id__in=ids).values(
            "order_id", "carrier", "tracking_no"
        )
    }
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for order in orders:
        address = order["address"] or {}
        shipment = shipments.get(order["id"], {})
        writer.writerow(
            [
                _number_text(order["order_no"]),
                order["status"],
                _time(order["created_at"]),
                _time(order["paid_at"]),
                _time(order["shipped_at"]),
                str(order["user_id"]),
                _text("; ".join(items[order["id"]])),
                _yuan(order["goods_amount"]),
                _yuan(order["freight_amount"]),
                _yuan(order["discount_amount"]),
                _yuan(order["adjust_amount"]),
                _yuan(order["pay_amount"]),
                _text(address.get("name")),
                _text(address.get("phone")),
                _text(address.get("province")),
                _text(address.get("city")),
                _text(address.get("district")),
                _text(address.get("detail")),
                _text(order["remark"]),
                _text(order["staff_remark"]),
                _text(shipment.get("carrier")),
                _number_text(_text(shipment.get("tracking_no"))),
            ]
        )
    return out.getvalue()


async def csv_chunks(query: AdminOrderFilter) -> AsyncIterator[bytes]:
    """The file in pieces: BOM and header, then one piece per batch of orders."""
    orders = await queries.filtered(query)
    yield (BOM + _line(COLUMNS)).encode()
    before: int | None = None
    while True:
        page = orders if before is None else orders.filter(id__lt=before)
        batch = await page.order_by("-id").limit(BATCH).values(*_ORDER_FIELDS)
        if not batch:
            return
        yield (await _rows(batch)).encode()
        if len(batch) < BATCH:
            return
        before = batch[-1]["id"]
