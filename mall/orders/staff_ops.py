"""Staff's corrections of an order: their remark, the address before shipping, the price of
an unpaid order. Each is audited in its own transaction; changes the customer sees are
announced as order.updated on their channel and the admin channel.

A price adjustment closes the WeChat trade under the old price first and moves the order
to a new out_trade_no (mall/payments/trades.py), so the old amount can never be paid.
"""

from __future__ import annotations

from typing import Any

from tortoise.expressions import F
from tortoise.transactions import in_transaction

from mall import events
from mall.admin.audit import Staff, record
from mall.errors import Conflict
from mall.orders import allocation
from mall.orders.after_commit import after_commit
from mall.orders.errors import OrderError, order_not_found, state_conflict
from mall.orders.schemas import AdminOrderFilter
from mall.orders.staff_schemas import OrderPatch
from mall.orders.transitions import record_order_event
from mall.payments import service as payments
from mall.payments.trades import next_trade_no, trade_no
from mall.runtime import Runtime
from models import (
    Order,
    OrderHistory,
    OrderItem,
    OrderPriceAdjustment,
    OrderStatus,
    OutboxEvent,
)

# Until it ships, an order's parcel can still go elsewhere.
ADDRESS_EDITABLE = (OrderStatus.PENDING_PAYMENT.value, OrderStatus.PAID.value)


def _one_line(address: dict[str, Any]) -> str:
    keys = ("name", "phone", "province", "city", "district", "detail")
    return " ".join(str(address.get(key, "")) for key in keys)


async def update(rt: Runtime, *, order_id: int, patch: OrderPatch, staff: Staff) -> Order:
    """Set the staff remark and/or the address (until the order ships: 409 naming its
    status after); the address change goes into the order's history."""
    recorded: list[OutboxEvent] = []
    async with in_transaction():
        # Locked: shipping (a conditional UPDATE of the same row) waits for this to commit.
        order = await Order.filter(id=order_id).select_for_update().first()
        if order is None:
            raise order_not_found()
        changes: dict[str, Any] = {}
        detail: dict[str, Any] = {}
        if patch.address is not None:
            if order.status not in ADDRESS_EDITABLE:
                raise state_conflict(order.status, "change the address of")
            new_address = patch.address.model_dump()
            changes["address"] = new_address
            detail["address"] = {"old": order.address, "new": new_address}
            await OrderHistory.create(
                order_id=order.id,
                from_status=order.status,
                to_status=order.status,
                actor=staff.actor,
                note=f"address: {_one_line(order.address)} -> {_one_line(new_address)}"[:255],
            )
        if patch.staff_remark is not None:
            changes["staff_remark"] = patch.staff_remark
            detail["staff_remark"] = {"old": order.staff_remark, "new": patch.staff_remark}
        await Order.filter(id=order.id).update(**changes)
        await record(staff, "order.update", target_type="order", target_id=order.id, detail=detail)
        order = await Order.get(id=order.id)
        if "address" in changes:
            recorded = await record_order_event(
                order, events.EventName.ORDER_UPDATED, changed=["address"]
            )
    await after_commit(rt, what=f"updating order {order.id}", recorded=recorded)
    return order


async def adjust_price(
    rt: Runtime, *, order_id: int, pay_amount: int, reason: str, staff: Staff
) -> Order:
    """Change what an unpaid order costs: its WeChat trade is closed (if WeChat says it was
    paid meanwhile, the order is settled as paid and 409 names that) and a new out_trade_no
    takes its place, so only the new amount can be paid."""
    order = await Order.get_or_none(id=order_id)
    if order is None:
        raise order_not_found()
    if order.status != OrderStatus.PENDING_PAYMENT:
        raise state_conflict(order.status, "adjust the price of")
    old_no = trade_no(order)
    await payments.close_before_cancel(rt, order=order, action="adjust the price of")
    adjustments = await OrderPriceAdjustment.filter(order_id=order.id).count()
    new_no = next_trade_no(order, adjustments=adjustments)
    delta = pay_amount - order.pay_amount
    same_trade: dict[str, Any] = (
        {"out_trade_no": order.out_trade_no}
        if order.out_trade_no
        else {"out_trade_no__isnull": True}
    )
    same_prepay: dict[str, Any] = (
        {"prepay_id": order.prepay_id} if order.prepay_id else {"prepay_id__isnull": True}
    )
    async with in_transaction():
        # Still unpaid, at the price and under the trade this request closed, and with no
        # prepay the customer opened since (that one would still be payable).
        won = await Order.filter(
            id=order.id,
            status=OrderStatus.PENDING_PAYMENT.value,
            pay_amount=order.pay_amount,
            **same_trade,
            **same_prepay,
        ).update(
            pay_amount=pay_amount,
            adjust_amount=F("adjust_amount") + delta,
            out_trade_no=new_no,
            prepay_id=None,
        )
        if not won:
            current = await Order.get(id=order.id)
            if current.status != OrderStatus.PENDING_PAYMENT:
                raise state_conflict(current.status, "adjust the price of")
            raise Conflict(
                "The order changed meanwhile (a payment started or another adjustment); "
                "look at it again",
                code=OrderError.ORDER_CHANGED,
                details={"status": current.status, "pay_amount": current.pay_amount},
            )
        # Each item's part of the whole adjustment, so the items' paid amounts still sum
        # to the new pay_amount (what after-sales refund from).
        items = await OrderItem.filter(order_id=order.id).order_by("id")
        before = [item.paid_amount - item.adjust_share for item in items]
        total_adjust = order.adjust_amount + delta
        for item, share in zip(items, allocation.adjust_shares(total_adjust, before), strict=True):
            if item.adjust_share != share:
                await OrderItem.filter(id=item.id).update(adjust_share=share)
        await OrderPriceAdjustment.create(
            order_id=order.id,
            old_pay_amount=order.pay_amount,
            new_pay_amount=pay_amount,
            old_out_trade_no=old_no,
            new_out_trade_no=new_no,
            reason=reason,
            actor=staff.actor,
        )
        await OrderHistory.create(
            order_id=order.id,
            from_status=order.status,
            to_status=order.status,
            actor=staff.actor,
            note=f"price: {order.pay_amount} -> {pay_amount} ({reason})"[:255],
        )
        await record(
            staff,
            "order.adjust_price",
            target_type="order",
            target_id=order.id,
            detail={
                "old_pay_amount": order.pay_amount,
                "new_pay_amount": pay_amount,
                "reason": reason,
                "old_out_trade_no": old_no,
                "new_out_trade_no": new_no,
            },
        )
        order = await Order.get(id=order.id)
        recorded = await record_order_event(
            order, events.EventName.ORDER_UPDATED, changed=["pay_amount"]
        )
    await after_commit(rt, what=f"adjusting the price of order {order.id}", recorded=recorded)
    return order


async def record_export(*, query: AdminOrderFilter, staff: Staff) -> None:
    """Audit an export (who took which orders' addresses and phones out of the shop)."""
    async with in_transaction():
        await record(
            staff,
            "order.export",
            target_type="order",
            target_id="",
            detail={"filters": query.model_dump(mode="json", exclude_none=True)},
        )
