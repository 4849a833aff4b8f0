"""Staff's order operations: edit (remark, address), adjust the price, ship from a CSV
file, export as CSV. Each route names its permission; each change is audited."""

from __future__ import annotations

from sanic import Blueprint, Request
from sanic.headers import parse_content_header
from sanic.request import File
from sanic.request.form import parse_multipart_form
from sanic.response import HTTPResponse
from sanic_ext.extensions.openapi import openapi

from mall.admin.permissions import Permission
from mall.auth.guards import admin_required
from mall.context import runtime_of
from mall.errors import PayloadTooLarge, ValidationFailed
from mall.orders import export, presenters, ship_batch, staff_ops
from mall.orders.schemas import AdminOrderFilter, AdminOrderOut
from mall.orders.staff_schemas import AdjustPriceIn, OrderPatch, ShipBatchOut
from mall.orders.stats import shop_today
from mall.web import doc, parse_body, parse_query, render

bp = Blueprint("admin_order_ops")

CSV_UPLOAD = {
    "multipart/form-data": {
        "type": "object",
        "required": ["file"],
        "properties": {"file": {"type": "string", "format": "binary"}},
    },
}


@bp.patch("/orders/<order_id:id>")
@doc(
    summary="Staff remark, and the address until the order ships (then 409 naming its status)",
    tag="admin-orders",
    body=OrderPatch,
    response=AdminOrderOut,
    secured=True,
    errors=(403, 404, 409),
)
@admin_required(Permission.ORDERS_WRITE)
async def update(request: Request, order_id: int) -> HTTPResponse:
    patch = parse_body(request, OrderPatch)
    order = await staff_ops.update(
        runtime_of(request), order_id=order_id, patch=patch, staff=request.ctx.staff
    )
    return render(await presenters.admin_order_out(order))


@bp.post("/orders/<order_id:id>/adjust-price")
@doc(
    summary="Change what an unpaid order costs: the old WeChat trade is closed, a new "
    "out_trade_no is paid from now on",
    tag="admin-orders",
    body=AdjustPriceIn,
    response=AdminOrderOut,
    secured=True,
    errors=(403, 404, 409, 502),
)
@admin_required(Permission.ORDERS_PRICE)
async def adjust_price(request: Request, order_id: int) -> HTTPResponse:
    data = parse_body(request, AdjustPriceIn)
    order = await staff_ops.adjust_price(
        runtime_of(request),
        order_id=order_id,
        pay_amount=data.pay_amount,
        reason=data.reason,
        staff=request.ctx.staff,
    )
    return render(await presenters.admin_order_out(order))


@bp.post("/orders/ship-batch")
@openapi.body(CSV_UPLOAD, required=True)
@doc(
    summary="Ship many orders from a CSV file (order_no,carrier_code,tracking_no per row; a "
    "header row is optional): each row's result, a bad row never stops the others",
    description="UTF-8 (with or without BOM) or GB18030, as the multipart `file`, at most "
    f"{ship_batch.MAX_ROWS} rows and {ship_batch.MAX_BYTES} bytes; a file that cannot be read "
    "at all is 422 type csv.",
    tag="admin-orders",
    response=ShipBatchOut,
    secured=True,
    errors=(403, 413, 422, 502),
)
@admin_required(Permission.ORDERS_WRITE)
async def ship_many(request: Request) -> HTTPResponse:
    upload = _uploaded_file(request, "file")
    if upload is None:
        raise ValidationFailed(
            "A CSV file is required (multipart/form-data, field file)",
            details=[{"field": "file", "message": "required", "type": "missing"}],
        )
    raw = upload.body  # empty: 422 type csv (no rows)
    if len(raw) > ship_batch.MAX_BYTES:
        raise PayloadTooLarge(f"The file is over {ship_batch.MAX_BYTES} bytes")
    result = await ship_batch.ship_rows(runtime_of(request), raw=raw, staff=request.ctx.staff)
    return render(result)


def _uploaded_file(request: Request, name: str) -> File | None:
    """The multipart upload called NAME, or None for any other body. Parsed here rather
    than through request.files, which logs a traceback at ERROR for every malformed body a
    client sends (no boundary, broken part headers)."""
    content_type, params = parse_content_header(request.headers.get("content-type", ""))
    boundary = params.get("boundary")
    if content_type != "multipart/form-data" or not isinstance(boundary, str) or not boundary:
        return None
    try:
        _, files = parse_multipart_form(request.body, boundary.encode("utf-8"))
    except (ValueError, KeyError, IndexError, UnicodeDecodeError):
        return None
    found: File | None = files.get(name) if files else None
    return found


@bp.get("/orders/export")
@doc(
    summary="Orders as a CSV file for Excel (UTF-8 with BOM), streamed; the list's filters",
    tag="admin-orders",
    query=AdminOrderFilter,
    response={"type": "string"},
    media_type="text/csv",
    secured=True,
    errors=(403,),
)
@admin_required(Permission.ORDERS_EXPORT)
async def export_csv(request: Request) -> None:
    query = parse_query(request, AdminOrderFilter)
    await staff_ops.record_export(query=query, staff=request.ctx.staff)
    filename = f"orders-{shop_today().isoformat()}.csv"
    response = await request.respond(
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
    async for chunk in export.csv_chunks(query):
        await response.send(chunk)
    await response.eof()
