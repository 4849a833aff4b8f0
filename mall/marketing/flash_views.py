"""Flash sales: GET /api/v1/flash-sales for customers, /api/admin/flash-sales for staff."""

from __future__ import annotations

from datetime import UTC, datetime

from sanic import Blueprint, Request
from sanic.response import HTTPResponse, empty

from mall.admin.permissions import Permission
from mall.auth.guards import admin_required
from mall.context import runtime_of
from mall.marketing import flash_sales
from mall.marketing.flash_schemas import (
    FlashSaleAdminQuery,
    FlashSaleIn,
    FlashSaleItemOut,
    FlashSaleListOut,
    FlashSaleOut,
)
from mall.web import doc, parse_body, parse_query, render, render_page

bp = Blueprint("flash_sales")
admin_bp = Blueprint("admin_flash_sales")


def _out(found: flash_sales.WithItems) -> FlashSaleOut:
    sale = found.sale
    return FlashSaleOut(
        id=sale.id,
        title=sale.title,
        starts_at=sale.starts_at,
        ends_at=sale.ends_at,
        status=flash_sales.status_of(sale, datetime.now(UTC)),  # type: ignore[arg-type]
        started_at=sale.started_at,
        ended_at=sale.ended_at,
        created_at=sale.created_at,
        items=[FlashSaleItemOut.model_validate(i, from_attributes=True) for i in found.items],
    )


@bp.get("/flash-sales")
@doc(
    summary="Live and upcoming flash sales, soonest first, with the server's time",
    tag="marketing",
    response=FlashSaleListOut,
)
async def public_list(request: Request) -> HTTPResponse:
    listing = await flash_sales.public_list(runtime_of(request).images, now=datetime.now(UTC))
    return render(listing)


@admin_bp.get("/flash-sales")
@doc(
    summary="Flash sales, the latest start first",
    tag="admin-marketing",
    query=FlashSaleAdminQuery,
    page_of=FlashSaleOut,
    secured=True,
    errors=(403,),
)
@admin_required(Permission.MARKETING_READ)
async def list_sales(request: Request) -> HTTPResponse:
    query = parse_query(request, FlashSaleAdminQuery)
    found, total = await flash_sales.get_all(
        status=query.status, offset=query.offset, limit=query.page_size
    )
    return render_page([_out(f) for f in found], total=total, page=query)


@admin_bp.post("/flash-sales")
@doc(
    summary="Create a flash sale: its stock is taken from the SKUs' until it ends",
    tag="admin-marketing",
    body=FlashSaleIn,
    response=FlashSaleOut,
    status=201,
    secured=True,
    errors=(403, 409),
    description="409 insufficient_stock (a SKU has less than the activity's stock) or "
    "sku_in_flash_sale (a SKU is in another activity not ended).",
)
@admin_required(Permission.MARKETING_WRITE)
async def create_sale(request: Request) -> HTTPResponse:
    data = parse_body(request, FlashSaleIn)
    found = await flash_sales.create(runtime_of(request), data=data, staff=request.ctx.staff)
    return render(_out(found), status=201)


@admin_bp.get("/flash-sales/<flash_sale_id:id>")
@doc(
    summary="One flash sale",
    tag="admin-marketing",
    response=FlashSaleOut,
    secured=True,
    errors=(403, 404),
)
@admin_required(Permission.MARKETING_READ)
async def get_sale(request: Request, flash_sale_id: int) -> HTTPResponse:
    return render(_out(await flash_sales.get(flash_sale_id=flash_sale_id)))


@admin_bp.put("/flash-sales/<flash_sale_id:id>")
@doc(
    summary="Replace a flash sale that has not started (its stock is taken anew)",
    tag="admin-marketing",
    body=FlashSaleIn,
    response=FlashSaleOut,
    secured=True,
    errors=(403, 404, 409),
)
@admin_required(Permission.MARKETING_WRITE)
async def update_sale(request: Request, flash_sale_id: int) -> HTTPResponse:
    data = parse_body(request, FlashSaleIn)
    found = await flash_sales.update(
        runtime_of(request), flash_sale_id=flash_sale_id, data=data, staff=request.ctx.staff
    )
    return render(_out(found))


@admin_bp.delete("/flash-sales/<flash_sale_id:id>")
@doc(
    summary="End a flash sale now: its stock goes back to the SKUs (409 if it has ended)",
    tag="admin-marketing",
    status=204,
    secured=True,
    errors=(403, 404, 409),
)
@admin_required(Permission.MARKETING_WRITE)
async def end_sale(request: Request, flash_sale_id: int) -> HTTPResponse:
    await flash_sales.end(runtime_of(request), flash_sale_id=flash_sale_id, staff=request.ctx.staff)
    return empty()
