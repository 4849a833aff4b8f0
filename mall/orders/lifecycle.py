"""The order lifecycle after placing: cancel, pay-or-cancel at expiry, ship, confirm, and the
sweep that catches what a lost schedule left behind.

Cancelling is one SQL statement (mall/orders/cancelling.py); an order with a WeChat prepay
is closed with WeChat first (mall/payments/service.py `close_before_cancel`), so a late
payment cannot succeed on a cancelled order.
"""

from __future__ import annotations

from datetime import timedelta
from typing import cast

from tortoise.transactions import in_transaction

from mall import events
from mall.admin.audit import Actor, Staff, actor_label, record, record_if_staff
from mall.aftersales import service as after_sales
from mall.errors import Conflict, UpstreamError
from mall.jobs import TaskName
from mall.marketing import group_progress
from mall.orders import cancelling
from mall.orders.after_commit import after_commit
from mall.orders.errors import state_conflict
from mall.orders.schedules import (
    cancel_schedule_id,
    confirm_schedule_id,
    queue_confirm,
    schedule_cancel,
)
from mall.orders.schemas import ShipIn
from mall.orders.transitions import now, record_order_event, transition
from mall.payments import service as payments
from mall.runtime import Runtime
from mall.shipping import sync as shipping_sync
from mall.wechat.wxa import Carrier
from models import CancelReason, Order, OrderStatus, Shipment

# WeChat unreachable when an order expired: cancelling blind could race a payment.
RETRY_CANCEL_AFTER = timedelta(seconds=30)
# The sweep leaves an expired order this long to its own scheduled task.
SWEEP_GRACE = timedelta(seconds=5)


async def cancel(rt: Runtime, *, order: Order, reason: CancelReason, actor: Actor) -> Order:
    """Cancel an unpaid order: close it with WeChat Pay first, then pending_payment ->
    cancelled with stock and coupon back in one statement (409 if it is no longer unpaid)."""
    if order.status != OrderStatus.PENDING_PAYMENT:
        raise state_conflict(order.status, "cancel")
    # Every caller has just loaded the order; the cancel's conditional UPDATE decides anyway.
    await payments.close_before_cancel(rt, order=order)
    label = actor_label(actor)
    if isinstance(actor, Staff):
        async with in_transaction() as conn:
            cancelled = await cancelling.cancel_pending(
                conn, order_id=order.id, reason=reason.value, actor=label
            )
            if cancelled is not None:
                await record(actor, "order.cancel", target_type="order", target_id=order.id)
    else:
        cancelled = await cancelling.cancel_pending(
            None, order_id=order.id, reason=reason.value, actor=label
        )
    if cancelled is None:
        raise state_conflict((await Order.get(id=order.id)).status, "cancel")
    await after_commit(
        rt,
        what=f"cancelling order {order.id}",
        recorded=cancelled.events,
        product_ids=cancelled.product_ids,
        schedules=lambda pipe: rt.jobs.queue_unschedule(pipe, cancel_schedule_id(order.id)),
    )
    await group_progress.order_cancelled(rt, order_id=order.id)
    return cancelled.order


async def cancel_if_unpaid(rt: Runtime, *, order_id: int) -> str:
    """The delayed task: cancel an order still unpaid at its expiry. Safe to run twice."""
    order = await Order.get_or_none(id=order_id)
    if order is None or order.status != OrderStatus.PENDING_PAYMENT:
        return "settled"
    if order.expires_at > now() + timedelta(seconds=1):
        # Fired early (a schedule from before a change): come back at the real time.
        await schedule_cancel(rt.jobs, order_id=order.id, at=order.expires_at)
        return "rescheduled"
    try:
        await cancel(rt, order=order, reason=CancelReason.TIMEOUT, actor="system:timeout")
    except Conflict:
        return "settled"
    except UpstreamError:
        await schedule_cancel(rt.jobs, order_id=order.id, at=now() + RETRY_CANCEL_AFTER)
        return "retry"
    return "cancelled"


async def ship(rt: Runtime, *, order: Order, carrier: Carrier, data: ShipIn, actor: Actor) -> Order:
    """paid -> shipped with its tracking number and WeChat carrier; the upload to WeChat
    (shipping sync) starts pending in the same transaction and is kicked after commit;
    auto-confirm is scheduled."""
    shop = await rt.shop.get()
    await group_progress.ensure_shippable(order_id=order.id)
    async with in_transaction():
        # A refund asked for before shipping is decided first (the after-sales lock the
        # order's row too, so none can start in between).
        await Order.filter(id=order.id).select_for_update().first()
        if await after_sales.open_after_sales(order.id):
            raise Conflict(
                "An after-sale of this order is still open: decide it before shipping",
                code=after_sales.AfterSaleError.IN_PROGRESS,
                details={"status": order.status},
            )
        won = await transition(
            order.id,
            OrderStatus.PAID,
            OrderStatus.SHIPPED,
            actor=actor_label(actor),
            shipped_at=now(),
        )
        if not won:
            raise state_conflict((await Order.get(id=order.id)).status, "ship")
        await Shipment.create(
            order_id=order.id,
            carrier=carrier.name,
            carrier_code=carrier.code,
            tracking_no=data.tracking_no,
        )
        await shipping_sync.start(order_id=order.id)
        order = await Order.get(id=order.id)
        recorded = await record_order_event(
            order,
            events.EventName.ORDER_SHIPPED,
            carrier=carrier.name,
            carrier_code=carrier.code,
            tracking_no=data.tracking_no,
        )
        await record_if_staff(
            actor, "order.ship", target_type="order", target_id=order.id, detail=data.model_dump()
        )
    assert order.shipped_at is not None
    confirm_at = order.shipped_at + timedelta(days=shop.auto_confirm_days)
    await after_commit(
        rt,
        what=f"shipping order {order.id}",
        recorded=recorded,
        schedules=lambda pipe: queue_confirm(rt.jobs, pipe, order_id=order.id, at=confirm_at),
    )
    await shipping_sync.kick(rt, order.id)
    return order


async def confirm_receipt(rt: Runtime, *, order: Order, actor: Actor) -> Order:
    """shipped -> completed (the customer's receipt, or auto-confirm after the set days)."""
    async with in_transaction():
        won = await transition(
            order.id,
            OrderStatus.SHIPPED,
            OrderStatus.COMPLETED,
            actor=actor_label(actor),
            completed_at=now(),
        )
        if not won:
            raise state_conflict((await Order.get(id=order.id)).status, "confirm")
        order = await Order.get(id=order.id)
        recorded = await record_order_event(order, events.EventName.ORDER_COMPLETED)
    await after_commit(
        rt,
        what=f"confirming order {order.id}",
        recorded=recorded,
        schedules=lambda pipe: rt.jobs.queue_unschedule(pipe, confirm_schedule_id(order.id)),
    )
    return order


async def auto_confirm(rt: Runtime, *, order_id: int) -> str:
    """Complete an order still shipped once the auto-confirm days have passed."""
    order = await Order.get_or_none(id=order_id)
    if order is None or order.status != OrderStatus.SHIPPED:
        return "settled"
    try:
        await confirm_receipt(rt, order=order, actor="system:auto-confirm")
    except Conflict:
        return "settled"
    # Our confirmation does not release WeChat's frozen money, the customer's does: WeChat
    # reminds them (once) to confirm receipt.
    await rt.jobs.kick(TaskName.REMIND_CONFIRM_RECEIPT, order_id=order_id)
    return "completed"


async def overdue_confirmations(rt: Runtime, *, limit: int = 500) -> list[int]:
    """Shipped orders past their auto-confirm time (their schedule was lost)."""
    shop = await rt.shop.get()
    ids = (
        await Order.filter(
            status=OrderStatus.SHIPPED.value,
            shipped_at__lt=now() - timedelta(days=shop.auto_confirm_days),
        )
        .limit(limit)
        .values_list("id", flat=True)
    )
    return [int(i) for i in cast(list[int], ids)]


async def expired_unpaid(*, grace: timedelta = SWEEP_GRACE, limit: int = 500) -> list[int]:
    """Orders past expiry and still unpaid (their schedule was lost or is late)."""
    ids = (
        await Order.filter(status=OrderStatus.PENDING_PAYMENT.value, expires_at__lt=now() - grace)
        .order_by("expires_at")
        .limit(limit)
        .values_list("id", flat=True)
    )
    return [int(i) for i in cast(list[int], ids)]


async def sweep_overdue(rt: Runtime) -> dict[str, int]:
    """The periodic sweep: expired unpaid orders, overdue auto-confirms, silent refunds."""
    cancelled = 0
    for order_id in await expired_unpaid():
        cancelled += await cancel_if_unpaid(rt, order_id=order_id) == "cancelled"
    confirmed = 0
    for order_id in await overdue_confirmations(rt):
        confirmed += await auto_confirm(rt, order_id=order_id) == "completed"
    refunds = await payments.sync_refunds(rt)
    return {"cancelled": cancelled, "confirmed": confirmed, "refunds": refunds}
