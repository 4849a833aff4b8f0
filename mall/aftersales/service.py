"""After-sales: a customer (or staff) asks for some units of an order's items back.

The refund is the server's: each unit is worth its part of the item's paid share
(mall/orders/allocation.py), so the after-sales of an order, however many, never give
back more than was paid for an item or in total, and together give back exactly that
once everything is refunded. Every change to an order's after-sales first locks the
order and its items (`lock_order`, one lock order everywhere), so two requests for the
same units cannot both have them. The money goes back through WeChat Pay's refund
(mall/payments/service.py); when WeChat confirms it, `complete_refund` settles the
after-sale, puts back stock it owes and, once every unit is refunded, moves the order
to refunded. Otherwise the order keeps its state.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from typing import Any

from tortoise.expressions import F
from tortoise.transactions import in_transaction

from mall import events
from mall.admin.audit import Actor, actor_label, record_if_staff
from mall.coupons import service as coupons
from mall.errors import Conflict, NotFound
from mall.orders import stock
from mall.orders.after_commit import after_commit
from mall.orders.allocation import refund_for
from mall.orders.errors import state_conflict
from mall.orders.schedules import confirm_schedule_id
from mall.orders.transitions import now, record_order_event, transition
from mall.runtime import Runtime
from models import (
    AfterSale,
    AfterSaleHistory,
    AfterSaleItem,
    AfterSaleState,
    AfterSaleType,
    Order,
    OrderItem,
    OrderStatus,
    OutboxEvent,
    Product,
    RefundRequest,
    RefundStatus,
)

# After-sales that hold their units: a new request cannot have them meanwhile.
OPEN = frozenset(
    {
        AfterSaleState.PENDING,
        AfterSaleState.APPROVED,
        AfterSaleState.RETURNING,
        AfterSaleState.REFUNDING,
    }
)
# Order states each type can be asked for in.
ALLOWED = {
    AfterSaleType.REFUND: frozenset({OrderStatus.PAID, OrderStatus.SHIPPED, OrderStatus.COMPLETED}),
    AfterSaleType.RETURN_REFUND: frozenset({OrderStatus.SHIPPED, OrderStatus.COMPLETED}),
}


class AfterSaleError(StrEnum):
    """After-sales refusals (API error codes)."""

    AFTER_SALE_NOT_FOUND = "after_sale_not_found"
    ORDER_ITEM_NOT_FOUND = "order_item_not_found"
    INVALID_AFTER_SALE_STATE = "invalid_after_sale_state"
    QUANTITY_EXCEEDED = "after_sale_quantity_exceeded"
    WINDOW_CLOSED = "after_sale_window_closed"
    IN_PROGRESS = "after_sale_in_progress"
    RETURN_ADDRESS_NOT_SET = "return_address_not_set"
    NOTHING_TO_REFUND = "nothing_to_refund"


def not_found() -> NotFound:
    """404 for a missing after-sale, and for someone else's (indistinguishable by design)."""
    return NotFound("After-sale not found", code=AfterSaleError.AFTER_SALE_NOT_FOUND)


def _wrong_state(after_sale: AfterSale, action: str) -> Conflict:
    return Conflict(
        f"Cannot {action} an after-sale that is {after_sale.state}",
        code=AfterSaleError.INVALID_AFTER_SALE_STATE,
        details={"state": after_sale.state},
    )


@dataclass(frozen=True)
class Line:
    order_item_id: int
    quantity: int


@dataclass(frozen=True)
class Outcome:
    """An after-sale as a change left it, and the WeChat refund to send now (if any)."""

    after_sale: AfterSale
    refund_id: int | None = None


async def lock_order(order_id: int) -> tuple[Order, list[OrderItem]]:
    """The order and its items, locked (order first, items by id) for the caller's
    transaction: every change to an order's after-sales goes through here."""
    order = await Order.filter(id=order_id).select_for_update().first()
    if order is None:
        raise NotFound("Order not found", code="order_not_found")
    items = await OrderItem.filter(order_id=order_id).order_by("id").select_for_update()
    return order, list(items)


def _merged(lines: Sequence[Line]) -> list[Line]:
    merged: dict[int, int] = {}
    for line in lines:
        merged[line.order_item_id] = merged.get(line.order_item_id, 0) + line.quantity
    return [Line(item_id, quantity) for item_id, quantity in sorted(merged.items())]


def new_out_refund_no(order: Order, after_sale_id: int) -> str:
    return f"A{order.order_no}{after_sale_id % 10**6:06d}{secrets.randbelow(100):02d}"


async def _record(
    after_sale: AfterSale, order: Order, name: events.EventName, **extra: Any
) -> list[OutboxEvent]:
    """The customer's channel and the admin channel hear about every after-sale step."""
    data = {
        "after_sale_id": after_sale.id,
        "order_id": order.id,
        "order_no": order.order_no,
        "user_id": order.user_id,
        "type": after_sale.type,
        "state": after_sale.state,
        "refund_amount": after_sale.refund_amount,
        **extra,
    }
    return [
        await events.record(channel=events.user_channel(order.user_id), name=name, data=data),
        await events.record(channel=events.ADMIN_CHANNEL, name=name, data=data),
    ]


async def _move(
    after_sale: AfterSale, to: AfterSaleState, *, actor: str, note: str = "", **changes: Any
) -> AfterSale:
    """after_sale's state -> `to` with its history row (the caller holds the order's lock)."""
    frm = after_sale.state
    won = await AfterSale.filter(id=after_sale.id, state=frm).update(state=to.value, **changes)
    if not won:
        raise _wrong_state(await AfterSale.get(id=after_sale.id), "change")
    await AfterSaleHistory.create(
        after_sale_id=after_sale.id, from_state=frm, to_state=to.value, actor=actor, note=note
    )
    return await AfterSale.get(id=after_sale.id)


async def _locked(after_sale_id: int, *, user_id: int | None = None) -> tuple[AfterSale, Order]:
    """The after-sale (the customer's own when user_id is given) with its order locked."""
    found = await AfterSale.get_or_none(id=after_sale_id)
    if found is None or (user_id is not None and found.user_id != user_id):
        raise not_found()
    order, _ = await lock_order(found.order_id)  # type: ignore[attr-defined]
    after_sale = await AfterSale.get(id=after_sale_id)
    return after_sale, order


def _check_window(order: Order, days: int) -> None:
    if order.status == OrderStatus.COMPLETED and (
        order.completed_at is None or now() - order.completed_at > timedelta(days=days)
    ):
        raise Conflict(
            f"After-sales close {days} days after completion",
            code=AfterSaleError.WINDOW_CLOSED,
            details={"status": order.status, "days": days},
        )


async def request(
    rt: Runtime,
    *,
    order: Order,
    kind: AfterSaleType,
    lines: Sequence[Line] | None,
    reason: str,
    images: list[str],
    actor: Actor,
    approve: bool = False,
    only_if: OrderStatus | None = None,
) -> Outcome:
    """Ask for units of an order's items back (None: every unit not yet asked for). The
    refund is computed here; 409 when the order's state, the window or the units left do
    not allow it. `approve` (staff refunding): approved at once, the refund to send.
    `only_if`: only in that order state, and only with no other after-sale open."""
    shop = await rt.shop.get()
    label = actor_label(actor)
    async with in_transaction():
        current, items = await lock_order(order.id)
        if current.status not in ALLOWED[kind] or only_if not in (None, current.status):
            raise state_conflict(current.status, f"ask for a {kind.value} of")
        if only_if is not None and await open_after_sales(current.id):
            raise Conflict(
                "An after-sale of this order is still open: decide it first",
                code=AfterSaleError.IN_PROGRESS,
                details={"status": current.status},
            )
        if not approve:
            _check_window(current, shop.after_sale_days)
        by_id = {item.id: item for item in items}
        if lines is None:
            wanted = [
                Line(i.id, i.quantity - i.after_sale_quantity)
                for i in items
                if i.quantity > i.after_sale_quantity
            ]
            if not wanted:
                raise Conflict(
                    "Every unit of this order is refunded or being refunded",
                    code=AfterSaleError.NOTHING_TO_REFUND,
                )
        else:
            wanted = _merged(lines)
        amounts: list[int] = []
        for line in wanted:
            item = by_id.get(line.order_item_id)
            if item is None:
                raise NotFound(
                    "Order item not found",
                    code=AfterSaleError.ORDER_ITEM_NOT_FOUND,
                    details={"order_item_id": line.order_item_id},
                )
            left = item.quantity - item.after_sale_quantity
            if line.quantity > left:
                raise Conflict(
                    f"Only {left} of order item {item.id} can still be asked for",
                    code=AfterSaleError.QUANTITY_EXCEEDED,
                    details={
                        "order_item_id": item.id,
                        "requested": line.quantity,
                        "available": left,
                    },
                )
            amount = refund_for(
                paid=item.paid_amount,
                quantity=item.quantity,
                taken=item.after_sale_quantity,
                taken_amount=item.after_sale_amount,
                asked=line.quantity,
            )
            amounts.append(amount)
            # Absolute values from the locked read: the lock is what keeps this exact.
            await OrderItem.filter(id=item.id).update(
                after_sale_quantity=item.after_sale_quantity + line.quantity,
                after_sale_amount=item.after_sale_amount + amount,
            )
        after_sale = await AfterSale.create(
            order_id=current.id,
            user_id=current.user_id,
            type=kind.value,
            state=AfterSaleState.PENDING.value,
            reason=reason,
            images=images,
            refund_amount=sum(amounts),
            requested_by=label,
            restock_on_refund=kind == AfterSaleType.REFUND and current.status == OrderStatus.PAID,
        )
        await AfterSaleItem.bulk_create(
            [
                AfterSaleItem(
                    after_sale_id=after_sale.id,
                    order_item_id=line.order_item_id,
                    quantity=line.quantity,
                    amount=amount,
                )
                for line, amount in zip(wanted, amounts, strict=True)
            ]
        )
        await AfterSaleHistory.create(
            after_sale_id=after_sale.id,
            from_state=None,
            to_state=AfterSaleState.PENDING.value,
            actor=label,
            note=reason,
        )
        recorded = await _record(after_sale, current, events.EventName.AFTER_SALE_REQUESTED)
        refund_id = None
        if approve:
            after_sale, refund_id, more = await _start_refund(after_sale, current, actor=label)
            recorded += more
        await record_if_staff(
            actor,
            "after_sale.refund" if approve else "after_sale.request",
            target_type="order",
            target_id=current.id,
            detail={"after_sale_id": after_sale.id, "refund_amount": after_sale.refund_amount},
        )
    await after_commit(rt, what=f"after-sale {after_sale.id}", recorded=recorded)
    return Outcome(after_sale, refund_id)


async def cancel_paid(rt: Runtime, *, order: Order, actor: Actor) -> Outcome:
    """Staff cancel a paid order before shipping: every unit refunded (stock back), unless a
    customer's after-sale of it is still open (decide that first)."""
    return await request(
        rt,
        order=order,
        kind=AfterSaleType.REFUND,
        lines=None,
        reason="cancelled by staff before shipping",
        images=[],
        actor=actor,
        approve=True,
        only_if=OrderStatus.PAID,
    )


async def _start_refund(
    after_sale: AfterSale, order: Order, *, actor: str, note: str = "", **changes: Any
) -> tuple[AfterSale, int, list[OutboxEvent]]:
    """-> refunding, with the WeChat refund request to send (inside the caller's lock)."""
    after_sale = await _move(
        after_sale, AfterSaleState.REFUNDING, actor=actor, note=note, **changes
    )
    refund = await RefundRequest.create(
        order_id=order.id,
        out_refund_no=new_out_refund_no(order, after_sale.id),
        reason=after_sale.reason,
        amount=after_sale.refund_amount,
        status=RefundStatus.REFUNDING.value,
        from_status=order.status,
        decided_by=actor,
        decided_at=now(),
        after_sale_id=after_sale.id,
    )
    return after_sale, refund.id, []


async def approve(rt: Runtime, *, after_sale_id: int, actor: Actor) -> Outcome:
    """Staff agree: a refund goes to WeChat Pay at once; a return waits for the goods, and
    the customer sees the shop's return address."""
    shop = await rt.shop.get()
    label = actor_label(actor)
    async with in_transaction():
        after_sale, order = await _locked(after_sale_id)
        if after_sale.state != AfterSaleState.PENDING:
            raise _wrong_state(after_sale, "approve")
        refund_id = None
        if after_sale.type == AfterSaleType.RETURN_REFUND:
            if shop.return_address is None:
                raise Conflict(
                    "Set the shop's return address first (PATCH /api/admin/settings)",
                    code=AfterSaleError.RETURN_ADDRESS_NOT_SET,
                )
            after_sale = await _move(
                after_sale,
                AfterSaleState.APPROVED,
                actor=label,
                decided_at=now(),
                return_address=shop.return_address.model_dump(),
            )
        else:
            after_sale, refund_id, _ = await _start_refund(
                after_sale, order, actor=label, decided_at=now()
            )
        recorded = await _record(after_sale, order, events.EventName.AFTER_SALE_APPROVED)
        await record_if_staff(
            actor,
            "after_sale.approve",
            target_type="after_sale",
            target_id=after_sale.id,
            detail={"refund_amount": after_sale.refund_amount},
        )
    await after_commit(rt, what=f"after-sale {after_sale.id}", recorded=recorded)
    return Outcome(after_sale, refund_id)


async def _release(after_sale: AfterSale) -> None:
    """A withdrawn or refused after-sale gives its units back (under the order's lock)."""
    for line in await AfterSaleItem.filter(after_sale_id=after_sale.id):
        await OrderItem.filter(id=line.order_item_id).update(
            after_sale_quantity=F("after_sale_quantity") - line.quantity,
            after_sale_amount=F("after_sale_amount") - line.amount,
        )


async def reject(rt: Runtime, *, after_sale_id: int, actor: Actor, reason: str) -> AfterSale:
    """Staff refuse a pending after-sale (or a return whose goods have not come back)."""
    label = actor_label(actor)
    async with in_transaction():
        after_sale, order = await _locked(after_sale_id)
        if after_sale.state not in (AfterSaleState.PENDING, AfterSaleState.APPROVED):
            raise _wrong_state(after_sale, "reject")
        after_sale = await _move(
            after_sale,
            AfterSaleState.REJECTED,
            actor=label,
            note=reason,
            reject_reason=reason,
            decided_at=now(),
        )
        await _release(after_sale)
        recorded = await _record(
            after_sale, order, events.EventName.AFTER_SALE_REJECTED, note=reason
        )
        await record_if_staff(
            actor,
            "after_sale.reject",
            target_type="after_sale",
            target_id=after_sale.id,
            detail={"reason": reason},
        )
    await after_commit(rt, what=f"after-sale {after_sale.id}", recorded=recorded)
    return after_sale


async def cancel(rt: Runtime, *, after_sale_id: int, user_id: int) -> AfterSale:
    """The customer withdraws their own after-sale while it is pending."""
    async with in_transaction():
        after_sale, order = await _locked(after_sale_id, user_id=user_id)
        if after_sale.state != AfterSaleState.PENDING:
            raise _wrong_state(after_sale, "cancel")
        after_sale = await _move(after_sale, AfterSaleState.CANCELLED, actor=f"user:{user_id}")
        await _release(after_sale)
        recorded = await _record(after_sale, order, events.EventName.AFTER_SALE_CANCELLED)
    await after_commit(rt, what=f"after-sale {after_sale.id}", recorded=recorded)
    return after_sale


async def submit_return(
    rt: Runtime, *, after_sale_id: int, user_id: int, carrier_code: str, tracking_no: str
) -> AfterSale:
    """The customer sent the goods of an approved return back: approved -> returning."""
    async with in_transaction():
        after_sale, order = await _locked(after_sale_id, user_id=user_id)
        if after_sale.state != AfterSaleState.APPROVED:
            raise _wrong_state(after_sale, "send back the goods of")
        after_sale = await _move(
            after_sale,
            AfterSaleState.RETURNING,
            actor=f"user:{user_id}",
            note=f"{carrier_code} {tracking_no}",
            return_carrier_code=carrier_code,
            return_tracking_no=tracking_no,
            returned_at=now(),
        )
        recorded = await _record(after_sale, order, events.EventName.AFTER_SALE_RETURNED)
    await after_commit(rt, what=f"after-sale {after_sale.id}", recorded=recorded)
    return after_sale


async def _lines_of(after_sale: AfterSale) -> list[tuple[AfterSaleItem, OrderItem]]:
    lines = await AfterSaleItem.filter(after_sale_id=after_sale.id).order_by("order_item_id")
    items = {i.id: i for i in await OrderItem.filter(id__in=[line.order_item_id for line in lines])}
    return [(line, items[line.order_item_id]) for line in lines]


async def _restock(
    conn: Any, after_sale: AfterSale, *, reason: str, threshold: int
) -> tuple[list[Any], set[int]]:
    lines = await _lines_of(after_sale)
    changes = await stock.give(
        conn,
        [stock.Line(item.sku_id, line.quantity, item.title, item.specs) for line, item in lines],
    )
    recorded = await stock.record_events(
        conn, changes, reason=reason, low_stock_threshold=threshold
    )
    return recorded, {c.product_id for c in changes}


async def receive(rt: Runtime, *, after_sale_id: int, actor: Actor, resellable: bool) -> Outcome:
    """Staff have the returned goods: returning -> refunding (the refund to send); the
    units go back into stock when they can be sold again."""
    shop = await rt.shop.get()
    label = actor_label(actor)
    product_ids: set[int] = set()
    async with in_transaction() as conn:
        after_sale, order = await _locked(after_sale_id)
        if after_sale.state != AfterSaleState.RETURNING:
            raise _wrong_state(after_sale, "receive the goods of")
        after_sale, refund_id, _ = await _start_refund(
            after_sale,
            order,
            actor=label,
            note="resellable" if resellable else "not resellable",
            resellable=resellable,
            received_at=now(),
        )
        recorded: list[Any] = await _record(
            after_sale, order, events.EventName.AFTER_SALE_RECEIVED, resellable=resellable
        )
        if resellable:
            more, product_ids = await _restock(
                conn, after_sale, reason="return", threshold=shop.low_stock_threshold
            )
            recorded += more
        await record_if_staff(
            actor,
            "after_sale.receive",
            target_type="after_sale",
            target_id=after_sale.id,
            detail={"resellable": resellable},
        )
    await after_commit(
        rt, what=f"after-sale {after_sale.id}", recorded=recorded, product_ids=product_ids
    )
    return Outcome(after_sale, refund_id)


async def complete_refund(rt: Runtime, *, after_sale_id: int, refund_id: int, actor: str) -> bool:
    """WeChat Pay confirmed the money back: refunding -> refunded, exactly once. Stock owed
    goes back (units of an order never shipped), sales come down, and once every unit of
    the order is refunded the order is refunded (its coupon returned)."""
    shop = await rt.shop.get()
    product_ids: set[int] = set()
    async with in_transaction() as conn:
        after_sale, order = await _locked(after_sale_id)
        if after_sale.state != AfterSaleState.REFUNDING:
            return False
        after_sale = await _move(
            after_sale, AfterSaleState.REFUNDED, actor=actor, refunded_at=now()
        )
        await RefundRequest.filter(id=refund_id).update(status=RefundStatus.REFUNDED.value)
        recorded: list[Any] = []
        lines = await _lines_of(after_sale)
        for line, item in lines:
            await OrderItem.filter(id=item.id).update(
                refunded_quantity=F("refunded_quantity") + line.quantity
            )
            await Product.filter(id=item.product_id).update(sales=F("sales") - line.quantity)
            product_ids.add(item.product_id)
        if after_sale.restock_on_refund:
            more, _ = await _restock(
                conn, after_sale, reason="refund", threshold=shop.low_stock_threshold
            )
            recorded += more
        recorded = await _record(after_sale, order, events.EventName.AFTER_SALE_REFUNDED) + (
            recorded
        )
        everything = all(
            i.refunded_quantity >= i.quantity for i in await OrderItem.filter(order_id=order.id)
        )
        fully_refunded = False
        if everything and order.status in (
            OrderStatus.PAID,
            OrderStatus.SHIPPED,
            OrderStatus.COMPLETED,
        ):
            fully_refunded = await transition(
                order.id,
                OrderStatus(order.status),
                OrderStatus.REFUNDED,
                actor=actor,
                note="every item refunded",
                refunded_at=now(),
                stock_restored=True,
            )
            if fully_refunded:
                await coupons.return_for_refund(order_id=order.id)
                recorded += await record_order_event(
                    await Order.get(id=order.id), events.EventName.ORDER_REFUNDED
                )
    await after_commit(
        rt,
        what=f"refund of after-sale {after_sale_id}",
        recorded=recorded,
        product_ids=product_ids,
        schedules=(
            (lambda pipe: rt.jobs.queue_unschedule(pipe, confirm_schedule_id(order.id)))
            if fully_refunded
            else None
        ),
    )
    return True


async def open_after_sales(order_id: int) -> bool:
    """Whether any after-sale of the order is still open (the whole-order refund waits)."""
    return await AfterSale.filter(order_id=order_id, state__in=[s.value for s in OPEN]).exists()


async def refunded_amount(order_id: int) -> int:
    """What the order's after-sales have taken of its items (the whole-order refund gives
    the rest)."""
    items = await OrderItem.filter(order_id=order_id)
    return sum(i.after_sale_amount for i in items)
