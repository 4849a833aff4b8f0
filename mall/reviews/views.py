"""GET /api/v1/products/<id>/reviews, and the admin's /api/admin/reviews."""

from __future__ import annotations

from collections import defaultdict

from sanic import Blueprint, Request
from sanic.response import HTTPResponse

from mall.admin.permissions import Permission
from mall.auth.guards import admin_required
from mall.catalog.storefront import rating_avg
from mall.context import runtime_of
from mall.reviews import service
from mall.reviews.schemas import (
    AdminReviewOut,
    AdminReviewQuery,
    AuthorOut,
    MediaCheckOut,
    PublicReviewOut,
    ReplyIn,
    ReviewPageOut,
)
from mall.web import PageQuery, doc, parse_body, parse_query, render, render_page
from models import Product, Review, ReviewMediaCheck, User

bp = Blueprint("reviews")
admin_bp = Blueprint("admin_reviews")


def _author(user: User | None) -> AuthorOut:
    return AuthorOut(
        nickname=(user.nickname if user else "") or "微信用户",
        avatar_url=user.avatar_url if user else "",
    )


def _public(review: Review, user: User | None) -> PublicReviewOut:
    return PublicReviewOut(
        id=review.id,
        rating=review.rating,
        content=review.content,
        images=review.images,
        author=_author(user),
        reply=review.reply,
        replied_at=review.replied_at,
        created_at=review.created_at,
    )


@bp.get("/products/<product_id:id>/reviews")
@doc(
    summary="A product's published reviews, newest first, with its rating count and average",
    tag="catalog",
    query=PageQuery,
    response=ReviewPageOut,
    errors=(404,),
)
async def product_reviews(request: Request, product_id: int) -> HTTPResponse:
    query = parse_query(request, PageQuery)
    product, page, total = await service.published(
        product_id=product_id, offset=query.offset, limit=query.page_size
    )
    body = ReviewPageOut(
        items=[_public(review, user) for review, user in page],
        total=total,
        page=query.page,
        page_size=query.page_size,
        rating_count=product.rating_count,
        rating_avg=rating_avg(product.rating_count, product.rating_sum),
    )
    return render(body)


async def _admin_out(reviews: list[Review]) -> list[AdminReviewOut]:
    checks: dict[int, list[MediaCheckOut]] = defaultdict(list)
    for check in await ReviewMediaCheck.filter(review_id__in=[r.id for r in reviews]).order_by(
        "id"
    ):
        checks[check.review_id].append(  # type: ignore[attr-defined]
            MediaCheckOut(media_url=check.media_url, verdict=check.verdict)  # type: ignore[arg-type]
        )
    titles: dict[int, str] = {
        row["id"]: row["title"]
        for row in await Product.filter(id__in=[r.product_id for r in reviews]).values(
            "id", "title"
        )
    }
    users = {u.id: u for u in await User.filter(id__in=[r.user_id for r in reviews])}
    return [
        AdminReviewOut(
            id=r.id,
            order_id=r.order_id,
            order_item_id=r.order_item_id,
            product_id=r.product_id,
            product_title=titles.get(r.product_id, ""),
            user_id=r.user_id,
            author=_author(users.get(r.user_id)),
            rating=r.rating,
            content=r.content,
            images=r.images,
            state=r.state,  # type: ignore[arg-type]
            moderation_note=r.moderation_note,
            media_checks=checks[r.id],
            reply=r.reply,
            replied_at=r.replied_at,
            published_at=r.published_at,
            created_at=r.created_at,
        )
        for r in reviews
    ]


@admin_bp.get("/reviews")
@doc(
    summary="Reviews, newest first (?state=held for those waiting on staff)",
    tag="admin-reviews",
    query=AdminReviewQuery,
    page_of=AdminReviewOut,
    secured=True,
    errors=(403,),
)
@admin_required(Permission.REVIEWS_READ)
async def list_reviews(request: Request) -> HTTPResponse:
    query = parse_query(request, AdminReviewQuery)
    reviews, total = await service.get_all(
        state=query.state, offset=query.offset, limit=query.page_size
    )
    return render_page(await _admin_out(reviews), total=total, page=query)


@admin_bp.get("/reviews/<review_id:id>")
@doc(
    summary="One review with its moderation state and image verdicts",
    tag="admin-reviews",
    response=AdminReviewOut,
    secured=True,
    errors=(403, 404),
)
@admin_required(Permission.REVIEWS_READ)
async def get_review(request: Request, review_id: int) -> HTTPResponse:
    return render((await _admin_out([await service.get(review_id=review_id)]))[0])


async def _visible(request: Request, review_id: int, visible: bool) -> HTTPResponse:
    review = await service.set_visible(
        runtime_of(request), review_id=review_id, visible=visible, staff=request.ctx.staff
    )
    return render((await _admin_out([review]))[0])


@admin_bp.post("/reviews/<review_id:id>/show")
@doc(
    summary="Publish a review (approve a held one, or show a hidden one)",
    tag="admin-reviews",
    response=AdminReviewOut,
    secured=True,
    errors=(403, 404),
)
@admin_required(Permission.REVIEWS_WRITE)
async def show_review(request: Request, review_id: int) -> HTTPResponse:
    return await _visible(request, review_id, True)


@admin_bp.post("/reviews/<review_id:id>/hide")
@doc(
    summary="Hide a review from the storefront",
    tag="admin-reviews",
    response=AdminReviewOut,
    secured=True,
    errors=(403, 404),
)
@admin_required(Permission.REVIEWS_WRITE)
async def hide_review(request: Request, review_id: int) -> HTTPResponse:
    return await _visible(request, review_id, False)


@admin_bp.post("/reviews/<review_id:id>/reply")
@doc(
    summary="Reply to a review (shown under it)",
    tag="admin-reviews",
    body=ReplyIn,
    response=AdminReviewOut,
    secured=True,
    errors=(403, 404),
)
@admin_required(Permission.REVIEWS_WRITE)
async def reply_review(request: Request, review_id: int) -> HTTPResponse:
    data = parse_body(request, ReplyIn)
    review = await service.reply(review_id=review_id, content=data.content, staff=request.ctx.staff)
    return render((await _admin_out([review]))[0])
