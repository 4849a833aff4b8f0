"""Reviews: written by customers of completed orders, checked by WeChat, read by everyone,
kept by staff (show, hide, reply)."""

from __future__ import annotations

from datetime import UTC, datetime

import redis.asyncio as aioredis
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from mall.admin import service as audit
from mall.errors import Conflict, NotFound
from mall.reviews import moderation, ratings
from mall.wechat import wxa
from mall.wechat.miniprogram import MiniProgramClient
from models import Admin, Order, OrderItem, Product, Review, ReviewMediaCheck, User


def _conflict(order: Order) -> Conflict:
    return Conflict(
        f"Cannot review an order that is {order.status}",
        code="invalid_order_state",
        details={"status": order.status},
    )


async def create(
    *,
    client: MiniProgramClient,
    redis: aioredis.Redis | None,
    user: User,
    order: Order,
    order_item_id: int,
    rating: int,
    content: str,
    images: list[str],
) -> Review:
    """One review per item of a completed order. Risky text: 422 content_rejected; text that
    needs a person, or a check that could not run: held; images: checked, then published."""
    if order.status != "completed":
        raise _conflict(order)
    item = await OrderItem.get_or_none(id=order_item_id, order_id=order.id)
    if item is None:
        raise NotFound("Order item not found", code="order_item_not_found")
    if item.reviewed:
        raise Conflict("This item was already reviewed", code="already_reviewed")
    target, note = ("checking" if images else "published"), ""
    if content.strip():
        verdict = await moderation.check_text(
            client=client,
            openid=user.openid,
            content=content,
            scene=wxa.SCENE_COMMENT,
            field="content",
        )
        if verdict is None:
            target, note = "held", "WeChat's text check could not be reached; please look"
        elif verdict.suggest == "review":
            target, note = "held", f"WeChat suggests a person's look (label {verdict.label})"
    try:
        async with in_transaction():
            won = await OrderItem.filter(id=item.id, reviewed=False).update(reviewed=True)
            if not won:
                raise Conflict("This item was already reviewed", code="already_reviewed")
            review = await Review.create(
                order_item_id=item.id,
                order_id=order.id,
                user_id=user.id,
                product_id=item.product_id,
                rating=rating,
                content=content,
                images=images,
                state="checking" if target == "published" else target,
                moderation_note=note,
            )
            if target == "published":
                await ratings.move(review, "published")
            for url in images:
                await ReviewMediaCheck.create(
                    review_id=review.id, media_url=url, next_attempt_at=datetime.now(UTC)
                )
    except IntegrityError:
        raise Conflict("This item was already reviewed", code="already_reviewed") from None
    if images:
        await moderation.kick(review.id)
    if review.state == "published":
        await ratings.refresh_product(review.product_id, redis)
    return review


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


async def set_visible(
    *,
    review_id: int,
    visible: bool,
    admin: Admin | None,
    ip: str = "",
    redis: aioredis.Redis | None,
) -> Review:
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
                admin=admin,
                action="review.show" if visible else "review.hide",
                target_type="review",
                target_id=review.id,
                detail={"from": before, "to": review.state},
                ip=ip,
            )
    if moved:
        await ratings.refresh_product(review.product_id, redis)
    return review


async def reply(*, review_id: int, content: str, admin: Admin | None, ip: str = "") -> Review:
    """The shop's reply, shown under the review; audited in the same transaction."""
    async with in_transaction():
        review = await Review.filter(id=review_id).select_for_update().first()
        if review is None:
            raise NotFound("Review not found", code="review_not_found")
        now = datetime.now(UTC)
        await Review.filter(id=review.id).update(reply=content, replied_at=now)
        await audit.record(
            admin=admin,
            action="review.reply",
            target_type="review",
            target_id=review.id,
            detail={"reply": content, "previous": review.reply},
            ip=ip,
        )
    review.reply, review.replied_at = content, now
    return review
