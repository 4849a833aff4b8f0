"""Reviews: written by customers of completed orders, checked by WeChat, read by everyone,
kept by staff (show, hide, reply)."""

from __future__ import annotations

from datetime import UTC, datetime

from tortoise.transactions import in_transaction

from mall.admin import audit
from mall.admin.audit import Staff
from mall.errors import NotFound
from mall.reviews import ratings
from mall.runtime import Runtime
from models import Product, Review, User


async def published(
    *, product_id: int, offset: int, limit: int
) -> tuple[Product, list[tuple[Review, User | None]], int]:
    """A product's published reviews, newest first, with their authors."""
    product = await Product.get_or_none(id=product_id, archived_at=None)
    if product is None:
        raise NotFound("Product not found", code="product_not_found")
    reviews = Review.filter(product_id=product_id, state="published")
    total = await reviews.count()
    page = await reviews.order_by("-published_at", "-id").offset(offset).limit(limit)
    users = {u.id: u for u in await User.filter(id__in=[r.user_id for r in page])}
    return product, [(r, users.get(r.user_id)) for r in page], total


async def get_all(*, state: str | None, offset: int, limit: int) -> tuple[list[Review], int]:
    """Reviews for staff, newest first, optionally in one state."""
    reviews = Review.all() if state is None else Review.filter(state=state)
    total = await reviews.count()
    return await reviews.order_by("-id").offset(offset).limit(limit), total


async def get(*, review_id: int) -> Review:
    review = await Review.get_or_none(id=review_id)
    if review is None:
        raise NotFound("Review not found", code="review_not_found")
    return review


async def set_visible(rt: Runtime, *, review_id: int, visible: bool, staff: Staff) -> Review:
    """Staff show (approve) or hide a review; audited in the same transaction."""
    async with in_transaction():
        review = await Review.filter(id=review_id).select_for_update().first()
        if review is None:
            raise NotFound("Review not found", code="review_not_found")
        before = review.state
        moved = await ratings.move(
            review, "published" if visible else "hidden", note=review.moderation_note
        )
        if moved:
            await audit.record(
                staff,
                "review.show" if visible else "review.hide",
                target_type="review",
                target_id=review.id,
                detail={"from": before, "to": review.state},
            )
    if moved:
        await ratings.refresh_product(rt, review.product_id)
    return review


async def reply(*, review_id: int, content: str, staff: Staff) -> Review:
    """The shop's reply, shown under the review; audited in the same transaction."""
    async with in_transaction():
        review = await Review.filter(id=review_id).select_for_update().first()
        if review is None:
            raise NotFound("Review not found", code="review_not_found")
        now = datetime.now(UTC)
        await Review.filter(id=review.id).update(reply=content, replied_at=now)
        await audit.record(
            staff,
            "review.reply",
            target_type="review",
            target_id=review.id,
            detail={"reply": content, "previous": review.reply},
        )
    review.reply, review.replied_at = content, now
    return review
