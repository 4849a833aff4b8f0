"""Shipping many orders from one CSV file (order_no,carrier_code,tracking_no per row).

Each row ships on its own, exactly as one `POST /orders/<id>/ship` would (same checks, same
audit entry and events), so a bad row is reported and the others still ship.
"""

from __future__ import annotations

import csv
import io

from pydantic import ValidationError
from tortoise.transactions import in_transaction

from mall.admin.audit import Staff, record
from mall.errors import MallError, ValidationFailed
from mall.orders import lifecycle
from mall.orders.errors import OrderError
from mall.orders.schemas import ShipIn
from mall.orders.staff_schemas import RowError, ShipBatchOut, ShipRowOut
from mall.runtime import Runtime
from mall.shipping import carriers
from models import Order

COLUMNS = ("order_no", "carrier_code", "tracking_no")
MAX_ROWS = 1000
MAX_BYTES = 1024 * 1024


def _unreadable(message: str) -> ValidationFailed:
    return ValidationFailed(
        "The CSV file cannot be read",
        details=[{"field": "file", "message": message, "type": "csv"}],
    )


def decode(raw: bytes) -> str:
    """The file's text: UTF-8 (with or without Excel's BOM), or GB18030 (what Excel in
    China saves as "CSV")."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise _unreadable("neither UTF-8 nor GB18030 text")


def read_rows(text: str) -> list[tuple[int, list[str]]]:
    """(line number, cells) of each non-blank row; a first row naming the columns is skipped."""
    if "\x00" in text:
        raise _unreadable("must not contain NUL characters")
    try:
        rows = [
            (number, [cell.strip() for cell in cells])
            for number, cells in enumerate(csv.reader(io.StringIO(text, newline="")), start=1)
        ]
    except csv.Error as exc:
        raise _unreadable(str(exc)) from None
    rows = [(n, cells) for n, cells in rows if any(cells)]
    if rows and [c.lower() for c in rows[0][1][:3]] == list(COLUMNS):
        rows = rows[1:]
    if not rows:
        raise _unreadable("no rows: one order_no,carrier_code,tracking_no per line")
    if len(rows) > MAX_ROWS:
        raise _unreadable(f"at most {MAX_ROWS} rows per file")
    return rows


def _failed(row: int, order_no: str, order_id: int | None, error: RowError) -> ShipRowOut:
    return ShipRowOut(row=row, order_no=order_no, order_id=order_id, result="failed", error=error)


async def ship_rows(rt: Runtime, *, raw: bytes, staff: Staff) -> ShipBatchOut:
    """Ship each row's order; every row gets its result (shipped, or why not)."""
    results: list[ShipRowOut] = []
    for number, cells in read_rows(decode(raw)):
        order_no = cells[0] if cells else ""
        if len(cells) < 3 or any(cells[3:]):
            results.append(
                _failed(
                    number,
                    order_no,
                    None,
                    RowError(
                        code="validation_error",
                        message="a row is order_no,carrier_code,tracking_no",
                        details=[{"field": "row", "message": "3 columns", "type": "csv"}],
                    ),
                )
            )
            continue
        try:
            data = ShipIn(carrier_code=cells[1], tracking_no=cells[2])
        except ValidationError as exc:
            details = [
                {"field": ".".join(map(str, e["loc"])), "message": e["msg"], "type": e["type"]}
                for e in exc.errors(include_url=False, include_context=False, include_input=False)
            ]
            error = RowError(code="validation_error", message="Invalid row", details=details)
            results.append(_failed(number, order_no, None, error))
            continue
        order = await Order.get_or_none(order_no=order_no) if order_no else None
        if order is None:
            error = RowError(code=OrderError.ORDER_NOT_FOUND, message="Order not found")
            results.append(_failed(number, order_no, None, error))
            continue
        try:
            carrier = await carriers.get(
                client=rt.wechat,
                redis=rt.redis,
                ttl=rt.settings.wechat_carriers_ttl,
                code=data.carrier_code,
            )
            await lifecycle.ship(rt, order=order, carrier=carrier, data=data, actor=staff)
        except MallError as exc:
            error = RowError(code=exc.code, message=exc.message, details=exc.details)
            results.append(_failed(number, order_no, order.id, error))
            continue
        results.append(
            ShipRowOut(
                row=number, order_no=order_no, order_id=order.id, result="shipped", error=None
            )
        )
    shipped = sum(r.result == "shipped" for r in results)
    async with in_transaction():
        await record(
            staff,
            "order.ship_batch",
            target_type="order",
            target_id="",
            detail={
                "shipped": [r.order_no for r in results if r.result == "shipped"],
                "failed": [
                    {"row": r.row, "order_no": r.order_no, "code": r.error.code}
                    for r in results
                    if r.error is not None
                ],
            },
        )
    return ShipBatchOut(shipped=shipped, failed=len(results) - shipped, rows=results)
