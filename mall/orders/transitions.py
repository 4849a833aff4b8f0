"""The one way an order changes state, and the events every change announces.

Each transition is one conditional UPDATE (`WHERE id = ? AND status = <from>`) whose row
count decides who won, so racing requests and tasks can never both win; what goes with
the change (stock, coupon, history, outbox events) is written in the same transaction
and published after commit.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from tortoise.expressions import F

from mall import events
from mall.coupons import service as coupons
from models import Order, OrderHistory, OrderItem, OrderStatus, OutboxEvent, Product


def now() -> datetime:
    return datetime.now(UTC)


def order_event_data(order: Order, **extra: Any) -> dict[str, Any]:
    """What every order event says about its order (API.md: event data)."""
    return {
        "order_id": order.id,
        "order_no": order.order_no,
        "status": order.status,
        "user_id": order.user_id,
        "pay_amount": order.pay_amount,
        **extra,
    }


async def record_order_event(
    order: Order, name: events.EventName, **extra: Any
) -> list[OutboxEvent]:
    """The customer's channel and the admin channel both hear about every order change.

    Returned with them, to be published first: the order's earlier events still
    unpublished (their publisher died or is retrying), so this one cannot overtake them.
    """
    data = order_event_data(order, **extra)
    written = [
        await events.record(channel=events.user_channel(order.user_id), name=name, data=data),
        await events.record(channel=events.ADMIN_CHANNEL, name=name, data=data),
    ]
    earlier = await events.earlier_unpublished(order_id=order.id, before=written[0].id)
    return [*earlier, *written]


async def transition(
    order_id: int, frm: OrderStatus, to: OrderStatus, *, actor: str, note: str = "", **changes: Any
) -> bool:
    """Move an order from `frm` to `to` (inside the caller's transaction) with its history
    row; True if this caller won."""
    won = await Order.filter(id=order_id, status=frm.value).update(status=to.value, **changes)
    if won:
        await OrderHistory.create(
            order_id=order_id, from_status=frm.value, to_status=to.value, actor=actor, note=note
        )
    return bool(won)


async def mark_paid(*, order: Order, paid_at: datetime, actor: str) -> Order | None:
    """pending_payment -> paid (inside the caller's transaction); None if another state won."""
    won = await transition(
        order.id, OrderStatus.PENDING_PAYMENT, OrderStatus.PAID, actor=actor, paid_at=paid_at
    )
    if not won:
        return None
    await coupons.spend_for_order(order_id=order.id)
    for item in await OrderItem.filter(order_id=order.id):
        await Product.filter(id=item.product_id).update(sales=F("sales") + item.quantity)
    return await Order.get(id=order.id)
