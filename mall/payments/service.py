"""WeChat Pay for orders: prepay, notifications, the query fallback, close-then-cancel, refunds.

Every path that learns an order was paid (notification, query from GET /orders/<id>, the
cancellation task) goes through `settle_paid`, which records the Payment once (its
transaction_id is unique) and moves the order with the same conditional UPDATE as
everything else; a payment that lands on an order that is no longer awaiting one is
refunded automatically.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from tortoise.transactions import in_transaction

from mall import events, jobs
from mall.config import Settings
from mall.errors import Conflict, MallError, NotFound, ServiceUnavailable, UpstreamError
from mall.orders import service as orders
from mall.orders.service import CancelReason, OrderStatus, RefundStatus
from mall.wechat.pay import (
    Notification,
    NotificationRejected,
    OrderAlreadyPaid,
    PayError,
    PayOrderNotFound,
    PayQueryResult,
    RefundResult,
    WeChatPayGateway,
)
from models import Order, OrderItem, OutboxEvent, Payment, RefundRequest, User

log = logging.getLogger("mall.payments")

# GET /orders/<id> asks WeChat about a pending order this close to its expiry.
RECONCILE_WINDOW = timedelta(seconds=60)
# A pay call this close to expiry could not finish in time: refuse it.
MIN_TIME_TO_PAY = timedelta(seconds=5)
RETRY_LATER = timedelta(seconds=30)
REFUND_TASK = "mall.process_refund"

_gateway: WeChatPayGateway | None = None
_settings: Settings | None = None


def configure(*, gateway: WeChatPayGateway | None, settings: Settings | None) -> None:
    """Set this process's gateway (API worker or Taskiq worker); None: payments off."""
    global _gateway, _settings
    _gateway, _settings = gateway, settings


async def start(settings: Settings) -> None:
    """Open this process's gateway; without WeChat Pay keys, payments answer 503."""
    try:
        pay_gateway: WeChatPayGateway | None = WeChatPayGateway.from_settings(settings)
    except ValueError as exc:
        log.warning("WeChat Pay disabled: %s", exc)
        pay_gateway = None
    configure(gateway=pay_gateway, settings=settings)


async def stop() -> None:
    if _gateway is not None:
        await _gateway.aclose()
    configure(gateway=None, settings=None)


def gateway() -> WeChatPayGateway:
    if _gateway is None:
        raise ServiceUnavailable("WeChat Pay is not configured", code="payments_unavailable")
    return _gateway


def _now() -> datetime:
    return datetime.now(UTC)


def _upstream(exc: PayError) -> MallError:
    return UpstreamError(
        "WeChat Pay did not answer; try again", details={"code": exc.code, "status": exc.status}
    )


async def pay(*, user: User, order: Order) -> dict[str, str]:
    """The wx.requestPayment arguments for an unpaid order, reusing its prepay while valid."""
    if order.status != OrderStatus.PENDING_PAYMENT:
        raise Conflict(
            f"Cannot pay an order that is {order.status}",
            code="invalid_order_state",
            details={"status": order.status},
        )
    if order.expires_at - _now() < MIN_TIME_TO_PAY:
        raise Conflict(
            "The order has expired", code="order_expired", details={"status": order.status}
        )
    pay_gateway = gateway()
    prepay_id = order.prepay_id
    if prepay_id is None:
        first = await OrderItem.filter(order_id=order.id).order_by("id").first()
        description = (first.title if first else "mall order")[:127]
        try:
            prepay_id = await pay_gateway.prepay(
                out_trade_no=order.order_no,
                description=description,
                total_fen=order.pay_amount,
                openid=user.openid,
                time_expire=order.expires_at,
            )
        except OrderAlreadyPaid:
            await reconcile(order=order)
            raise Conflict(
                "The order is already paid",
                code="invalid_order_state",
                details={"status": OrderStatus.PAID.value},
            ) from None
        except PayError as exc:
            raise _upstream(exc) from None
        await Order.filter(id=order.id).update(prepay_id=prepay_id)
    return pay_gateway.request_payment_params(prepay_id)


async def settle_paid(*, order: Order, tx: PayQueryResult, source: str) -> Order:
    """Record a confirmed payment once and mark the order paid, or refund it if too late."""
    if tx.transaction_id is None or tx.total_fen is None:
        raise ValueError("a paid transaction has an id and an amount")
    refund: RefundRequest | None = None
    recorded: list[OutboxEvent] = []
    async with in_transaction() as conn:
        inserted = await conn.execute_query_dict(
            "INSERT INTO payments (order_id, out_trade_no, transaction_id, amount,"
            " payer_openid, paid_at, unexpected, notification, created_at)"
            " VALUES ($1, $2, $3, $4, $5, $6, false, $7, now())"
            " ON CONFLICT (transaction_id) DO NOTHING RETURNING id",
            [
                order.id,
                order.order_no,
                tx.transaction_id,
                tx.total_fen,
                tx.payer_openid or "",
                tx.success_time or _now(),
                _json(tx.raw),
            ],
        )
        if not inserted:
            return await Order.get(id=order.id)  # already recorded: a duplicate
        payment_id = int(inserted[0]["id"])
        paid = await orders.mark_paid(
            order=order, paid_at=tx.success_time or _now(), actor=f"wechat:{source}"
        )
        if paid is not None:
            recorded += await orders.record_order_event(
                paid, events.EventName.ORDER_PAID, transaction_id=tx.transaction_id
            )
            recorded += await orders.record_order_event(
                paid,
                events.EventName.PAYMENT_SUCCEEDED,
                transaction_id=tx.transaction_id,
                amount=tx.total_fen,
            )
        else:
            # Cancelled (or otherwise settled) before the money arrived: send it back.
            await Payment.filter(id=payment_id).update(unexpected=True)
            current = await Order.get(id=order.id)
            refund = await RefundRequest.create(
                order_id=order.id,
                out_refund_no=orders.new_out_refund_no(current),
                reason="payment arrived after the order was closed",
                amount=tx.total_fen,
                status=RefundStatus.REFUNDING.value,
                from_status=current.status,
                automatic=True,
                payment_id=payment_id,
                decided_by="system",
                decided_at=_now(),
            )
            recorded += await orders.record_order_event(
                current,
                events.EventName.PAYMENT_SUCCEEDED,
                transaction_id=tx.transaction_id,
                amount=tx.total_fen,
                auto_refund=True,
            )
    await events.publish(recorded)
    if refund is not None:
        log.warning("payment %s for closed order %s: refunding", tx.transaction_id, order.order_no)
        await jobs.kick(REFUND_TASK, refund_id=refund.id)
    else:
        await jobs.unschedule(orders.cancel_schedule_id(order.id))
        # Paid orders change products' sales figures.
        items = await OrderItem.filter(order_id=order.id).values_list("product_id", flat=True)
        await orders.stock_moved({int(pid) for pid in cast(list[int], items)})
    return await Order.get(id=order.id)


def _json(raw: dict[str, Any]) -> str:
    import orjson

    return orjson.dumps(raw).decode()


async def reconcile(*, order: Order) -> Order:
    """Ask WeChat about an order we think is unpaid (a notification may have been lost)."""
    if order.prepay_id is None or _gateway is None:
        return order
    tx = await _gateway.query(out_trade_no=order.order_no)
    if tx.paid and _matches(order, tx):
        return await settle_paid(order=order, tx=tx, source="query")
    return order


async def reconcile_if_due(*, order: Order) -> Order:
    """On reads of a pending order near or past expiry: settle it if WeChat says it is paid."""
    if order.status != OrderStatus.PENDING_PAYMENT or order.prepay_id is None:
        return order
    if order.expires_at - _now() > RECONCILE_WINDOW:
        return order
    try:
        return await reconcile(order=order)
    except PayError:
        log.warning("query of %s failed; showing it as pending", order.order_no, exc_info=True)
        return order


def _matches(order: Order, tx: PayQueryResult) -> bool:
    settings = _settings
    if tx.out_trade_no != order.order_no or tx.total_fen != order.pay_amount:
        return False
    return settings is None or (
        tx.mchid in (None, settings.wechat_mchid) and tx.appid in (None, settings.wechat_appid)
    )


async def cancel_unpaid(*, order: Order, reason: CancelReason, actor: str) -> Order:
    """Close the WeChat order first (so no late payment can succeed), then cancel it.

    If WeChat says it was paid, the order is settled as paid instead and 409 is raised.
    """
    if order.status != OrderStatus.PENDING_PAYMENT:
        raise Conflict(
            f"Cannot cancel an order that is {order.status}",
            code="invalid_order_state",
            details={"status": order.status},
        )
    # Every caller has just loaded the order; the cancel's conditional UPDATE decides anyway.
    if order.prepay_id is not None and _gateway is not None:
        try:
            await _gateway.close(out_trade_no=order.order_no)
        except OrderAlreadyPaid:
            paid = await reconcile(order=order)
            raise Conflict(
                "The order was paid", code="invalid_order_state", details={"status": paid.status}
            ) from None
        except PayError as exc:
            raise _upstream(exc) from None
    return await orders.cancel(order=order, reason=reason, actor=actor)


async def cancel_if_unpaid(*, order_id: int) -> str:
    """The delayed task: cancel an order still unpaid at its expiry. Safe to run twice."""
    order = await Order.get_or_none(id=order_id)
    if order is None or order.status != OrderStatus.PENDING_PAYMENT:
        return "settled"
    if order.expires_at > _now() + timedelta(seconds=1):
        # Fired early (a schedule from before a change): come back at the real time.
        await jobs.schedule(
            orders.CANCEL_TASK,
            at=order.expires_at,
            schedule_id=orders.cancel_schedule_id(order.id),
            order_id=order.id,
        )
        return "rescheduled"
    try:
        await cancel_unpaid(order=order, reason=CancelReason.TIMEOUT, actor="system:timeout")
    except Conflict:
        return "settled"
    except UpstreamError:
        # WeChat unreachable: cancelling blind could race a payment; try again shortly.
        await jobs.schedule(
            orders.CANCEL_TASK,
            at=_now() + RETRY_LATER,
            schedule_id=orders.cancel_schedule_id(order.id),
            order_id=order.id,
        )
        return "retry"
    return "cancelled"


async def expired_unpaid(*, grace: timedelta = timedelta(seconds=5), limit: int = 500) -> list[int]:
    """Orders past expiry and still unpaid (their schedule was lost or is late)."""
    ids = (
        await Order.filter(status=OrderStatus.PENDING_PAYMENT.value, expires_at__lt=_now() - grace)
        .order_by("expires_at")
        .limit(limit)
        .values_list("id", flat=True)
    )
    return [int(i) for i in cast(list[int], ids)]


async def sweep_overdue() -> dict[str, int]:
    """The periodic sweep: expired unpaid orders, overdue auto-confirms, silent refunds."""
    cancelled = 0
    for order_id in await expired_unpaid():
        cancelled += await cancel_if_unpaid(order_id=order_id) == "cancelled"
    confirmed = 0
    for order_id in await orders.overdue_confirmations():
        confirmed += await orders.auto_confirm(order_id=order_id) == "completed"
    refunds = await sync_refunds() if _gateway is not None else 0
    return {"cancelled": cancelled, "confirmed": confirmed, "refunds": refunds}


async def handle_payment_notification(*, headers: dict[str, str], body: bytes) -> None:
    """TRANSACTION.* callbacks: verified, checked against the order, settled once."""
    note = _parse(headers, body)
    if note.event_type != "TRANSACTION.SUCCESS":
        log.info("ignoring payment notification %s (%s)", note.id, note.event_type)
        return
    tx = note.transaction()
    order = await Order.get_or_none(order_no=tx.out_trade_no)
    if order is None:
        log.warning("payment notification for unknown order %s", tx.out_trade_no)
        raise NotificationRejected("unknown out_trade_no")
    if not _matches(order, tx):
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
    await settle_paid(order=order, tx=tx, source="notify")


def _parse(headers: dict[str, str], body: bytes) -> Notification:
    return gateway().parse_notification(headers=headers, body=body)


async def approve_refund(*, order: Order, actor: str) -> RefundRequest:
    """Staff approval: ask WeChat for the money back (a failed refund can be approved again)."""
    refund = (
        await RefundRequest.filter(
            order_id=order.id, status__in=[RefundStatus.REQUESTED.value, RefundStatus.FAILED.value]
        )
        .order_by("-id")
        .first()
    )
    if refund is None:
        raise Conflict("No refund request awaits a decision", code="no_refund_request")
    won = await RefundRequest.filter(id=refund.id, status=refund.status).update(
        status=RefundStatus.REFUNDING.value, decided_by=actor, decided_at=_now(), failure=None
    )
    if not won:
        raise Conflict("The refund request was decided meanwhile", code="no_refund_request")
    return await process_refund(refund_id=refund.id)


async def process_refund(*, refund_id: int) -> RefundRequest:
    """Send a refund in `refunding` to WeChat; settle it if WeChat finishes at once."""
    refund = await RefundRequest.get_or_none(id=refund_id)
    if refund is None:
        raise NotFound("Refund not found", code="refund_not_found")
    if refund.status != RefundStatus.REFUNDING:
        return refund
    order = await Order.get(id=refund.order_id)  # type: ignore[attr-defined]
    total = refund.amount
    if refund.payment_id is not None:
        payment = await Payment.get(id=refund.payment_id)
        total = payment.amount
    try:
        result = await gateway().refund(
            out_trade_no=order.order_no,
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
    await settle_refund(refund=await RefundRequest.get(id=refund.id), result=result)
    return await RefundRequest.get(id=refund.id)


async def settle_refund(*, refund: RefundRequest, result: RefundResult) -> bool:
    """Apply what WeChat says about a refund; SUCCESS completes it exactly once."""
    if result.status == "SUCCESS":
        if refund.automatic:
            return bool(
                await RefundRequest.filter(
                    id=refund.id, status=RefundStatus.REFUNDING.value
                ).update(status=RefundStatus.REFUNDED.value)
            )
        return await orders.complete_refund(
            order_id=refund.order_id,  # type: ignore[attr-defined]
            refund_id=refund.id,
            actor="wechat:refund",
        )
    if result.status in ("CLOSED", "ABNORMAL"):
        await RefundRequest.filter(id=refund.id, status=RefundStatus.REFUNDING.value).update(
            status=RefundStatus.FAILED.value, failure=f"WeChat refund {result.status}"
        )
    return False


async def handle_refund_notification(*, headers: dict[str, str], body: bytes) -> None:
    """REFUND.* callbacks: verified, matched to our refund, settled once."""
    note = _parse(headers, body)
    result = note.refund()
    refund = await RefundRequest.get_or_none(out_refund_no=result.out_refund_no)
    if refund is None:
        log.warning("refund notification for unknown refund %s", result.out_refund_no)
        raise NotificationRejected("unknown out_refund_no")
    await settle_refund(refund=refund, result=result)


async def sync_refunds(*, older_than: timedelta = timedelta(minutes=1), limit: int = 100) -> int:
    """The refund query fallback: settle refunds whose notification never came."""
    pending = await RefundRequest.filter(
        status=RefundStatus.REFUNDING.value, updated_at__lt=_now() - older_than
    ).limit(limit)
    settled = 0
    for refund in pending:
        try:
            result = await gateway().query_refund(out_refund_no=refund.out_refund_no)
        except PayOrderNotFound:
            await process_refund(refund_id=refund.id)
            continue
        except PayError:
            log.warning("refund query for %s failed", refund.out_refund_no, exc_info=True)
            continue
        settled += await settle_refund(refund=refund, result=result)
    return settled
