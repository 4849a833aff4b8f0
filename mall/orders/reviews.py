"""Reviews of the items of completed orders, checked by WeChat's content security before
anyone reads them (mall/reviews/moderation.py)."""

from __future__ import annotations

from datetime import UTC, datetime

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from mall.errors import Conflict, NotFound
from mall.orders.errors import OrderError, state_conflict
from mall.orders.schemas import ReviewIn
from mall.reviews import moderation, ratings
from mall.runtime import Runtime
from mall.wechat import wxa
from models import Order, OrderItem, OrderStatus, Review, ReviewMediaCheck, User


def _already_reviewed() -> Conflict:
    return Conflict("This item was already reviewed", code=OrderError.ALREADY_REVIEWED)


async def review(rt: Runtime, *, user: User, order: Order, data: ReviewIn) -> Review:
    """One review per item of a completed order. Risky text: 422 content_rejected; text that
    needs a person's look, or a check that could not run: held for staff; with images:
    published once WeChat passed every one; otherwise published at once."""
    if order.status != OrderStatus.COMPLETED:
        raise state_conflict(order.status, "review")
    item = await OrderItem.get_or_none(id=data.order_item_id, order_id=order.id)
    if item is None:
        raise NotFound("Order item not found", code=OrderError.ORDER_ITEM_NOT_FOUND)
    if item.reviewed:
        raise _already_reviewed()
    target, note = ("checking" if data.images else "published"), ""
    if data.content.strip():
        verdict = await moderation.check_text(
            client=rt.wechat,
            openid=user.openid,
            content=data.content,
            scene=wxa.SCENE_COMMENT,
            field="content",
        )
        if verdict is None:
            target, note = "held", "WeChat's text check could not be reached; please look"
        elif verdict.suggest == "review":
            target, note = "held", f"WeChat suggests a person's look (label {verdict.label})"
    try:
        async with in_transaction():
            if not await OrderItem.filter(id=item.id, reviewed=False).update(reviewed=True):
                raise _already_reviewed()
            created = await Review.create(
                order_item_id=item.id,
                order_id=order.id,
                user_id=user.id,
                product_id=item.product_id,
                rating=data.rating,
                content=data.content,
                images=data.images,
                state="checking" if target == "published" else target,
                moderation_note=note,
            )
            if target == "published":
                await ratings.move(created, "published")
            for url in data.images:
                await ReviewMediaCheck.create(
                    review_id=created.id, media_url=url, next_attempt_at=datetime.now(UTC)
                )
    except IntegrityError:
        raise _already_reviewed() from None
    if data.images:
        await moderation.kick(rt, created.id)
    if created.state == "published":
        await ratings.refresh_product(rt, created.product_id)
    return created
