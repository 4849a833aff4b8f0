"""A customer's favorites, footprints and search history (/api/v1), the hot keywords, and
the keywords staff pin (/api/admin/search/pinned-keywords)."""

from __future__ import annotations

from datetime import UTC, datetime

from sanic import Blueprint, Request
from sanic.response import HTTPResponse, empty

from mall.admin.permissions import Permission
from mall.auth.guards import admin_required, user_token_required
from mall.context import runtime_of
from mall.marketing import activity, service
from mall.marketing.schemas import (
    FavoriteOut,
    FootprintOut,
    HotKeywordOut,
    HotKeywordsOut,
    PinnedKeywordIn,
    PinnedKeywordOut,
    SearchHistoryOut,
    SearchTermOut,
)
from mall.marketing.service import ProductBrief, missing_product
from mall.web import PageQuery, doc, parse_body, parse_query, render, render_page
from models import PinnedKeyword

bp = Blueprint("marketing")
admin_bp = Blueprint("admin_marketing")


def _line(brief: ProductBrief) -> dict[str, object]:
    return {
        "product_id": brief.product_id,
        "title": brief.title,
        "cover_url": brief.cover_url,
        "min_price": brief.min_price,
        "available": brief.available,
    }


# --- favorites -------------------------------------------------------------------------------


@bp.post("/favorites/<product_id:id>")
@doc(
    summary="Keep a product among the customer's favorites (keeping it again changes nothing)",
    tag="marketing",
    status=204,
    secured=True,
    errors=(404,),
)
@user_token_required
async def add_favorite(request: Request, product_id: int) -> HTTPResponse:
    await service.add_favorite(user_id=request.ctx.claims.subject, product_id=product_id)
    return empty()


@bp.delete("/favorites/<product_id:id>")
@doc(
    summary="Drop a product from the customer's favorites (not kept: nothing to do)",
    tag="marketing",
    status=204,
    secured=True,
    errors=(404,),
)
@user_token_required
async def remove_favorite(request: Request, product_id: int) -> HTTPResponse:
    await service.remove_favorite(user_id=request.ctx.claims.subject, product_id=product_id)
    return empty()


@bp.get("/favorites")
@doc(
    summary="The customer's favorites, newest first",
    tag="marketing",
    query=PageQuery,
    page_of=FavoriteOut,
    secured=True,
)
@user_token_required
async def favorites(request: Request) -> HTTPResponse:
    query = parse_query(request, PageQuery)
    rows, total = await service.favorites(
        user_id=request.ctx.claims.subject, offset=query.offset, limit=query.page_size
    )
    briefs = await service.product_briefs([pid for pid, _ in rows], runtime_of(request).images)
    items = [
        FavoriteOut(**_line(briefs.get(pid) or missing_product(pid)), favorited_at=at)  # type: ignore[arg-type]
        for pid, at in rows
    ]
    return render_page(items, total=total, page=query)


# --- footprints ------------------------------------------------------------------------------


@bp.get("/footprints")
@doc(
    summary="Products the customer opened, one per product per day, newest first",
    tag="marketing",
    query=PageQuery,
    page_of=FootprintOut,
    secured=True,
)
@user_token_required
async def footprints(request: Request) -> HTTPResponse:
    query = parse_query(request, PageQuery)
    rt = runtime_of(request)
    page, total = await activity.footprints(
        rt.redis, user_id=request.ctx.claims.subject, offset=query.offset, limit=query.page_size
    )
    briefs = await service.product_briefs([f.product_id for f in page], rt.images)
    items = [
        FootprintOut(
            **_line(briefs.get(f.product_id) or missing_product(f.product_id)),  # type: ignore[arg-type]
            day=f.day,
            viewed_at=f.viewed_at,
        )
        for f in page
    ]
    return render_page(items, total=total, page=query)


@bp.delete("/footprints")
@doc(summary="Forget every footprint of the customer", tag="marketing", status=204, secured=True)
@user_token_required
async def clear_footprints(request: Request) -> HTTPResponse:
    await activity.clear_footprints(runtime_of(request).redis, user_id=request.ctx.claims.subject)
    return empty()


# --- search ----------------------------------------------------------------------------------


@bp.get("/search/history")
@doc(
    summary="The customer's recent searches, newest first (each term once)",
    tag="marketing",
    response=SearchHistoryOut,
    secured=True,
)
@user_token_required
async def search_history(request: Request) -> HTTPResponse:
    rt = runtime_of(request)
    rows = await activity.search_history(
        rt.redis, user_id=request.ctx.claims.subject, limit=rt.settings.search_history_limit
    )
    return render(
        SearchHistoryOut(items=[SearchTermOut(keyword=k, searched_at=at) for k, at in rows])
    )


@bp.delete("/search/history")
@doc(summary="Forget the customer's searches", tag="marketing", status=204, secured=True)
@user_token_required
async def clear_search_history(request: Request) -> HTTPResponse:
    await activity.clear_search_history(
        runtime_of(request).redis, user_id=request.ctx.claims.subject
    )
    return empty()


@bp.get("/search/hot")
@doc(
    summary="Hot keywords: staff's pinned ones first, then the most searched of the last 7 days",
    tag="marketing",
    response=HotKeywordsOut,
)
async def hot_keywords(request: Request) -> HTTPResponse:
    rt = runtime_of(request)
    found = await service.hot_keywords(
        rt.redis, now=datetime.now(UTC), limit=rt.settings.hot_keywords_limit
    )
    return render(HotKeywordsOut(items=[HotKeywordOut(keyword=k, pinned=p) for k, p in found]))


# --- staff -----------------------------------------------------------------------------------


def _pinned_out(pinned: PinnedKeyword) -> PinnedKeywordOut:
    return PinnedKeywordOut.model_validate(pinned, from_attributes=True)


@admin_bp.get("/search/pinned-keywords")
@doc(
    summary="Keywords pinned first among the hot keywords",
    tag="admin-marketing",
    query=PageQuery,
    page_of=PinnedKeywordOut,
    secured=True,
    errors=(403,),
)
@admin_required(Permission.MARKETING_READ)
async def pinned_keywords(request: Request) -> HTTPResponse:
    query = parse_query(request, PageQuery)
    rows, total = await service.pinned_keywords(offset=query.offset, limit=query.page_size)
    return render_page([_pinned_out(p) for p in rows], total=total, page=query)


@admin_bp.post("/search/pinned-keywords")
@doc(
    summary="Pin a keyword (lower sort_order first)",
    tag="admin-marketing",
    body=PinnedKeywordIn,
    response=PinnedKeywordOut,
    status=201,
    secured=True,
    errors=(403, 409),
)
@admin_required(Permission.MARKETING_WRITE)
async def pin_keyword(request: Request) -> HTTPResponse:
    data = parse_body(request, PinnedKeywordIn)
    pinned = await service.pin_keyword(
        keyword=data.keyword, sort_order=data.sort_order, staff=request.ctx.staff
    )
    return render(_pinned_out(pinned), status=201)


@admin_bp.delete("/search/pinned-keywords/<keyword_id:id>")
@doc(
    summary="Unpin a keyword",
    tag="admin-marketing",
    status=204,
    secured=True,
    errors=(403, 404),
)
@admin_required(Permission.MARKETING_WRITE)
async def unpin_keyword(request: Request, keyword_id: int) -> HTTPResponse:
    await service.unpin_keyword(keyword_id=keyword_id, staff=request.ctx.staff)
    return empty()
