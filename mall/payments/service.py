"""WeChat Pay for orders: prepay, notifications, the query fallback, close-then-cancel, refunds.

Every path that learns an order was paid (notification, query from GET /orders/<id>, the
cancellation task) goes through `settle_paid`, which records the Payment once (its
transaction_id is unique) and moves the order with the same conditional UPDATE as
everything else; a payment that lands on an order that is no longer awaiting one is
refunded automatically.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import cast

import orjson
from tortoise.transactions import in_transaction

from mall import events
from mall.admin.audit import Actor, actor_label, record_if_staff
from mall.aftersales import service as after_sales
from mall.errors import Conflict, MallError, NotFound, UpstreamError
from mall.jobs import TaskName
from mall.marketing import group_progress
from mall.orders.after_commit import after_commit
from mall.orders.errors import OrderError, state_conflict
from mall.orders.refunds import complete_refund, new_out_refund_no
from mall.orders.schedules import cancel_schedule_id
from mall.orders.transitions import mark_paid, now, record_order_event
from mall.payments import trades
from mall.payments.trades import trade_no
from mall.runtime import Runtime
from mall.wechat.pay import (
    NotificationRejected,
    OrderAlreadyPaid,
    PayError,
    PayOrderNotFound,
    PayQueryResult,
    RefundResult,
)
from models import (
    Order,
    OrderItem,
    OrderStatus,
    OutboxEvent,
    Payment,
    RefundRequest,
    RefundStatus,
    User,
)

log = logging.getLogger("mall.payments")

# GET /orders/<id> asks WeChat about a pending order this close to its expiry.
RECONCILE_WINDOW = timedelta(seconds=60)
# A pay call this close to expiry could not finish in time: refuse it.
MIN_TIME_TO_PAY = timedelta(seconds=5)


def _upstream(exc: PayError) -> MallError:
    return UpstreamError(
        "WeChat Pay did not answer; try again", details={"code": exc.code, "status": exc.status}
    )


async def pay(rt: Runtime, *, user: User, order: Order) -> dict[str, str]:
    """The wx.requestPayment arguments for an unpaid order, reusing its prepay while valid."""
    if order.status != OrderStatus.PENDING_PAYMENT:
        raise state_conflict(order.status, "pay")
    if order.expires_at - now() < MIN_TIME_TO_PAY:
        raise Conflict(
            "The order has expired", code=OrderError.ORDER_EXPIRED, details={"status": order.status}
        )
    gateway = rt.pay_gateway()
    prepay_id = order.prepay_id
    if prepay_id is None:
        first = await OrderItem.filter(order_id=order.id).order_by("id").first()
        description = (first.title if first else "mall order")[:127]
        out_trade_no = trade_no(order)
        try:
            prepay_id = await gateway.prepay(
                out_trade_no=out_trade_no,
                description=description,
                total_fen=order.pay_amount,
                openid=user.openid,
                time_expire=order.expires_at,
            )
        except OrderAlreadyPaid:
            await reconcile(rt, order=order)
            raise state_conflict(OrderStatus.PAID, "pay") from None
        except PayError as exc:
            raise _upstream(exc) from None
        # Only onto the trade it was made for: staff may have adjusted the price (closing
        # this trade) meanwhile, and the customer must never be handed the old amount.
        same_trade = (
            {"out_trade_no": order.out_trade_no}
            if order.out_trade_no
            else {"out_trade_no__isnull": True}
        )
        kept = await Order.filter(
            id=order.id, status=OrderStatus.PENDING_PAYMENT.value, **same_trade
        ).update(prepay_id=prepay_id)
        if not kept:
            await _close_quietly(rt, out_trade_no)
            current = await Order.get(id=order.id)
            if current.status != OrderStatus.PENDING_PAYMENT:
                raise state_conflict(current.status, "pay")
            raise Conflict(
                "The order's price was changed; pay again",
                code=OrderError.PRICE_CHANGED,
                details={"status": current.status, "pay_amount": current.pay_amount},
            )
    return gateway.request_payment_params(prepay_id)


async def _close_quietly(rt: Runtime, out_trade_no: str) -> None:
    """Close a trade no order uses any more; a payment that still lands on it is refunded."""
    try:
        await rt.pay_gateway().close(out_trade_no=out_trade_no)
    except PayError:
        log.warning("closing the superseded trade %s failed", out_trade_no, exc_info=True)


async def settle_paid(
    rt: Runtime, *, order: Order, tx: PayQueryResult, source: str, current_trade: bool = True
) -> Order:
    """Record a confirmed payment once and mark the order paid, or refund it if too late
    (or if it paid a trade a price adjustment superseded: `current_trade` False)."""
    if tx.transaction_id is None or tx.total_fen is None:
        raise ValueError("a paid transaction has an id and an amount")
    refund: RefundRequest | None = None
    recorded: list[OutboxEvent] = []
    group_failed = False
    async with in_transaction() as conn:
        inserted = await conn.execute_query_dict(
            "INSERT INTO payments (order_id, out_trade_no, transaction_id, amount,"
            " payer_openid, paid_at, unexpected, notification, created_at)"
            " VALUES ($1, $2, $3, $4, $5, $6, false, $7, now())"
            " ON CONFLICT (transaction_id) DO NOTHING RETURNING id",
            [
                order.id,
                tx.out_trade_no,
                tx.transaction_id,
                tx.total_fen,
                tx.payer_openid or "",
                tx.success_time or now(),
                orjson.dumps(tx.raw).decode(),
            ],
        )
        if not inserted:
            return await Order.get(id=order.id)  # already recorded: a duplicate
        payment_id = int(inserted[0]["id"])
        paid = (
            await mark_paid(order=order, paid_at=tx.success_time or now(), actor=f"wechat:{source}")
            if current_trade
            else None
        )
        if paid is not None:
            recorded += await record_order_event(
                paid, events.EventName.ORDER_PAID, transaction_id=tx.transaction_id
            )
            # A group-buy member's payment moves the group in the same transaction.
            progress, group_failed = await group_progress.member_paid(conn, order_id=order.id)
            recorded += progress
            recorded += await record_order_event(
                paid,
                events.EventName.PAYMENT_SUCCEEDED,
                transaction_id=tx.transaction_id,
                amount=tx.total_fen,
            )
        else:
            # Cancelled (or otherwise settled) before the money arrived, or paid under a
            # price staff replaced: send it back.
            await Payment.filter(id=payment_id).update(unexpected=True)
            current = await Order.get(id=order.id)
            refund = await RefundRequest.create(
                order_id=order.id,
                out_refund_no=new_out_refund_no(current),
                reason="payment arrived after the order was closed",
                amount=tx.total_fen,
                status=RefundStatus.REFUNDING.value,
                from_status=current.status,
                automatic=True,
                payment_id=payment_id,
                decided_by="system",
                decided_at=now(),
            )
            recorded += await record_order_event(
                current,
                events.EventName.PAYMENT_SUCCEEDED,
                transaction_id=tx.transaction_id,
                amount=tx.total_fen,
                auto_refund=True,
            )
    if refund is not None:
        await rt.events.publish(recorded)
        log.warning("payment %s for closed order %s: refunding", tx.transaction_id, order.order_no)
        await rt.jobs.kick(TaskName.PROCESS_REFUND, refund_id=refund.id)
    else:
        # Paid orders change products' sales figures.
        items = await OrderItem.filter(order_id=order.id).values_list("product_id", flat=True)
        await after_commit(
            rt,
            what=f"payment of order {order.id}",
            recorded=recorded,
            product_ids={int(pid) for pid in cast(list[int], items)},
            schedules=lambda pipe: rt.jobs.queue_unschedule(pipe, cancel_schedule_id(order.id)),
        )
        if group_failed:
            await group_progress.refund_if_failed(rt, order_id=order.id)
    return await Order.get(id=order.id)


async def reconcile(rt: Runtime, *, order: Order) -> Order:
    """Ask WeChat about an order we think is unpaid (a notification may have been lost)."""
    if order.prepay_id is None or rt.pay is None:
        return order
    tx = await rt.pay.query(out_trade_no=trade_no(order))
    if tx.paid and _matches(rt, tx, out_trade_no=trade_no(order), amount=order.pay_amount):
        return await settle_paid(rt, order=order, tx=tx, source="query")
    return order


async def reconcile_if_due(rt: Runtime, *, order: Order) -> Order:
    """On reads of a pending order near or past expiry: settle it if WeChat says it is paid."""
    if order.status != OrderStatus.PENDING_PAYMENT or order.prepay_id is None:
        return order
    if order.expires_at - now() > RECONCILE_WINDOW:
        return order
    try:
        return await reconcile(rt, order=order)
    except PayError:
        log.warning("query of %s failed; showing it as pending", order.order_no, exc_info=True)
        return order


def _matches(rt: Runtime, tx: PayQueryResult, *, out_trade_no: str, amount: int) -> bool:
    settings = rt.settings
    if tx.out_trade_no != out_trade_no or tx.total_fen != amount:
        return False
    return tx.mchid in (None, settings.wechat_mchid) and tx.appid in (None, settings.wechat_appid)


async def close_before_cancel(rt: Runtime, *, order: Order, action: str = "cancel") -> None:
    """Close the WeChat order of an unpaid order about to be cancelled, so that no late
    payment can succeed. If WeChat says it was paid, the order is settled as paid and 409
    is raised; if WeChat cannot be reached, 502 (cancelling blind could race a payment)."""
    if order.prepay_id is None or rt.pay is None:
        return
    try:
        await rt.pay.close(out_trade_no=trade_no(order))
    except OrderAlreadyPaid:
        paid = await reconcile(rt, order=order)
        raise state_conflict(paid.status, action) from None
    except PayError as exc:
        raise _upstream(exc) from None


async def handle_payment_notification(rt: Runtime, *, headers: dict[str, str], body: bytes) -> None:
    """TRANSACTION.* callbacks: verified, checked against the order, settled once."""
    note = rt.pay_gateway().parse_notification(headers=headers, body=body)
    if note.event_type != "TRANSACTION.SUCCESS":
        log.info("ignoring payment notification %s (%s)", note.id, note.event_type)
        return
    tx = note.transaction()
    trade = await trades.find(tx.out_trade_no)
    if trade is None:
        log.warning("payment notification for unknown order %s", tx.out_trade_no)
        raise NotificationRejected("unknown out_trade_no")
    if not _matches(rt, tx, out_trade_no=trade.out_trade_no, amount=trade.amount):
        log.warning(
            "payment notification for %s does not match the order: total=%s mchid=%s appid=%s",
            tx.out_trade_no,
            tx.total_fen,
            tx.mchid,
            tx.appid,
        )
        raise NotificationRejected("notification does not match the order")
    if not tx.paid:
        return
    await settle_paid(rt, order=trade.order, tx=tx, source="notify", current_trade=trade.current)


async def approve_refund(rt: Runtime, *, order: Order, actor: Actor) -> RefundRequest:
    """Staff approval: ask WeChat for the money back (a failed refund can be approved again)."""
    async with in_transaction():
        refund = (
            await RefundRequest.filter(
                order_id=order.id,
                status__in=[RefundStatus.REQUESTED.value, RefundStatus.FAILED.value],
            )
            .order_by("-id")
            .select_for_update()
            .first()
        )
        if refund is None:
            raise Conflict("No refund request awaits a decision", code=OrderError.NO_REFUND_REQUEST)
        await RefundRequest.filter(id=refund.id).update(
            status=RefundStatus.REFUNDING.value,
            decided_by=actor_label(actor),
            decided_at=now(),
            failure=None,
        )
        await record_if_staff(
            actor,
            "refund.approve",
            target_type="order",
            target_id=order.id,
            detail={"out_refund_no": refund.out_refund_no, "amount": refund.amount},
        )
    return await process_refund(rt, refund_id=refund.id)


async def process_refund(rt: Runtime, *, refund_id: int) -> RefundRequest:
    """Send a refund in `refunding` to WeChat; settle it if WeChat finishes at once."""
    refund = await RefundRequest.get_or_none(id=refund_id)
    if refund is None:
        raise NotFound("Refund not found", code=OrderError.REFUND_NOT_FOUND)
    if refund.status != RefundStatus.REFUNDING:
        return refund
    order = await Order.get(id=refund.order_id)  # type: ignore[attr-defined]
    total = refund.amount
    out_trade_no = trade_no(order)
    if refund.payment_id is not None:
        payment = await Payment.get(id=refund.payment_id)
        total = payment.amount
        out_trade_no = payment.out_trade_no
    try:
        result = await rt.pay_gateway().refund(
            out_trade_no=out_trade_no,
            out_refund_no=refund.out_refund_no,
            refund_fen=refund.amount,
            total_fen=total if refund.automatic else order.pay_amount,
            reason=refund.reason[:80],
        )
    except PayError as exc:
        await RefundRequest.filter(id=refund.id, status=RefundStatus.REFUNDING.value).update(
            status=RefundStatus.FAILED.value, failure=f"{exc.code}: {exc.message}"[:255]
        )
        log.warning("refund %s failed: %s", refund.out_refund_no, exc)
        return await RefundRequest.get(id=refund.id)
    await RefundRequest.filter(id=refund.id).update(refund_id=result.refund_id)
    await settle_refund(rt, refund=await RefundRequest.get(id=refund.id), result=result)
    return await RefundRequest.get(id=refund.id)


async def send_after_sale_refund(rt: Runtime, *, refund_id: int | None) -> None:
    """Pay out an after-sale's refund: through WeChat Pay, or at once when it is 0 fen (units
    whose discount took their whole price; WeChat refunds nothing below 1 fen)."""
    if refund_id is None:
        return
    refund = await RefundRequest.get(id=refund_id)
    if refund.amount == 0 and refund.after_sale_id is not None:
        await after_sales.complete_refund(
            rt,
            after_sale_id=refund.after_sale_id,
            refund_id=refund.id,
            actor="system:nothing_to_pay",
        )
        return
    await process_refund(rt, refund_id=refund_id)


async def settle_refund(rt: Runtime, *, refund: RefundRequest, result: RefundResult) -> bool:
    """Apply what WeChat says about a refund; SUCCESS completes it exactly once."""
    if result.status == "SUCCESS":
        if refund.after_sale_id is not None:
            return await after_sales.complete_refund(
                rt, after_sale_id=refund.after_sale_id, refund_id=refund.id, actor="wechat:refund"
            )
        if refund.automatic:
            return bool(
                await RefundRequest.filter(
                    id=refund.id, status=RefundStatus.REFUNDING.value
                ).update(status=RefundStatus.REFUNDED.value)
            )
        return await complete_refund(
            rt,
            order_id=refund.order_id,  # type: ignore[attr-defined]
            refund_id=refund.id,
            actor="wechat:refund",
        )
    if result.status in ("CLOSED", "ABNORMAL"):
        await RefundRequest.filter(id=refund.id, status=RefundStatus.REFUNDING.value).update(
            status=RefundStatus.FAILED.value, failure=f"WeChat refund {result.status}"
        )
    return False


async def handle_refund_notification(rt: Runtime, *, headers: dict[str, str], body: bytes) -> None:
    """REFUND.* callbacks: verified, matched to our refund, settled once."""
    note = rt.pay_gateway().parse_notification(headers=headers, body=body)
    result = note.refund()
    refund = await RefundRequest.get_or_none(out_refund_no=result.out_refund_no)
    if refund is None:
        log.warning("refund notification for unknown refund %s", result.out_refund_no)
        raise NotificationRejected("unknown out_refund_no")
    await settle_refund(rt, refund=refund, result=result)


async def sync_refunds(
    rt: Runtime, *, older_than: timedelta = timedelta(minutes=1), limit: int = 100
) -> int:
    """The refund query fallback: settle refunds whose notification never came."""
    if rt.pay is None:
        return 0
    pending = await RefundRequest.filter(
        status=RefundStatus.REFUNDING.value, updated_at__lt=now() - older_than
    ).limit(limit)
    settled = 0
    for refund in pending:
        try:
            result = await rt.pay.query_refund(out_refund_no=refund.out_refund_no)
        except PayOrderNotFound:
            await process_refund(rt, refund_id=refund.id)
            continue
        except PayError:
            log.warning("refund query for %s failed", refund.out_refund_no, exc_info=True)
            continue
        settled += await settle_refund(rt, refund=refund, result=result)
    return settled
