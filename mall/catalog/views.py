"""Storefront API (/api/v1, no login) and the uploaded images themselves (/uploads)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import orjson
from sanic import Blueprint, Request
from sanic.response import HTTPResponse, empty, raw

from mall.auth.guards import optional_user_id
from mall.catalog import storefront
from mall.catalog.images import KINDS
from mall.catalog.schemas import (
    BannerList,
    BannerQuery,
    ProductDetail,
    ProductPage,
    ProductQuery,
    category_tree_schema,
)
from mall.catalog.search import keywords_of
from mall.catalog.storage import NAME_PATTERN
from mall.context import runtime_of
from mall.errors import NotFound
from mall.marketing import flash_sales, recording
from mall.marketing import service as marketing
from mall.web import doc, parse_query, render

bp = Blueprint("catalog")
files_bp = Blueprint("uploads")

JSON = "application/json"
IMMUTABLE = "public, max-age=31536000, immutable"
# An uploaded file is only ever an image to show: opened on its own it runs nothing, loads
# nothing and gets a unique origin, whatever a browser makes of its bytes.
UPLOAD_HEADERS = {
    "Cache-Control": IMMUTABLE,
    "Content-Security-Policy": "default-src 'none'; sandbox",
    "X-Content-Type-Options": "nosniff",
}


@bp.get("/categories")
@doc(
    summary="The category tree (visible categories only)",
    tag="catalog",
    response=category_tree_schema(admin=False),
)
async def categories(request: Request) -> HTTPResponse:
    body = await storefront.category_tree(
        runtime_of(request).catalog_cache, runtime_of(request).images
    )
    return raw(body, content_type=JSON)


@bp.get("/products")
@doc(
    summary="Products on sale: by category (with sub-categories), keywords, sort",
    description="A search (q) counts toward the hot keywords; with a customer's token it "
    "is also kept in their search history (recorded after the answer, never delaying it).",
    tag="catalog",
    query=ProductQuery,
    response=ProductPage,
    auth_optional=True,
    errors=(404,),
)
async def products(request: Request) -> HTTPResponse:
    query = parse_query(request, ProductQuery)
    user_id = await optional_user_id(request)
    rt = runtime_of(request)
    body = await storefront.product_page(rt.catalog_cache, rt.images, query)
    if query.q:
        recording.searched(
            rt, user_id=user_id, keywords=keywords_of(query.q), first_page=query.page == 1
        )
    return raw(body, content_type=JSON)


@bp.get("/products/<product_id:id>")
@doc(
    summary="A product with its SKUs",
    description="flash_sale: the product's live flash sale, if any. With a customer's "
    "token: is_favorite says whether they keep it, and the view is their footprint for "
    "today (recorded after the answer, never delaying it).",
    tag="catalog",
    response=ProductDetail,
    auth_optional=True,
    errors=(404,),
)
async def product(request: Request, product_id: int) -> HTTPResponse:
    user_id = await optional_user_id(request)
    rt = runtime_of(request)
    now = datetime.now(UTC)
    body, live, kept = await asyncio.gather(
        storefront.product_detail(rt.catalog_cache, rt.images, product_id),
        flash_sales.live_for_product(product_id, now=now),
        _kept(user_id, product_id),
    )
    if user_id is not None:
        recording.product_viewed(rt, user_id=user_id, product_id=product_id)
    if live is None and kept is None:
        return raw(body, content_type=JSON)
    detail = orjson.loads(body)
    detail["is_favorite"] = kept
    detail["flash_sale"] = live.model_dump(mode="json") if live else None
    return raw(orjson.dumps(detail), content_type=JSON)


async def _kept(user_id: int | None, product_id: int) -> bool | None:
    if user_id is None:
        return None
    return await marketing.is_favorite(user_id=user_id, product_id=product_id)


@bp.get("/banners")
@doc(summary="Banners to show now", tag="catalog", query=BannerQuery, response=BannerList)
async def banners(request: Request) -> HTTPResponse:
    query = parse_query(request, BannerQuery)
    listing = await storefront.active_banners(
        runtime_of(request).catalog_cache,
        runtime_of(request).images,
        position=query.position,
        now=datetime.now(UTC),
    )
    return render(listing)


@files_bp.get("/uploads/<name:str>")
@doc(
    summary="An uploaded image (named by its content hash: cache it forever)",
    tag="uploads",
    response={"type": "string", "format": "binary"},
    errors=(404,),
)
async def uploaded_file(request: Request, name: str) -> HTTPResponse:
    if not NAME_PATTERN.fullmatch(name):
        raise NotFound("No such image", code="image_not_found")
    etag = '"' + name.split(".")[0] + '"'
    headers = {**UPLOAD_HEADERS, "ETag": etag}
    if request.headers.get("if-none-match") == etag:
        return empty(status=304, headers=headers)
    data = await runtime_of(request).images.read(name)
    if data is None:
        raise NotFound("No such image", code="image_not_found")
    kind = KINDS[name.rsplit(".", 1)[1]]
    return raw(data, content_type=kind.content_type, headers=headers)
