"""Orders as the API shows them, loaded in a fixed number of queries per page."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from mall.orders.placing import Created
from mall.orders.pricing import Priced
from mall.orders.schemas import (
    AdminOrderOut,
    HistoryOut,
    OrderItemOut,
    OrderOut,
    PreviewOut,
    PriceAdjustmentOut,
    PricedLineOut,
    RefundOut,
    ShipmentOut,
    ShippingSyncOut,
    UsableCouponOut,
)
from mall.payments.trades import trade_no
from models import (
    Order,
    OrderHistory,
    OrderItem,
    OrderPriceAdjustment,
    RefundRequest,
    Shipment,
    ShippingSync,
)


async def orders_out(orders: Sequence[Order]) -> list[OrderOut]:
    ids = [o.id for o in orders]
    if not ids:
        return []
    items: dict[int, list[OrderItem]] = defaultdict(list)
    for item in await OrderItem.filter(order_id__in=ids).order_by("id"):
        items[item.order_id].append(item)  # type: ignore[attr-defined]
    shipments = {s.order_id: s for s in await Shipment.filter(order_id__in=ids)}  # type: ignore[attr-defined]
    refunds: dict[int, RefundRequest] = {}
    for refund in await RefundRequest.filter(order_id__in=ids).order_by("id"):
        refunds[refund.order_id] = refund  # type: ignore[attr-defined]  # the latest wins
    return [_order_out(o, items[o.id], shipments.get(o.id), refunds.get(o.id)) for o in orders]


async def order_out(order: Order) -> OrderOut:
    return (await orders_out([order]))[0]


def created_out(created: Created) -> OrderOut:
    """An order placed (or replayed) just now: items, and no shipment or refund yet."""
    items = sorted(created.items, key=lambda i: i.id)
    return _order_out(created.order, items, None, None)


async def admin_order_out(order: Order) -> AdminOrderOut:
    base = await order_out(order)
    history = await OrderHistory.filter(order_id=order.id).order_by("id")
    sync = await ShippingSync.get_or_none(order_id=order.id)
    adjustments = await OrderPriceAdjustment.filter(order_id=order.id).order_by("id")
    return AdminOrderOut(
        **base.model_dump(),
        user_id=order.user_id,
        staff_remark=order.staff_remark,
        out_trade_no=trade_no(order),
        price_adjustments=[
            PriceAdjustmentOut.model_validate(a, from_attributes=True) for a in adjustments
        ],
        history=[HistoryOut.model_validate(h, from_attributes=True) for h in history],
        shipping_sync=ShippingSyncOut.model_validate(sync, from_attributes=True) if sync else None,
    )


def _order_out(
    order: Order,
    items: list[OrderItem],
    shipment: Shipment | None,
    refund: RefundRequest | None,
) -> OrderOut:
    return OrderOut(
        id=order.id,
        order_no=order.order_no,
        status=order.status,  # type: ignore[arg-type]
        items=[OrderItemOut.model_validate(i, from_attributes=True) for i in items],
        goods_amount=order.goods_amount,
        freight_amount=order.freight_amount,
        discount_amount=order.discount_amount,
        adjust_amount=order.adjust_amount,
        pay_amount=order.pay_amount,
        address=order.address,
        remark=order.remark,
        coupon_id=order.user_coupon_id,
        created_at=order.created_at,
        expires_at=order.expires_at,
        paid_at=order.paid_at,
        shipped_at=order.shipped_at,
        completed_at=order.completed_at,
        cancelled_at=order.cancelled_at,
        cancel_reason=order.cancel_reason,
        shipment=ShipmentOut.model_validate(shipment, from_attributes=True) if shipment else None,
        refund=RefundOut.model_validate(refund, from_attributes=True) if refund else None,
    )


def preview_out(priced: Priced) -> PreviewOut:
    return PreviewOut(
        items=[
            PricedLineOut(
                sku_id=ln.sku_id,
                product_id=ln.product_id,
                title=ln.title,
                cover_url=ln.cover_url,
                specs=ln.specs,
                price=ln.price,
                quantity=ln.quantity,
                amount=ln.amount,
            )
            for ln in priced.lines
        ],
        goods_amount=priced.goods_amount,
        freight_amount=priced.freight_amount,
        discount_amount=priced.discount_amount,
        pay_amount=priced.pay_amount,
        coupon_id=priced.coupon.id if priced.coupon else None,
        usable_coupons=[
            UsableCouponOut(id=c.id, name=c.template.name, discount=off, valid_until=c.valid_until)
            for c, off in priced.usable
        ],
    )
