"""Refunds on the order's side: a customer asks, staff reject, the money comes back.

Sending the money back is WeChat Pay's part (mall/payments/service.py: approve, process,
settle); when WeChat says it is done, `complete_refund` moves the order to refunded and
puts stock, sales and coupon back, exactly once.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from tortoise.expressions import F
from tortoise.transactions import in_transaction

from mall import events
from mall.admin.audit import Actor, actor_label, record_if_staff
from mall.aftersales import service as after_sales
from mall.aftersales.service import AfterSaleError
from mall.coupons import service as coupons
from mall.errors import Conflict
from mall.orders import stock
from mall.orders.after_commit import after_commit
from mall.orders.errors import OrderError, state_conflict
from mall.orders.schedules import confirm_schedule_id, schedule_confirm
from mall.orders.transitions import now, record_order_event, transition
from mall.runtime import Runtime
from models import Order, OrderItem, OrderStatus, Product, RefundRequest, RefundStatus

REFUND_WINDOW_AFTER_COMPLETION = timedelta(days=7)
REFUNDABLE = frozenset({OrderStatus.PAID, OrderStatus.SHIPPED, OrderStatus.COMPLETED})


def new_out_refund_no(order: Order) -> str:
    return f"R{order.order_no}{secrets.randbelow(10**4):04d}"


async def request_refund(
    rt: Runtime, *, order: Order, reason: str, actor: Actor, automatic: bool = False
) -> RefundRequest:
    """paid | shipped | completed (within 7 days) -> refunding, with a refund request."""
    async with in_transaction():
        current = await Order.filter(id=order.id).select_for_update().first()
        assert current is not None
        if current.status not in REFUNDABLE:
            raise state_conflict(current.status, "refund")
        if current.status == OrderStatus.COMPLETED and (
            current.completed_at is None
            or now() - current.completed_at > REFUND_WINDOW_AFTER_COMPLETION
        ):
            raise Conflict(
                "The refund window (7 days after completion) has passed",
                code=OrderError.REFUND_WINDOW_CLOSED,
                details={"status": current.status},
            )
        if await after_sales.open_after_sales(order.id):
            raise Conflict(
                "An after-sale of this order is still open",
                code=AfterSaleError.IN_PROGRESS,
                details={"status": current.status},
            )
        frm = OrderStatus(current.status)
        won = await transition(
            order.id,
            frm,
            OrderStatus.REFUNDING,
            actor=actor_label(actor),
            note=reason,
            refund_from_status=frm.value,
        )
        if not won:
            raise state_conflict(current.status, "refund")
        refund = await RefundRequest.create(
            order_id=order.id,
            out_refund_no=new_out_refund_no(current),
            reason=reason,
            # Everything the after-sales have not already taken.
            amount=current.pay_amount - await after_sales.refunded_amount(order.id),
            status=RefundStatus.REQUESTED.value,
            from_status=frm.value,
            automatic=automatic,
        )
        current = await Order.get(id=order.id)
        recorded = await record_order_event(
            current, events.EventName.ORDER_REFUND_REQUESTED, reason=reason, refund_id=refund.id
        )
        await record_if_staff(
            actor,
            "refund.request",
            target_type="order",
            target_id=order.id,
            detail={"reason": reason},
        )
    await after_commit(
        rt,
        what=f"refund request for order {order.id}",
        recorded=recorded,
        schedules=lambda pipe: rt.jobs.queue_unschedule(pipe, confirm_schedule_id(order.id)),
    )
    return refund


async def reject_refund(rt: Runtime, *, order: Order, actor: Actor, note: str) -> Order:
    """refunding -> back where it came from; the request is marked rejected."""
    shop = await rt.shop.get()
    async with in_transaction():
        refund = (
            await RefundRequest.filter(order_id=order.id, status=RefundStatus.REQUESTED.value)
            .select_for_update()
            .first()
        )
        if refund is None:
            raise Conflict("No refund request awaits a decision", code=OrderError.NO_REFUND_REQUEST)
        back = OrderStatus(refund.from_status)
        label = actor_label(actor)
        won = await transition(
            order.id, OrderStatus.REFUNDING, back, actor=label, note=note, refund_from_status=None
        )
        if not won:
            raise state_conflict((await Order.get(id=order.id)).status, "reject a refund of")
        await RefundRequest.filter(id=refund.id).update(
            status=RefundStatus.REJECTED.value,
            decided_by=label,
            decided_at=now(),
            failure=note or None,
        )
        order = await Order.get(id=order.id)
        await record_if_staff(
            actor, "refund.reject", target_type="order", target_id=order.id, detail={"reason": note}
        )
    if back == OrderStatus.SHIPPED and order.shipped_at is not None:
        await schedule_confirm(
            rt.jobs,
            order_id=order.id,
            at=max(order.shipped_at + timedelta(days=shop.auto_confirm_days), now()),
        )
    return order


async def complete_refund(rt: Runtime, *, order_id: int, refund_id: int, actor: str) -> bool:
    """refunding -> refunded once the money is back: stock, sales and coupon restored once."""
    shop = await rt.shop.get()
    async with in_transaction() as conn:
        won = await transition(
            order_id,
            OrderStatus.REFUNDING,
            OrderStatus.REFUNDED,
            actor=actor,
            refunded_at=now(),
            stock_restored=True,
        )
        if not won:
            return False
        await RefundRequest.filter(id=refund_id).update(status=RefundStatus.REFUNDED.value)
        # The units after-sales already refunded were settled (stock, sales) by them.
        items = [
            (i, i.quantity - i.after_sale_quantity)
            for i in await OrderItem.filter(order_id=order_id)
            if i.quantity > i.after_sale_quantity
        ]
        changes = await stock.give(
            conn, [stock.Line(i.sku_id, left, i.title, i.specs) for i, left in items]
        )
        for item, left in items:
            await Product.filter(id=item.product_id).update(sales=F("sales") - left)
        await coupons.return_for_refund(order_id=order_id)
        order = await Order.get(id=order_id)
        recorded: list[events.Publishable] = []
        recorded += await record_order_event(order, events.EventName.ORDER_REFUNDED)
        recorded += await stock.record_events(
            conn, changes, reason="refund", low_stock_threshold=shop.low_stock_threshold
        )
    await after_commit(
        rt,
        what=f"refund of order {order_id}",
        recorded=recorded,
        product_ids={c.product_id for c in changes},
    )
    return True
