"""Admin API of the catalogue (/api/admin): categories, products with SKUs, stock, banners
and image uploads. Each route names its permission; each write lands in the audit log."""

from __future__ import annotations

from datetime import UTC, datetime

from sanic import Blueprint, Request
from sanic.response import HTTPResponse, empty, json
from sanic_ext.extensions.openapi import openapi

from mall.admin.permissions import Permission
from mall.admin.views import audit
from mall.auth.guards import admin_required
from mall.catalog import banners, categories, presenters, service
from mall.catalog.schemas import (
    AdminBannerOut,
    AdminBannerQuery,
    AdminProductOut,
    AdminProductQuery,
    AdminProductRow,
    BannerIn,
    CategoryIn,
    CategoryOut,
    ProductIn,
    StockAdjust,
    StockOut,
    StockSet,
    UploadOut,
    category_tree_schema,
)
from mall.catalog.search import stock_totals
from mall.catalog.service import StockChange
from mall.catalog.uploads import store_image
from mall.catalog.views import catalog_cache, image_storage
from mall.shop import service as shop
from mall.web import doc, form_file, parse_body, parse_query, render, render_page
from models import Admin, Product

bp = Blueprint("catalog_admin")

P = Permission


async def _has_permission(admin: Admin, permission: Permission) -> bool:
    if admin.is_superuser:
        return True
    await admin.fetch_related("roles")
    return any(permission.value in (role.permissions or []) for role in admin.roles)


async def _product_out(request: Request, product: Product) -> AdminProductOut:
    skus = await service.get_live_skus(product_id=product.id)
    return presenters.product_out(product, skus, image_storage(request))


def _stock_out(change: StockChange, threshold: int) -> StockOut:
    return StockOut(
        sku_id=change.sku_id,
        product_id=change.product_id,
        previous=change.previous,
        stock=change.stock,
        low=change.stock < threshold,
    )


# --- categories ----------------------------------------------------------------------------


@bp.get("/categories")
@doc(
    summary="Every category as a tree, hidden ones too",
    tag="admin-catalog",
    response=category_tree_schema(admin=True),
    secured=True,
    errors=(403,),
)
@admin_required(P.CATALOG_READ)
async def list_categories(request: Request) -> HTTPResponse:
    every, counts = await categories.get_all()
    return json(presenters.admin_tree(every, counts, image_storage(request)))


@bp.post("/categories")
@doc(
    summary="Create a category",
    tag="admin-catalog",
    body=CategoryIn,
    response=CategoryOut,
    status=201,
    secured=True,
    errors=(403, 409),
)
@admin_required(P.CATALOG_WRITE)
async def create_category(request: Request) -> HTTPResponse:
    data = parse_body(request, CategoryIn)
    category = await categories.create(
        cache=catalog_cache(request), storage=image_storage(request), data=data
    )
    await audit(request, "category.create", "category", category.id, **data.model_dump())
    return render(presenters.category_out(category, image_storage(request)), status=201)


@bp.get("/categories/<category_id:id>")
@doc(
    summary="One category",
    tag="admin-catalog",
    response=CategoryOut,
    secured=True,
    errors=(403, 404),
)
@admin_required(P.CATALOG_READ)
async def get_category(request: Request, category_id: int) -> HTTPResponse:
    category = await categories.get(category_id=category_id)
    return render(presenters.category_out(category, image_storage(request)))


@bp.put("/categories/<category_id:id>")
@doc(
    summary="Replace a category (rename, move, reorder, hide)",
    tag="admin-catalog",
    body=CategoryIn,
    response=CategoryOut,
    secured=True,
    errors=(403, 404, 409),
)
@admin_required(P.CATALOG_WRITE)
async def update_category(request: Request, category_id: int) -> HTTPResponse:
    data = parse_body(request, CategoryIn)
    category = await categories.update(
        cache=catalog_cache(request),
        storage=image_storage(request),
        category_id=category_id,
        data=data,
    )
    await audit(request, "category.update", "category", category.id, **data.model_dump())
    return render(presenters.category_out(category, image_storage(request)))


@bp.delete("/categories/<category_id:id>")
@doc(
    summary="Delete an empty category",
    tag="admin-catalog",
    status=204,
    secured=True,
    errors=(403, 404, 409),
)
@admin_required(P.CATALOG_WRITE)
async def delete_category(request: Request, category_id: int) -> HTTPResponse:
    await categories.delete(cache=catalog_cache(request), category_id=category_id)
    await audit(request, "category.delete", "category", category_id)
    return empty()


# --- products ------------------------------------------------------------------------------


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
    threshold = (await shop.get()).low_stock_threshold
    rows, total = await service.get_all_products(query=query, low_stock_threshold=threshold)
    stock = await stock_totals([row.id for row in rows])
    storage = image_storage(request)
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
    product = await service.create_product(
        cache=catalog_cache(request), storage=image_storage(request), data=data
    )
    out = await _product_out(request, product)
    await audit(
        request,
        "product.create",
        "product",
        product.id,
        title=product.title,
        category_id=data.category_id,
        on_sale=data.on_sale,
        skus=[{"id": s.id, "specs": s.specs, "price": s.price, "stock": s.stock} for s in out.skus],
    )
    return render(out, status=201)


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
    product, edit = await service.update_product(
        cache=catalog_cache(request),
        storage=image_storage(request),
        product_id=product_id,
        data=data,
        may_set_stock=await _has_permission(request.ctx.admin, P.STOCK_WRITE),
        low_stock_threshold=(await shop.get()).low_stock_threshold,
    )
    await audit(
        request,
        "product.update",
        "product",
        product.id,
        title=product.title,
        category_id=data.category_id,
        on_sale=data.on_sale,
        added_skus=edit.added,
        removed_skus=edit.removed,
        prices={str(sku_id): change for sku_id, change in edit.prices.items()},
        stock={str(sku_id): change for sku_id, change in edit.stock.items()},
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
    await service.archive_product(cache=catalog_cache(request), product_id=product_id)
    await audit(request, "product.delete", "product", product_id)
    return empty()


async def _set_on_sale(request: Request, product_id: int, on_sale: bool) -> HTTPResponse:
    product = await service.set_on_sale(
        cache=catalog_cache(request), product_id=product_id, on_sale=on_sale
    )
    await audit(
        request,
        "product.on_sale" if on_sale else "product.off_sale",
        "product",
        product.id,
        title=product.title,
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
    return await _change_stock(request, sku_id, "sku.stock_set", data.reason, stock=data.stock)


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
    return await _change_stock(request, sku_id, "sku.stock_adjust", data.reason, delta=data.delta)


async def _change_stock(
    request: Request, sku_id: int, action: str, reason: str, **change_by: int
) -> HTTPResponse:
    """Set (stock=) or move (delta=) a SKU's stock, log who did it and why."""
    threshold = (await shop.get()).low_stock_threshold
    change = await service.change_stock(
        cache=catalog_cache(request), sku_id=sku_id, low_stock_threshold=threshold, **change_by
    )
    moved = {"delta": change_by["delta"]} if "delta" in change_by else {}
    await audit(
        request,
        action,
        "sku",
        sku_id,
        product_id=change.product_id,
        previous=change.previous,
        stock=change.stock,
        reason=reason,
        **moved,
    )
    return render(_stock_out(change, threshold))


# --- banners ---------------------------------------------------------------------------------


@bp.get("/banners")
@doc(
    summary="Every banner, by position and sort order",
    tag="admin-catalog",
    query=AdminBannerQuery,
    page_of=AdminBannerOut,
    secured=True,
    errors=(403,),
)
@admin_required(P.CATALOG_READ)
async def list_banners(request: Request) -> HTTPResponse:
    query = parse_query(request, AdminBannerQuery)
    items, total = await banners.get_all(query=query)
    now, storage = datetime.now(UTC), image_storage(request)
    return render_page(
        [presenters.banner_out(b, storage, now) for b in items], total=total, page=query
    )


@bp.post("/banners")
@doc(
    summary="Create a banner",
    tag="admin-catalog",
    body=BannerIn,
    response=AdminBannerOut,
    status=201,
    secured=True,
    errors=(403,),
)
@admin_required(P.CATALOG_WRITE)
async def create_banner(request: Request) -> HTTPResponse:
    data = parse_body(request, BannerIn)
    storage = image_storage(request)
    banner = await banners.create(cache=catalog_cache(request), storage=storage, data=data)
    await audit(request, "banner.create", "banner", banner.id, **data.model_dump(mode="json"))
    return render(presenters.banner_out(banner, storage, datetime.now(UTC)), status=201)


@bp.get("/banners/<banner_id:id>")
@doc(
    summary="One banner",
    tag="admin-catalog",
    response=AdminBannerOut,
    secured=True,
    errors=(403, 404),
)
@admin_required(P.CATALOG_READ)
async def get_banner(request: Request, banner_id: int) -> HTTPResponse:
    banner = await banners.get(banner_id=banner_id)
    return render(presenters.banner_out(banner, image_storage(request), datetime.now(UTC)))


@bp.put("/banners/<banner_id:id>")
@doc(
    summary="Replace a banner",
    tag="admin-catalog",
    body=BannerIn,
    response=AdminBannerOut,
    secured=True,
    errors=(403, 404),
)
@admin_required(P.CATALOG_WRITE)
async def update_banner(request: Request, banner_id: int) -> HTTPResponse:
    data = parse_body(request, BannerIn)
    storage = image_storage(request)
    banner = await banners.update(
        cache=catalog_cache(request), storage=storage, banner_id=banner_id, data=data
    )
    await audit(request, "banner.update", "banner", banner.id, **data.model_dump(mode="json"))
    return render(presenters.banner_out(banner, storage, datetime.now(UTC)))


@bp.delete("/banners/<banner_id:id>")
@doc(summary="Delete a banner", tag="admin-catalog", status=204, secured=True, errors=(403, 404))
@admin_required(P.CATALOG_WRITE)
async def delete_banner(request: Request, banner_id: int) -> HTTPResponse:
    await banners.delete(cache=catalog_cache(request), banner_id=banner_id)
    await audit(request, "banner.delete", "banner", banner_id)
    return empty()


# --- uploads ---------------------------------------------------------------------------------


@bp.post("/uploads")
@openapi.body(
    {
        "multipart/form-data": {
            "type": "object",
            "required": ["file"],
            "properties": {"file": {"type": "string", "format": "binary"}},
        }
    },
    required=True,
)
@doc(
    summary="Upload an image (JPEG, PNG, GIF or WebP, by content; size-limited)",
    tag="admin-catalog",
    response=UploadOut,
    status=201,
    secured=True,
    errors=(403, 413, 422),
)
@admin_required(P.UPLOADS_WRITE)
async def upload(request: Request) -> HTTPResponse:
    file = form_file(request, "file")
    storage = image_storage(request)
    stored = await store_image(
        storage=storage,
        data=file.body,
        max_bytes=request.app.ctx.settings.upload_max_bytes,
    )
    await audit(
        request,
        "upload.create",
        "upload",
        stored.sha256[:16],
        name=stored.name,
        size=stored.size,
        filename=(file.name or "")[:100],
    )
    info = stored.info
    out = UploadOut(
        url=storage.url(stored.name),
        path=stored.ref,
        content_type=info.kind.content_type,
        size=stored.size,
        width=info.width,
        height=info.height,
        sha256=stored.sha256,
    )
    return render(out, status=201)
