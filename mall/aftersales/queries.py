"""Reading after-sales: a customer's own, and staff's filtered list."""

from __future__ import annotations

from datetime import timedelta

from mall.aftersales.schemas import AdminAfterSaleQuery, AfterSaleQuery
from mall.aftersales.service import not_found
from mall.errors import ValidationFailed
from mall.orders import stats
from models import AfterSale


async def get(*, user_id: int, after_sale_id: int) -> AfterSale:
    """The customer's own after-sale; someone else's is indistinguishable from a missing one."""
    found = await AfterSale.get_or_none(id=after_sale_id, user_id=user_id)
    if found is None:
        raise not_found()
    return found


async def get_any(*, after_sale_id: int) -> AfterSale:
    found = await AfterSale.get_or_none(id=after_sale_id)
    if found is None:
        raise not_found()
    return found


async def get_all(*, user_id: int | None, query: AfterSaleQuery) -> tuple[list[AfterSale], int]:
    """Newest first, with the total: a customer's own (user_id), or everyone's for staff
    with AdminAfterSaleQuery's filters (shop-local dates)."""
    found = AfterSale.all()
    if user_id is not None:
        found = found.filter(user_id=user_id)
    if query.state:
        found = found.filter(state=query.state)
    if query.type:
        found = found.filter(type=query.type)
    if query.order_id:
        found = found.filter(order_id=query.order_id)
    if isinstance(query, AdminAfterSaleQuery):
        if query.user_id:
            found = found.filter(user_id=query.user_id)
        if query.date_from and query.date_to and query.date_from > query.date_to:
            raise ValidationFailed(
                details=[{"field": "date_from", "message": "after date_to", "type": "range"}]
            )
        if query.date_from:
            found = found.filter(created_at__gte=stats.day_start_utc(query.date_from))
        if query.date_to:
            found = found.filter(
                created_at__lt=stats.day_start_utc(query.date_to + timedelta(days=1))
            )
    total = await found.count()
    page = await found.order_by("-id").offset(query.offset).limit(query.page_size)
    return list(page), total
