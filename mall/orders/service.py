"""Orders: checkout, creation with stock reservation, and every state transition.

Each transition is one conditional UPDATE (`WHERE id = ? AND status = <from>`) whose
row count decides who won, so racing requests and tasks can never both win; stock and
coupons move in the same transaction as the winning UPDATE, events are written to the
outbox there too and published after commit.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any, cast
from zoneinfo import ZoneInfo

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import IntegrityError
from tortoise.expressions import F
from tortoise.transactions import in_transaction

from mall import events, jobs, resources
from mall.catalog.cache import CatalogCache
from mall.catalog.service import record_stock_events
from mall.catalog.storage import ImageStorage
from mall.coupons import service as coupons
from mall.errors import Conflict, NotFound, ValidationFailed
from mall.orders import pricing, stock
from mall.orders.schemas import CheckoutIn, OrderIn, ReviewIn, ShipIn
from mall.shop import service as shop
from models import (
    Address,
    CartItem,
    IdempotencyKey,
    Order,
    OrderHistory,
    OrderItem,
    OutboxEvent,
    Product,
    RefundRequest,
    Review,
    Shipment,
    User,
    UserCoupon,
)

log = logging.getLogger("mall.orders")

SHOP_TZ = ZoneInfo("Asia/Shanghai")
REFUND_WINDOW_AFTER_COMPLETION = timedelta(days=7)
CANCEL_TASK = "mall.cancel_if_unpaid"
AUTO_CONFIRM_TASK = "mall.auto_confirm"


class OrderStatus(StrEnum):
    PENDING_PAYMENT = "pending_payment"
    PAID = "paid"
    SHIPPED = "shipped"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    REFUNDING = "refunding"
    REFUNDED = "refunded"


class CancelReason(StrEnum):
    USER = "user"
    TIMEOUT = "timeout"
    ADMIN = "admin"


class RefundStatus(StrEnum):
    REQUESTED = "requested"
    REJECTED = "rejected"
    REFUNDING = "refunding"
    REFUNDED = "refunded"
    FAILED = "failed"


def cancel_schedule_id(order_id: int) -> str:
    return f"cancel-unpaid:{order_id}"


def confirm_schedule_id(order_id: int) -> str:
    return f"auto-confirm:{order_id}"


def _lines_of(items: list[OrderItem]) -> list[stock.Line]:
    return [stock.Line(i.sku_id, i.quantity, i.title, i.specs) for i in items]


def new_order_no() -> str:
    """Sortable by time (shop-local), not guessable in sequence: 14 digits of time + 6 random."""
    return datetime.now(SHOP_TZ).strftime("%Y%m%d%H%M%S") + f"{secrets.randbelow(10**6):06d}"


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Checkout:
    priced: pricing.Priced
    address: dict[str, Any]
    cart_item_ids: list[int]


async def _lines(*, user: User, body: CheckoutIn) -> tuple[list[tuple[int, int]], list[int]]:
    if body.items is not None:
        return [(line.sku_id, line.quantity) for line in body.items], []
    ids = list(dict.fromkeys(body.cart_item_ids or []))
    cart = await CartItem.filter(id__in=ids, user_id=user.id)
    missing = sorted(set(ids) - {c.id for c in cart})
    if missing:
        raise NotFound(
            "Cart items not found", code="cart_item_not_found", details={"cart_item_ids": missing}
        )
    return [(c.sku_id, c.quantity) for c in cart], ids


async def _address(*, user: User, address_id: int) -> dict[str, Any]:
    address = await Address.get_or_none(id=address_id, user_id=user.id)
    if address is None:
        raise NotFound("Address not found", code="address_not_found")
    return {
        "name": address.name,
        "phone": address.phone,
        "province": address.province,
        "city": address.city,
        "district": address.district,
        "detail": address.detail,
    }


def _ensure_stock_read(lines: list[pricing.PricedLine]) -> None:
    """409 naming the first SKU whose stock, as priced, is short (no lock: a pre-check)."""
    for line in lines:
        if line.quantity > line.stock:
            raise Conflict(
                f"Not enough stock for SKU {line.sku_id}",
                code="insufficient_stock",
                details={
                    "sku_id": line.sku_id,
                    "requested": line.quantity,
                    "available": line.stock,
                },
            )


async def checkout(
    *,
    user: User,
    body: CheckoutIn,
    images: ImageStorage,
    require_stock: bool,
    list_coupons: bool = True,
) -> Checkout:
    """Price the lines server-side, pick up the address, and apply the chosen coupon.

    `list_coupons=False` (placing an order) looks at coupons only when one was chosen.
    """
    lines, cart_ids = await _lines(user=user, body=body)
    priced_lines = await pricing.price_lines(lines, images=images)
    if require_stock:
        _ensure_stock_read(priced_lines)
    settings = await shop.get()
    goods = sum(line.amount for line in priced_lines)
    priced = pricing.Priced(
        lines=priced_lines, goods_amount=goods, freight_amount=pricing.freight_for(goods, settings)
    )
    if list_coupons or body.coupon_id is not None:
        priced.usable = await coupons.usable_for(user=user, lines=priced.coupon_lines())
    if body.coupon_id is not None:
        chosen = next((pair for pair in priced.usable if pair[0].id == body.coupon_id), None)
        if chosen is None:
            owned = await UserCoupon.filter(id=body.coupon_id, user_id=user.id).exists()
            if not owned:
                raise NotFound("Coupon not found", code="coupon_not_found")
            raise Conflict("The coupon does not apply to this order", code="coupon_unavailable")
        pricing.apply_coupon(priced, *chosen)
    address = await _address(user=user, address_id=body.address_id)
    return Checkout(priced=priced, address=address, cart_item_ids=cart_ids)


class _Replay(Exception):
    def __init__(self, order_id: int) -> None:
        self.order_id = order_id


async def _claim_idempotency_key(conn: BaseDBAsyncClient, *, user_id: int, key: str) -> int | None:
    """Insert the key in this transaction; if another request holds it, the order it made.

    A concurrent insert of the same key waits here until the other transaction ends: if it
    committed, its order is returned; if it rolled back, this request carries on.
    """
    rows = await conn.execute_query_dict(
        "INSERT INTO idempotency_keys (user_id, key, created_at) VALUES ($1, $2, now()) "
        "ON CONFLICT (user_id, key) DO NOTHING RETURNING id",
        [user_id, key],
    )
    if rows:
        return None
    existing = await conn.execute_query_dict(
        "SELECT order_id FROM idempotency_keys WHERE user_id = $1 AND key = $2", [user_id, key]
    )
    order_id = existing[0]["order_id"] if existing else None
    if order_id is None:
        raise Conflict(
            "A request with this Idempotency-Key is in progress", code="idempotency_conflict"
        )
    return int(order_id)


def _order_event_data(order: Order, **extra: Any) -> dict[str, Any]:
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
    """The customer's channel and the admin channel both hear about every order change."""
    data = _order_event_data(order, **extra)
    return [
        await events.record(channel=events.user_channel(order.user_id), name=name, data=data),
        await events.record(channel=events.ADMIN_CHANNEL, name=name, data=data),
    ]


async def _history(order_id: int, frm: str | None, to: str, actor: str, note: str = "") -> None:
    await OrderHistory.create(
        order_id=order_id, from_status=frm, to_status=to, actor=actor, note=note
    )


async def transition(
    order_id: int, frm: OrderStatus, to: OrderStatus, *, actor: str, note: str = "", **changes: Any
) -> bool:
    """The one way an order changes state: a conditional UPDATE; True if this caller won."""
    won = await Order.filter(id=order_id, status=frm.value).update(status=to.value, **changes)
    if won:
        await _history(order_id, frm.value, to.value, actor, note)
    return bool(won)


async def create(
    *, user: User, body: OrderIn, images: ImageStorage, idempotency_key: str | None
) -> tuple[Order, bool]:
    """Place an order: reserve stock, lock the coupon, snapshot prices and address, atomically.

    Returns the order and whether it is a replay of an earlier request with the same key.
    """
    if idempotency_key is not None:
        seen = await IdempotencyKey.get_or_none(user_id=user.id, key=idempotency_key)
        if seen is not None and seen.order_id is not None:
            return await Order.get(id=seen.order_id), True
    co = await checkout(
        user=user, body=body, images=images, require_stock=False, list_coupons=False
    )
    settings = await shop.get()
    now = _now()
    priced = co.priced
    try:
        async with in_transaction() as conn:
            if idempotency_key is not None:
                earlier = await _claim_idempotency_key(conn, user_id=user.id, key=idempotency_key)
                if earlier is not None:
                    raise _Replay(earlier)
            # Sold out as priced: refuse before writing anything (the key claimed above
            # goes back with the rollback, so a replay still wins over this 409).
            _ensure_stock_read(priced.lines)
            order = await Order.create(
                order_no=new_order_no(),
                user_id=user.id,
                status=OrderStatus.PENDING_PAYMENT.value,
                goods_amount=priced.goods_amount,
                freight_amount=priced.freight_amount,
                discount_amount=priced.discount_amount,
                pay_amount=priced.pay_amount,
                address=co.address,
                remark=body.remark,
                user_coupon_id=priced.coupon.id if priced.coupon else None,
                expires_at=now + timedelta(seconds=settings.order_timeout_seconds),
            )
            await OrderItem.bulk_create(
                [
                    OrderItem(
                        order_id=order.id,
                        sku_id=ln.sku_id,
                        product_id=ln.product_id,
                        title=ln.title,
                        specs=ln.specs,
                        cover_url=ln.cover_url,
                        price=ln.price,
                        quantity=ln.quantity,
                    )
                    for ln in priced.lines
                ]
            )
            if priced.coupon is not None:
                await coupons.lock_for_order(
                    user=user, coupon_id=priced.coupon.id, order_id=order.id
                )
            if co.cart_item_ids:
                await CartItem.filter(id__in=co.cart_item_ids, user_id=user.id).delete()
            if idempotency_key is not None:
                await conn.execute_query(
                    "UPDATE idempotency_keys SET order_id = $1 WHERE user_id = $2 AND key = $3",
                    [order.id, user.id, idempotency_key],
                )
            await _history(order.id, None, OrderStatus.PENDING_PAYMENT.value, f"user:{user.id}")
            recorded = await record_order_event(order, events.EventName.ORDER_CREATED)
            # Last: the conditional decrement locks the SKU rows until COMMIT, and a hot
            # SKU's buyers queue on that lock, so hold it for as few statements as possible.
            changes = await stock.reserve(
                conn,
                [stock.Line(ln.sku_id, ln.quantity, ln.title, ln.specs) for ln in priced.lines],
            )
            recorded += await record_stock_events(
                changes, reason="order", low_stock_threshold=settings.low_stock_threshold
            )
    except _Replay as replay:
        return await Order.get(id=replay.order_id), True
    await events.publish(recorded)
    await jobs.schedule(
        CANCEL_TASK,
        at=order.expires_at,
        schedule_id=cancel_schedule_id(order.id),
        order_id=order.id,
    )
    await stock_moved({c.product_id for c in changes})
    return order, False


async def stock_moved(product_ids: set[int]) -> None:
    """Drop cached product details whose stock or sales figures just changed."""
    redis = resources.shared_redis()
    if redis is None or not product_ids:
        return
    try:
        await CatalogCache(redis).invalidate_product_details(product_ids)
    except Exception:
        # The cache holds stock for at most its TTL; the order itself is already safe.
        log.warning("could not invalidate cached products %s", product_ids, exc_info=True)


async def get(*, user: User, order_id: int) -> Order:
    """The user's own order; someone else's is indistinguishable from a missing one."""
    order = await Order.get_or_none(id=order_id, user_id=user.id)
    if order is None:
        raise NotFound("Order not found", code="order_not_found")
    return order


async def get_any(*, order_id: int) -> Order:
    order = await Order.get_or_none(id=order_id)
    if order is None:
        raise NotFound("Order not found", code="order_not_found")
    return order


async def get_all(
    *, user: User, status: str | None, offset: int, limit: int
) -> tuple[list[Order], int]:
    orders = Order.filter(user_id=user.id)
    if status:
        orders = orders.filter(status=status)
    total = await orders.count()
    return await orders.order_by("-id").offset(offset).limit(limit), total


def _state_conflict(order: Order, action: str) -> Conflict:
    return Conflict(
        f"Cannot {action} an order that is {order.status}",
        code="invalid_order_state",
        details={"status": order.status},
    )


async def cancel(*, order: Order, reason: CancelReason, actor: str) -> Order:
    """pending_payment -> cancelled; stock and coupon go back in the same transaction."""
    settings = await shop.get()
    async with in_transaction() as conn:
        won = await transition(
            order.id,
            OrderStatus.PENDING_PAYMENT,
            OrderStatus.CANCELLED,
            actor=actor,
            note=reason.value,
            cancelled_at=_now(),
            cancel_reason=reason.value,
            stock_restored=True,
        )
        if not won:
            current = await Order.get(id=order.id)
            raise _state_conflict(current, "cancel")
        items = await OrderItem.filter(order_id=order.id)
        if order.user_coupon_id is not None:
            await coupons.release_for_order(order_id=order.id)
        order = await Order.get(id=order.id)
        recorded = await record_order_event(
            order, events.EventName.ORDER_CANCELLED, reason=reason.value
        )
        # Last, as in create: the SKU rows stay locked until COMMIT.
        changes = await stock.restore(conn, _lines_of(items))
        recorded += await record_stock_events(
            changes, reason="cancel", low_stock_threshold=settings.low_stock_threshold
        )
    await events.publish(recorded)
    await jobs.unschedule(cancel_schedule_id(order.id))
    await stock_moved({c.product_id for c in changes})
    return order


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


async def confirm_receipt(*, order: Order, actor: str) -> Order:
    """shipped -> completed (the customer's receipt, or auto-confirm after the set days)."""
    async with in_transaction():
        won = await transition(
            order.id, OrderStatus.SHIPPED, OrderStatus.COMPLETED, actor=actor, completed_at=_now()
        )
        if not won:
            raise _state_conflict(await Order.get(id=order.id), "confirm")
        order = await Order.get(id=order.id)
        recorded = await record_order_event(order, events.EventName.ORDER_COMPLETED)
    await events.publish(recorded)
    await jobs.unschedule(confirm_schedule_id(order.id))
    return order


async def ship(*, order: Order, data: ShipIn, actor: str) -> Order:
    """paid -> shipped with its tracking number; auto-confirm is scheduled."""
    settings = await shop.get()
    async with in_transaction():
        won = await transition(
            order.id, OrderStatus.PAID, OrderStatus.SHIPPED, actor=actor, shipped_at=_now()
        )
        if not won:
            raise _state_conflict(await Order.get(id=order.id), "ship")
        await Shipment.create(order_id=order.id, carrier=data.carrier, tracking_no=data.tracking_no)
        order = await Order.get(id=order.id)
        recorded = await record_order_event(
            order,
            events.EventName.ORDER_SHIPPED,
            carrier=data.carrier,
            tracking_no=data.tracking_no,
        )
    await events.publish(recorded)
    assert order.shipped_at is not None
    await jobs.schedule(
        AUTO_CONFIRM_TASK,
        at=order.shipped_at + timedelta(days=settings.auto_confirm_days),
        schedule_id=confirm_schedule_id(order.id),
        order_id=order.id,
    )
    return order


async def auto_confirm(*, order_id: int) -> str:
    """Complete an order still shipped once the auto-confirm days have passed."""
    order = await Order.get_or_none(id=order_id)
    if order is None or order.status != OrderStatus.SHIPPED:
        return "settled"
    try:
        await confirm_receipt(order=order, actor="system:auto-confirm")
    except Conflict:
        return "settled"
    return "completed"


async def overdue_confirmations(*, limit: int = 500) -> list[int]:
    """Shipped orders past their auto-confirm time (their schedule was lost)."""
    settings = await shop.get()
    ids = (
        await Order.filter(
            status=OrderStatus.SHIPPED.value,
            shipped_at__lt=_now() - timedelta(days=settings.auto_confirm_days),
        )
        .limit(limit)
        .values_list("id", flat=True)
    )
    return [int(i) for i in cast(list[int], ids)]


def new_out_refund_no(order: Order) -> str:
    return f"R{order.order_no}{secrets.randbelow(10**4):04d}"


async def request_refund(
    *, order: Order, reason: str, actor: str, automatic: bool = False
) -> RefundRequest:
    """paid | shipped | completed (within 7 days) -> refunding, with a refund request."""
    async with in_transaction():
        current = await Order.filter(id=order.id).select_for_update().first()
        assert current is not None
        allowed = {OrderStatus.PAID, OrderStatus.SHIPPED, OrderStatus.COMPLETED}
        if current.status not in allowed:
            raise _state_conflict(current, "refund")
        if current.status == OrderStatus.COMPLETED and (
            current.completed_at is None
            or _now() - current.completed_at > REFUND_WINDOW_AFTER_COMPLETION
        ):
            raise Conflict(
                "The refund window (7 days after completion) has passed",
                code="refund_window_closed",
                details={"status": current.status},
            )
        frm = OrderStatus(current.status)
        won = await transition(
            order.id,
            frm,
            OrderStatus.REFUNDING,
            actor=actor,
            note=reason,
            refund_from_status=frm.value,
        )
        if not won:
            raise _state_conflict(current, "refund")
        refund = await RefundRequest.create(
            order_id=order.id,
            out_refund_no=new_out_refund_no(current),
            reason=reason,
            amount=current.pay_amount,
            status=RefundStatus.REQUESTED.value,
            from_status=frm.value,
            automatic=automatic,
        )
        current = await Order.get(id=order.id)
        recorded = await record_order_event(
            current, events.EventName.ORDER_REFUND_REQUESTED, reason=reason, refund_id=refund.id
        )
    await events.publish(recorded)
    await jobs.unschedule(confirm_schedule_id(order.id))
    return refund


async def reject_refund(*, order: Order, actor: str, note: str) -> Order:
    """refunding -> back where it came from; the request is marked rejected."""
    settings = await shop.get()
    async with in_transaction():
        refund = (
            await RefundRequest.filter(order_id=order.id, status=RefundStatus.REQUESTED.value)
            .select_for_update()
            .first()
        )
        if refund is None:
            raise Conflict("No refund request awaits a decision", code="no_refund_request")
        back = OrderStatus(refund.from_status)
        won = await transition(
            order.id, OrderStatus.REFUNDING, back, actor=actor, note=note, refund_from_status=None
        )
        if not won:
            raise _state_conflict(await Order.get(id=order.id), "reject a refund of")
        await RefundRequest.filter(id=refund.id).update(
            status=RefundStatus.REJECTED.value,
            decided_by=actor,
            decided_at=_now(),
            failure=note or None,
        )
        order = await Order.get(id=order.id)
    if back == OrderStatus.SHIPPED and order.shipped_at is not None:
        await jobs.schedule(
            AUTO_CONFIRM_TASK,
            at=max(order.shipped_at + timedelta(days=settings.auto_confirm_days), _now()),
            schedule_id=confirm_schedule_id(order.id),
            order_id=order.id,
        )
    return order


async def complete_refund(*, order_id: int, refund_id: int, actor: str) -> bool:
    """refunding -> refunded once the money is back: stock, sales and coupon restored once."""
    settings = await shop.get()
    async with in_transaction() as conn:
        won = await transition(
            order_id,
            OrderStatus.REFUNDING,
            OrderStatus.REFUNDED,
            actor=actor,
            refunded_at=_now(),
            stock_restored=True,
        )
        if not won:
            return False
        await RefundRequest.filter(id=refund_id).update(status=RefundStatus.REFUNDED.value)
        items = await OrderItem.filter(order_id=order_id)
        changes = await stock.restore(conn, _lines_of(items))
        for item in items:
            await Product.filter(id=item.product_id).update(sales=F("sales") - item.quantity)
        await coupons.return_for_refund(order_id=order_id)
        order = await Order.get(id=order_id)
        recorded = await record_order_event(order, events.EventName.ORDER_REFUNDED)
        recorded += await record_stock_events(
            changes, reason="refund", low_stock_threshold=settings.low_stock_threshold
        )
    await events.publish(recorded)
    await stock_moved({c.product_id for c in changes})
    return True


async def review(*, user: User, order: Order, data: ReviewIn) -> Review:
    """One review per item of a completed order."""
    if order.status != OrderStatus.COMPLETED:
        raise _state_conflict(order, "review")
    item = await OrderItem.get_or_none(id=data.order_item_id, order_id=order.id)
    if item is None:
        raise NotFound("Order item not found", code="order_item_not_found")
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
        raise Conflict("This item was already reviewed", code="already_reviewed") from None
    return created


def validate_idempotency_key(raw: str | None) -> str | None:
    if raw is None:
        return None
    key = raw.strip()
    if not key or len(key) > 128 or not key.isprintable():
        raise ValidationFailed(
            details=[
                {
                    "field": "Idempotency-Key",
                    "message": "1-128 printable characters",
                    "type": "header",
                }
            ]
        )
    return key
