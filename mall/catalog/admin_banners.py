"""Admin API of banners (/api/admin/banners). Each route names its
permission; each write lands in the audit log (written by the service, in its transaction)."""

from __future__ import annotations

from datetime import UTC, datetime

from sanic import Blueprint, Request
from sanic.response import HTTPResponse, empty

from mall.admin.permissions import Permission
from mall.auth.guards import admin_required
from mall.catalog import banners, presenters
from mall.catalog.schemas import (
    AdminBannerOut,
    AdminBannerQuery,
    BannerIn,
)
from mall.context import runtime_of
from mall.web import doc, parse_body, parse_query, render, render_page

bp = Blueprint("admin_catalog_banners")

P = Permission


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
    now, storage = datetime.now(UTC), runtime_of(request).images
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
    storage = runtime_of(request).images
    banner = await banners.create(
        cache=runtime_of(request).catalog_cache, storage=storage, data=data, staff=request.ctx.staff
    )
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
    return render(presenters.banner_out(banner, runtime_of(request).images, datetime.now(UTC)))


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
    storage = runtime_of(request).images
    banner = await banners.update(
        cache=runtime_of(request).catalog_cache,
        storage=storage,
        banner_id=banner_id,
        data=data,
        staff=request.ctx.staff,
    )
    return render(presenters.banner_out(banner, storage, datetime.now(UTC)))


@bp.delete("/banners/<banner_id:id>")
@doc(summary="Delete a banner", tag="admin-catalog", status=204, secured=True, errors=(403, 404))
@admin_required(P.CATALOG_WRITE)
async def delete_banner(request: Request, banner_id: int) -> HTTPResponse:
    await banners.delete(
        cache=runtime_of(request).catalog_cache, banner_id=banner_id, staff=request.ctx.staff
    )
    return empty()
