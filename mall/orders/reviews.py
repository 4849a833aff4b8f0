"""Reviews of the items of completed orders."""

from __future__ import annotations

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from mall.errors import Conflict, NotFound
from mall.orders.errors import OrderError, state_conflict
from mall.orders.schemas import ReviewIn
from models import Order, OrderItem, OrderStatus, Review, User


async def review(*, user: User, order: Order, data: ReviewIn) -> Review:
    """One review per item of a completed order."""
    if order.status != OrderStatus.COMPLETED:
        raise state_conflict(order.status, "review")
    item = await OrderItem.get_or_none(id=data.order_item_id, order_id=order.id)
    if item is None:
        raise NotFound("Order item not found", code=OrderError.ORDER_ITEM_NOT_FOUND)
    try:
        async with in_transaction():
            created = await Review.create(
                order_item_id=item.id,
                order_id=order.id,
                user_id=user.id,
                product_id=item.product_id,
                rating=data.rating,
                content=data.content,
                images=data.images,
            )
            await OrderItem.filter(id=item.id).update(reviewed=True)
    except IntegrityError:
        raise Conflict("This item was already reviewed", code=OrderError.ALREADY_REVIEWED) from None
    return created
