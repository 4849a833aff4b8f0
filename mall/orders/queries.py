"""Reading orders: a customer's own, and staff's filtered list."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from mall.errors import ValidationFailed
from mall.orders import stats
from mall.orders.errors import order_not_found
from mall.orders.schemas import AdminOrderFilter, AdminOrderQuery
from models import Order, User


async def get(*, user: User, order_id: int) -> Order:
    """The user's own order; someone else's is indistinguishable from a missing one."""
    order = await Order.get_or_none(id=order_id, user_id=user.id)
    if order is None:
        raise order_not_found()
    return order


async def get_any(*, order_id: int) -> Order:
    """Any order (staff, tasks)."""
    order = await Order.get_or_none(id=order_id)
    if order is None:
        raise order_not_found()
    return order


async def get_all(
    *, user: User, status: str | None, offset: int, limit: int
) -> tuple[list[Order], int]:
    """A customer's orders, newest first, with the total."""
    orders = Order.filter(user_id=user.id)
    if status:
        orders = orders.filter(status=status)
    total = await orders.count()
    return await orders.order_by("-id").offset(offset).limit(limit), total


async def filtered(query: AdminOrderFilter) -> Any:
    """Staff's filters (the list's and the export's) as a query set, not yet ordered."""
    orders = Order.all()
    if query.status:
        orders = orders.filter(status=query.status)
    if query.order_no:
        orders = orders.filter(order_no__startswith=query.order_no)
    if query.user_id:
        orders = orders.filter(user_id=query.user_id)
    if query.phone:
        user_ids = await User.filter(phone=query.phone).values_list("id", flat=True)
        orders = orders.filter(user_id__in=list(user_ids) or [0])
    if query.date_from and query.date_to and query.date_from > query.date_to:
        raise ValidationFailed(
            details=[{"field": "date_from", "message": "after date_to", "type": "range"}]
        )
    if query.date_from:
        orders = orders.filter(created_at__gte=stats.day_start_utc(query.date_from))
    if query.date_to:
        orders = orders.filter(
            created_at__lt=stats.day_start_utc(query.date_to + timedelta(days=1))
        )
    return orders


async def get_all_for_staff(*, query: AdminOrderQuery) -> tuple[list[Order], int]:
    """Staff's order list: the filters of AdminOrderQuery (shop-local dates), newest first."""
    orders = await filtered(query)
    total = await orders.count()
    page = await orders.order_by("-id").offset(query.offset).limit(query.page_size)
    return page, total
