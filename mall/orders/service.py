"""Orders: checkout, creation with stock reservation, and every state transition.

Each transition is one conditional UPDATE (`WHERE id = ? AND status = <from>`) whose
row count decides who won, so racing requests and tasks can never both win; stock and
coupons move in the same transaction as the winning UPDATE, events are written to the
outbox there too and published after commit.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any, cast
from zoneinfo import ZoneInfo

from tortoise.expressions import F
from tortoise.transactions import in_transaction

from mall import events, jobs, resources
from mall.auth import service as auth
from mall.catalog.cache import CatalogCache
from mall.catalog.service import record_stock_events
from mall.catalog.storage import ImageStorage
from mall.coupons import service as coupons
from mall.errors import Conflict, NotFound, ValidationFailed
from mall.orders import cancelling, placing, pricing, stock
from mall.orders.schemas import CheckoutIn, OrderIn, ShipIn
from mall.shipping import sync as shipping_sync
from mall.shop import service as shop
from mall.wechat.wxa import Carrier
from models import (
    CartItem,
    IdempotencyKey,
    Order,
    OrderHistory,
    OrderItem,
    OutboxEvent,
    Product,
    RefundRequest,
    Shipment,
    User,
    UserCoupon,
)

log = logging.getLogger("mall.orders")

SHOP_TZ = ZoneInfo("Asia/Shanghai")
REFUND_WINDOW_AFTER_COMPLETION = timedelta(days=7)
CANCEL_TASK = "mall.cancel_if_unpaid"
AUTO_CONFIRM_TASK = "mall.auto_confirm"
ORDER_NO_ATTEMPTS = 3


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
    user: User | None = None
    replay_order_id: int | None = None


def _replay_of(order_id: int) -> Checkout:
    empty = pricing.Priced(lines=[], goods_amount=0, freight_amount=0)
    return Checkout(priced=empty, address={}, cart_item_ids=[], replay_order_id=order_id)


async def _lines(*, user_id: int, body: CheckoutIn) -> tuple[list[tuple[int, int]], list[int]]:
    if body.items is not None:
        return [(line.sku_id, line.quantity) for line in body.items], []
    ids = list(dict.fromkeys(body.cart_item_ids or []))
    cart = await CartItem.filter(id__in=ids, user_id=user_id)
    missing = sorted(set(ids) - {c.id for c in cart})
    if missing:
        raise NotFound(
            "Cart items not found", code="cart_item_not_found", details={"cart_item_ids": missing}
        )
    return [(c.sku_id, c.quantity) for c in cart], ids


def _insufficient_stock(*, sku_id: int, requested: int, available: int) -> Conflict:
    return Conflict(
        f"Not enough stock for SKU {sku_id}",
        code="insufficient_stock",
        details={"sku_id": sku_id, "requested": requested, "available": available},
    )


def _ensure_stock_read(lines: list[pricing.PricedLine]) -> None:
    """409 naming the first SKU whose stock, as priced, is short (no lock: a pre-check)."""
    for line in lines:
        if line.quantity > line.stock:
            raise _insufficient_stock(
                sku_id=line.sku_id, requested=line.quantity, available=line.stock
            )


async def checkout(
    *,
    user_id: int,
    body: CheckoutIn,
    images: ImageStorage,
    require_stock: bool,
    list_coupons: bool = True,
    idempotency_key: str | None = None,
) -> Checkout:
    """Price the lines server-side, pick up the address, and apply the chosen coupon.

    The customer is read in the same query (401 if gone, 403 if banned). `list_coupons=False`
    (placing an order) looks at coupons only when one was chosen. With an Idempotency-Key
    whose order exists, that order's id is all that comes back.
    """
    try:
        lines, cart_ids = await _lines(user_id=user_id, body=body)
    except NotFound:
        # The cart lines an earlier request with this key ordered are gone: a replay.
        earlier = await _order_of_key(user_id=user_id, key=idempotency_key)
        if earlier is None:
            raise
        return _replay_of(earlier)
    merged = pricing.merge_lines(lines)
    read = await pricing.read_checkout(
        user_id=user_id,
        sku_ids=[sku_id for sku_id, _ in merged],
        address_id=body.address_id,
        idempotency_key=idempotency_key,
    )
    user = auth.active_user(read.user)
    if read.replay_order_id is not None:
        return _replay_of(read.replay_order_id)
    priced_lines = pricing.priced_from(merged, read.skus, images=images)
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
    if read.address is None:
        raise NotFound("Address not found", code="address_not_found")
    return Checkout(priced=priced, address=read.address, cart_item_ids=cart_ids, user=user)


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


@dataclass(frozen=True)
class Created:
    """An order placed by this request (`placed`), or the one an earlier request with the
    same Idempotency-Key placed (`replayed`)."""

    order: Order
    items: list[OrderItem]
    replayed: bool


async def _order_of_key(*, user_id: int, key: str | None) -> int | None:
    """The order an earlier request with this Idempotency-Key placed, if there is one."""
    if key is None:
        return None
    seen = await IdempotencyKey.get_or_none(user_id=user_id, key=key)
    return seen.order_id if seen is not None else None


async def _replayed(order_id: int) -> Created:
    order = await Order.get(id=order_id)
    return Created(order=order, items=await OrderItem.filter(order_id=order.id), replayed=True)


async def create(
    *, user_id: int, body: OrderIn, images: ImageStorage, idempotency_key: str | None
) -> Created:
    """Place an order: reserve stock, lock the coupon, snapshot prices and address, atomically.

    A request repeating an earlier one's Idempotency-Key gets that order back, even once
    the cart lines are gone or the SKU sold out since.
    """
    co = await checkout(
        user_id=user_id,
        body=body,
        images=images,
        require_stock=True,
        list_coupons=False,
        idempotency_key=idempotency_key,
    )
    if co.replay_order_id is not None:
        return await _replayed(co.replay_order_id)
    settings = await shop.get()
    priced = co.priced
    new = placing.NewOrder(
        user_id=user_id,
        order_no="",
        lines=priced.lines,
        goods_amount=priced.goods_amount,
        freight_amount=priced.freight_amount,
        discount_amount=priced.discount_amount,
        pay_amount=priced.pay_amount,
        address=co.address,
        remark=body.remark,
        coupon_id=priced.coupon.id if priced.coupon else None,
        timeout_seconds=settings.order_timeout_seconds,
        cart_item_ids=co.cart_item_ids,
        actor=f"user:{user_id}",
    )
    try:
        outcome = await _place(new, idempotency_key, settings.low_stock_threshold)
    except placing.Refused as refused:
        earlier = await _order_of_key(user_id=user_id, key=idempotency_key)
        if earlier is not None:
            return await _replayed(earlier)
        raise _refusal_error(refused) from None
    await _after_statement(
        what=f"placing order {outcome.order_id}",
        recorded=outcome.events,
        product_ids={product_id for product_id, _, _ in outcome.stock_left},
        schedules=lambda pipe: jobs.queue_schedule(
            pipe,
            CANCEL_TASK,
            at=outcome.expires_at,
            schedule_id=cancel_schedule_id(outcome.order_id),
            order_id=outcome.order_id,
        ),
    )
    order, items = _placed_order(outcome)
    return Created(order=order, items=items, replayed=False)


async def _after_statement(
    *,
    what: str,
    recorded: Sequence[events.Publishable],
    product_ids: Iterable[int],
    schedules: Callable[[Any], None],
) -> None:
    """After an order statement commits, in one Redis round trip: publish its events, add or
    remove its schedules, drop the cached details of the products whose stock moved. If
    Redis fails, the outbox sweeper publishes, the overdue sweep cancels (a task finding
    its order settled does nothing), and the cache expires."""
    redis = resources.shared_redis()
    if redis is None:
        return
    try:
        async with redis.pipeline(transaction=False) as pipe:
            batch = events.queue_publish(pipe, recorded)
            schedules(pipe)
            CatalogCache(redis).queue_drop_product_details(pipe, product_ids)
            results = await pipe.execute()
    except Exception:
        log.warning("after %s", what, exc_info=True)
        return
    events.sent(batch, results[: len(batch)])


async def _place(
    new: placing.NewOrder, idempotency_key: str | None, low_stock_threshold: int
) -> placing.Placed:
    for attempt in range(1, ORDER_NO_ATTEMPTS + 1):
        try:
            return await placing.place(
                replace(new, order_no=new_order_no()),
                idempotency_key=idempotency_key,
                low_stock_threshold=low_stock_threshold,
            )
        except placing.OrderNoTaken:
            # Two orders drew the same number in the same second: draw again.
            if attempt == ORDER_NO_ATTEMPTS:
                raise
    raise AssertionError("unreachable")


def _refusal_error(refused: placing.Refused) -> Conflict:
    if refused.code == "insufficient_stock" and refused.detail:
        first = refused.detail[0]
        return _insufficient_stock(
            sku_id=first["sku_id"], requested=first["quantity"], available=first["available"]
        )
    if refused.code == "coupon_unavailable":
        return Conflict("The coupon is not usable", code="coupon_unavailable")
    # The key is taken but its order is not there: only a rolled-back request does that.
    return Conflict(
        "A request with this Idempotency-Key is in progress", code="idempotency_conflict"
    )


def _placed_order(placed: placing.Placed) -> tuple[Order, list[OrderItem]]:
    """The rows the statement wrote, as models (no read back)."""
    new = placed.new
    order = Order(
        id=placed.order_id,
        order_no=new.order_no,
        user_id=new.user_id,
        status=OrderStatus.PENDING_PAYMENT.value,
        goods_amount=new.goods_amount,
        freight_amount=new.freight_amount,
        discount_amount=new.discount_amount,
        pay_amount=new.pay_amount,
        address=new.address,
        remark=new.remark,
        user_coupon_id=new.coupon_id,
        created_at=placed.created_at,
        expires_at=placed.expires_at,
    )
    items = [
        OrderItem(
            id=placed.item_ids[ln.sku_id],
            order_id=placed.order_id,
            sku_id=ln.sku_id,
            product_id=ln.product_id,
            title=ln.title,
            specs=ln.specs,
            cover_url=ln.cover_url,
            price=ln.price,
            quantity=ln.quantity,
            reviewed=False,
        )
        for ln in new.lines
    ]
    return order, items


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
    """pending_payment -> cancelled; stock and coupon go back in the same statement."""
    cancelled = await cancelling.cancel_pending(order_id=order.id, reason=reason.value, actor=actor)
    if cancelled is None:
        raise _state_conflict(await Order.get(id=order.id), "cancel")
    await _after_statement(
        what=f"cancelling order {order.id}",
        recorded=cancelled.events,
        product_ids=cancelled.product_ids,
        schedules=lambda pipe: jobs.queue_unschedule(pipe, cancel_schedule_id(order.id)),
    )
    return cancelled.order


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


async def ship(*, order: Order, carrier: Carrier, data: ShipIn, actor: str) -> Order:
    """paid -> shipped with its tracking number and WeChat carrier; the shipping sync to
    WeChat starts pending in the same transaction and is kicked after commit; auto-confirm
    is scheduled."""
    settings = await shop.get()
    async with in_transaction():
        won = await transition(
            order.id, OrderStatus.PAID, OrderStatus.SHIPPED, actor=actor, shipped_at=_now()
        )
        if not won:
            raise _state_conflict(await Order.get(id=order.id), "ship")
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
    await events.publish(recorded)
    await shipping_sync.kick(order.id)
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
    # Our confirmation does not release WeChat's frozen money, the customer's does: WeChat
    # reminds them (once) to confirm receipt.
    await jobs.kick(shipping_sync.CONFIRM_REMINDER_TASK, order_id=order_id)
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
