"""Storefront API (/api/v1, no login) and the uploaded images themselves (/uploads)."""

from __future__ import annotations

from datetime import UTC, datetime

from sanic import Blueprint, Request
from sanic.response import HTTPResponse, empty, raw

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
from mall.catalog.storage import NAME_PATTERN
from mall.context import runtime_of
from mall.errors import NotFound
from mall.web import doc, parse_query, render

bp = Blueprint("catalog")
files_bp = Blueprint("uploads")

JSON = "application/json"
IMMUTABLE = "public, max-age=31536000, immutable"


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
    tag="catalog",
    query=ProductQuery,
    response=ProductPage,
    errors=(404,),
)
async def products(request: Request) -> HTTPResponse:
    query = parse_query(request, ProductQuery)
    body = await storefront.product_page(
        runtime_of(request).catalog_cache, runtime_of(request).images, query
    )
    return raw(body, content_type=JSON)


@bp.get("/products/<product_id:id>")
@doc(summary="A product with its SKUs", tag="catalog", response=ProductDetail, errors=(404,))
async def product(request: Request, product_id: int) -> HTTPResponse:
    body = await storefront.product_detail(
        runtime_of(request).catalog_cache, runtime_of(request).images, product_id
    )
    return raw(body, content_type=JSON)


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
    if not NAME_PATTERN.match(name):
        raise NotFound("No such image", code="image_not_found")
    etag = '"' + name.split(".")[0] + '"'
    headers = {"Cache-Control": IMMUTABLE, "ETag": etag, "X-Content-Type-Options": "nosniff"}
    if request.headers.get("if-none-match") == etag:
        return empty(status=304, headers=headers)
    data = await runtime_of(request).images.read(name)
    if data is None:
        raise NotFound("No such image", code="image_not_found")
    kind = KINDS[name.rsplit(".", 1)[1]]
    return raw(data, content_type=kind.content_type, headers=headers)
