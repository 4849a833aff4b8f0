"""Admin API of products with their SKUs, and of stock (/api/admin/products, /skus).

Each route names its permission; each write lands in the audit log (written by the
service, in its transaction)."""

from __future__ import annotations

from sanic import Blueprint, Request
from sanic.response import HTTPResponse, empty

from mall.admin.permissions import Permission
from mall.auth.guards import admin_required
from mall.catalog import presenters, service
from mall.catalog.schemas import (
    AdminProductOut,
    AdminProductQuery,
    AdminProductRow,
    LowStockOut,
    LowStockPage,
    ProductIn,
    StockAdjust,
    StockOut,
    StockSet,
)
from mall.catalog.search import stock_totals
from mall.context import runtime_of
from mall.orders.stock import StockChange
from mall.web import PageQuery, doc, parse_body, parse_query, render, render_page
from models import Product

bp = Blueprint("admin_catalog_products")

P = Permission


async def _product_out(request: Request, product: Product) -> AdminProductOut:
    skus = await service.get_live_skus(product_id=product.id)
    return presenters.product_out(product, skus, runtime_of(request).images)


def _stock_out(change: StockChange, threshold: int) -> StockOut:
    return StockOut(
        sku_id=change.sku_id,
        product_id=change.product_id,
        previous=change.previous,
        stock=change.stock,
        low=change.stock < threshold,
    )


@bp.get("/products")
@doc(
    summary="Products (on and off sale), newest first",
    tag="admin-catalog",
    query=AdminProductQuery,
    page_of=AdminProductRow,
    secured=True,
    errors=(403, 404),
)
@admin_required(P.CATALOG_READ)
async def list_products(request: Request) -> HTTPResponse:
    query = parse_query(request, AdminProductQuery)
    threshold = (await runtime_of(request).shop.get()).low_stock_threshold
    rows, total = await service.get_all_products(query=query, low_stock_threshold=threshold)
    stock = await stock_totals([row.id for row in rows])
    storage = runtime_of(request).images
    items = [presenters.product_row(row, stock.get(row.id, 0), storage) for row in rows]
    return render_page(items, total=total, page=query)


@bp.post("/products")
@doc(
    summary="Create a product with its SKUs",
    tag="admin-catalog",
    body=ProductIn,
    response=AdminProductOut,
    status=201,
    secured=True,
    errors=(403, 409),
)
@admin_required(P.CATALOG_WRITE)
async def create_product(request: Request) -> HTTPResponse:
    data = parse_body(request, ProductIn)
    product = await service.create_product(runtime_of(request), data=data, staff=request.ctx.staff)
    return render(await _product_out(request, product), status=201)


@bp.get("/products/<product_id:id>")
@doc(
    summary="One product with its live SKUs",
    tag="admin-catalog",
    response=AdminProductOut,
    secured=True,
    errors=(403, 404),
)
@admin_required(P.CATALOG_READ)
async def get_product(request: Request, product_id: int) -> HTTPResponse:
    product = await service.get_product(product_id=product_id)
    return render(await _product_out(request, product))


@bp.put("/products/<product_id:id>")
@doc(
    summary="Replace a product and its SKU list (SKUs left out are removed; changing an "
    "existing SKU's stock also needs stock.write)",
    tag="admin-catalog",
    body=ProductIn,
    response=AdminProductOut,
    secured=True,
    errors=(403, 404, 409),
)
@admin_required(P.CATALOG_WRITE)
async def update_product(request: Request, product_id: int) -> HTTPResponse:
    data = parse_body(request, ProductIn)
    product, _ = await service.update_product(
        runtime_of(request), product_id=product_id, data=data, staff=request.ctx.staff
    )
    return render(await _product_out(request, product))


@bp.delete("/products/<product_id:id>")
@doc(
    summary="Remove a product (archived with its SKUs; 409 while unpaid orders hold one)",
    tag="admin-catalog",
    status=204,
    secured=True,
    errors=(403, 404, 409),
)
@admin_required(P.CATALOG_WRITE)
async def delete_product(request: Request, product_id: int) -> HTTPResponse:
    await service.archive_product(
        runtime_of(request), product_id=product_id, staff=request.ctx.staff
    )
    return empty()


async def _set_on_sale(request: Request, product_id: int, on_sale: bool) -> HTTPResponse:
    product = await service.set_on_sale(
        runtime_of(request), product_id=product_id, on_sale=on_sale, staff=request.ctx.staff
    )
    return render(await _product_out(request, product))


@bp.post("/products/<product_id:id>/on-sale")
@doc(
    summary="Put a product on sale",
    tag="admin-catalog",
    response=AdminProductOut,
    secured=True,
    errors=(403, 404),
)
@admin_required(P.CATALOG_WRITE)
async def put_on_sale(request: Request, product_id: int) -> HTTPResponse:
    return await _set_on_sale(request, product_id, True)


@bp.post("/products/<product_id:id>/off-sale")
@doc(
    summary="Take a product off sale",
    tag="admin-catalog",
    response=AdminProductOut,
    secured=True,
    errors=(403, 404),
)
@admin_required(P.CATALOG_WRITE)
async def take_off_sale(request: Request, product_id: int) -> HTTPResponse:
    return await _set_on_sale(request, product_id, False)


# --- stock -----------------------------------------------------------------------------------


@bp.get("/skus/low-stock")
@doc(
    summary="SKUs on sale below the low-stock threshold now, emptiest first",
    tag="admin-catalog",
    query=PageQuery,
    response=LowStockPage,
    secured=True,
    errors=(403,),
)
@admin_required(P.CATALOG_READ)
async def low_stock(request: Request) -> HTTPResponse:
    query = parse_query(request, PageQuery)
    rt = runtime_of(request)
    threshold = (await rt.shop.get()).low_stock_threshold
    skus, total = await service.get_low_stock_skus(
        threshold=threshold, offset=query.offset, limit=query.page_size
    )
    items = [
        LowStockOut(
            sku_id=s.sku_id,
            product_id=s.product_id,
            title=s.title,
            cover_url=rt.images.resolve(s.cover) if s.cover else "",
            specs=s.specs,
            price=s.price,
            stock=s.stock,
        )
        for s in skus
    ]
    page = LowStockPage(
        items=items, total=total, page=query.page, page_size=query.page_size, threshold=threshold
    )
    return render(page)


@bp.put("/skus/<sku_id:id>/stock")
@doc(
    summary="Set a SKU's stock (never below zero); the reason is logged",
    tag="admin-catalog",
    body=StockSet,
    response=StockOut,
    secured=True,
    errors=(403, 404, 409),
)
@admin_required(P.STOCK_WRITE)
async def set_stock(request: Request, sku_id: int) -> HTTPResponse:
    data = parse_body(request, StockSet)
    return await _change_stock(request, sku_id, data.reason, stock=data.stock)


@bp.post("/skus/<sku_id:id>/stock/adjust")
@doc(
    summary="Add to (or, with a negative delta, take from) a SKU's stock; 409 below zero",
    tag="admin-catalog",
    body=StockAdjust,
    response=StockOut,
    secured=True,
    errors=(403, 404, 409),
)
@admin_required(P.STOCK_WRITE)
async def adjust_stock(request: Request, sku_id: int) -> HTTPResponse:
    data = parse_body(request, StockAdjust)
    return await _change_stock(request, sku_id, data.reason, delta=data.delta)


async def _change_stock(
    request: Request, sku_id: int, reason: str, **change_by: int
) -> HTTPResponse:
    """Set (stock=) or move (delta=) a SKU's stock; the service logs who did it and why."""
    rt = runtime_of(request)
    change = await service.change_stock(
        rt, sku_id=sku_id, staff=request.ctx.staff, reason=reason, **change_by
    )
    threshold = (await rt.shop.get()).low_stock_threshold
    return render(_stock_out(change, threshold))
