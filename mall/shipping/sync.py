"""Shipping sync (发货信息管理): every shipped order's parcel uploaded to WeChat.

Since 2023 WeChat keeps the money of a mini-program sale frozen until the shipping is
uploaded. Shipping an order writes a `pending` ShippingSync in the same transaction; a
worker uploads it (kicked after commit, and found by the periodic sweep if that kick was
lost). A failure is `failed` with WeChat's error on the record and an admin event; it is
retried with backoff, and staff can retry at once.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from tortoise import connections
from tortoise.transactions import in_transaction

from mall import events
from mall.admin import audit
from mall.admin.audit import Staff
from mall.errors import Conflict
from mall.jobs import TaskName
from mall.payments import trades
from mall.runtime import Runtime
from mall.wechat import wxa
from mall.wechat.miniprogram import WeChatError
from models import Order, OrderItem, Payment, Shipment, ShippingSync, User

log = logging.getLogger("mall.shipping")

# Seconds before automatic attempt 2, 3, ... (times MALL_WECHAT_RETRY_SCALE); after the
# last, only staff retry.
BACKOFF = (30, 120, 600, 1800, 3600, 3 * 3600)
# Answers no retry can change: the payment cannot take (more) shipping, or we sent nonsense.
PERMANENT_ERRCODES = frozenset({10060003, 10060004, 10060014, 47001})
# "支付单已完成发货": the shipping is there already (entered by hand in the admin).
ALREADY_UPLOADED = 10060002
CLAIM = timedelta(seconds=60)
ITEM_DESC_MAX = 120


class SyncState(StrEnum):
    PENDING = "pending"
    SYNCED = "synced"
    FAILED = "failed"


def _now() -> datetime:
    return datetime.now(UTC)


async def start(*, order_id: int) -> ShippingSync:
    """A pending sync for an order just shipped; call inside the ship transaction."""
    payment = await Payment.filter(order_id=order_id, unexpected=False).order_by("id").first()
    return await ShippingSync.create(
        order_id=order_id,
        state=SyncState.PENDING.value,
        next_attempt_at=_now(),
        transaction_id=payment.transaction_id if payment else "",
    )


async def kick(rt: Runtime, order_id: int) -> None:
    """Queue the upload now (after commit); the sweep catches it if this is lost."""
    await rt.jobs.kick(TaskName.SYNC_SHIPPING, order_id=order_id)


def mask_phone(phone: str) -> str:
    """A contact as WeChat wants it: masked, the last four digits shown (139****2901)."""
    digits = "".join(c for c in phone if c.isdigit())
    if len(digits) < 8:
        return ""
    return f"{digits[:3]}****{digits[-4:]}"


def item_desc(items: list[OrderItem]) -> str:
    """What is in the parcel, e.g. "纯棉T恤*2, 帽子*1" (WeChat takes up to 120 characters)."""
    desc = ", ".join(f"{item.title}*{item.quantity}" for item in items) or "商品"
    return desc if len(desc) <= ITEM_DESC_MAX else desc[: ITEM_DESC_MAX - 1] + "…"


async def _claim(order_id: int) -> bool:
    rows = await connections.get("default").execute_query_dict(
        "UPDATE shipping_syncs SET claimed_until = $2 WHERE order_id = $1"
        " AND state <> 'synced' AND (claimed_until IS NULL OR claimed_until < $3) RETURNING id",
        [order_id, _now() + CLAIM, _now()],
    )
    return bool(rows)


async def sync(rt: Runtime, *, order_id: int) -> str:
    """Upload one order's shipping; the outcome (synced/failed/...) is on its record."""
    if not await _claim(order_id):
        return "busy"
    record = await ShippingSync.get(order_id=order_id)
    order = await Order.get(id=order_id)
    shipment = await Shipment.get_or_none(order_id=order_id)
    if order.status in ("refunded", "cancelled") or shipment is None:
        await _finish(
            rt,
            record,
            order,
            failed="the order was refunded before its shipping reached WeChat, which takes "
            "no shipping for a refunded payment",
            retry=False,
        )
        return "not_needed"
    if not record.transaction_id:
        payment = await Payment.filter(order_id=order_id, unexpected=False).first()
        record.transaction_id = payment.transaction_id if payment else ""
    user = await User.get(id=order.user_id)
    items = await OrderItem.filter(order_id=order_id).order_by("id")
    upload_time = _now()
    try:
        if not record.transaction_id:
            raise WeChatError(10060001, "no WeChat Pay transaction is recorded for this order")
        await wxa.upload_shipping_info(
            rt.wechat,
            transaction_id=record.transaction_id,
            payer_openid=user.openid,
            carrier_code=shipment.carrier_code,
            tracking_no=shipment.tracking_no,
            item_desc=item_desc(items),
            receiver_contact=mask_phone(str(order.address.get("phone", ""))) or None,
            upload_time=upload_time,
        )
    except WeChatError as exc:
        if exc.errcode == ALREADY_UPLOADED:
            await _finish(rt, record, order, note=exc.errmsg)
            return "synced"
        log.warning("shipping sync of order %s failed: %s", order.order_no, exc)
        await _finish(
            rt,
            record,
            order,
            failed=f"{exc.errcode}: {exc.errmsg}",
            retry=exc.errcode not in PERMANENT_ERRCODES,
        )
        return "failed"
    record.upload = {
        "carrier_code": shipment.carrier_code,
        "tracking_no": shipment.tracking_no,
        "upload_time": wxa.wechat_time(upload_time),
    }
    await _finish(rt, record, order)
    return "synced"


async def _finish(
    rt: Runtime,
    record: ShippingSync,
    order: Order,
    *,
    failed: str | None = None,
    retry: bool = True,
    note: str | None = None,
) -> None:
    """Write the outcome, release the claim and tell staff (admin channel)."""
    attempts = record.attempts + 1
    now = _now()
    if failed is None:
        changes: dict[str, Any] = {
            "state": SyncState.SYNCED.value,
            "error": None,
            "synced_at": now,
            "next_attempt_at": None,
        }
        name = "shipping_sync.synced"
        extra: dict[str, Any] = {"note": note} if note else {}
    else:
        due = None
        if retry and attempts <= len(BACKOFF):
            due = now + timedelta(seconds=BACKOFF[attempts - 1] * rt.settings.wechat_retry_scale)
        changes = {"state": SyncState.FAILED.value, "error": failed[:255], "next_attempt_at": due}
        name = "shipping_sync.failed"
        extra = {"error": failed, "next_attempt_at": due.isoformat() if due else None}
    async with in_transaction():
        await ShippingSync.filter(id=record.id).update(
            **changes,
            attempts=attempts,
            claimed_until=None,
            transaction_id=record.transaction_id,
            upload=record.upload,
        )
        recorded = await events.record(
            channel=events.ADMIN_CHANNEL,
            name=name,
            data={
                "order_id": order.id,
                "order_no": order.order_no,
                "state": changes["state"],
                "attempts": attempts,
                **extra,
            },
        )
    await rt.events.publish([recorded])


async def due(*, limit: int = 50) -> list[int]:
    """Orders whose upload is due (pending, or failed with a retry due) and unclaimed."""
    now = _now()
    rows = await connections.get("default").execute_query_dict(
        "SELECT order_id FROM shipping_syncs WHERE state <> 'synced'"
        " AND next_attempt_at <= $1 AND (claimed_until IS NULL OR claimed_until < $1)"
        " ORDER BY next_attempt_at LIMIT $2",
        [now, limit],
    )
    return [int(r["order_id"]) for r in rows]


async def retry_now(rt: Runtime, *, order_id: int, staff: Staff) -> ShippingSync:
    """Staff retry: the upload is due at once (with a fresh retry budget); audited."""
    async with in_transaction():
        row = await ShippingSync.filter(order_id=order_id).select_for_update().first()
        if row is None:
            raise Conflict(
                "The order has not shipped: there is nothing to upload", code="not_shipped"
            )
        if row.state == SyncState.SYNCED:
            raise Conflict("WeChat has this order's shipping already", code="shipping_synced")
        await ShippingSync.filter(id=row.id).update(
            state=SyncState.PENDING.value, error=None, attempts=0, next_attempt_at=_now()
        )
        await audit.record(
            staff,
            "order.shipping_sync.retry",
            target_type="order",
            target_id=order_id,
            detail={"previous_state": row.state, "previous_error": row.error},
        )
    await kick(rt, order_id)
    return await ShippingSync.get(id=row.id)


async def _order_of_push(payload: dict[str, Any]) -> Order | None:
    trade_no, transaction_id = payload.get("merchant_trade_no"), payload.get("transaction_id")
    if isinstance(trade_no, str) and trade_no:
        trade = await trades.find(trade_no)
        if trade is not None:
            return trade.order
    if isinstance(transaction_id, str) and transaction_id:
        payment = await Payment.get_or_none(transaction_id=transaction_id)
        if payment is not None:
            return await Order.get_or_none(id=payment.order_id)
    log.warning("WeChat push about an unknown order: %s / %s", trade_no, transaction_id)
    return None


async def on_remind_shipping(rt: Runtime, *, payload: dict[str, Any]) -> None:
    """trade_manage_remind_shipping: upload now if shipped; else tell staff to ship."""
    order = await _order_of_push(payload)
    if order is None:
        return
    row = await ShippingSync.get_or_none(order_id=order.id)
    if row is not None:
        if row.state != SyncState.SYNCED:
            await ShippingSync.filter(id=row.id, state=row.state).update(
                state=SyncState.PENDING.value, next_attempt_at=_now()
            )
            await kick(rt, order.id)
        return
    recorded = await events.record(
        channel=events.ADMIN_CHANNEL,
        name="order.shipping_reminded",
        data={
            "order_id": order.id,
            "order_no": order.order_no,
            "status": order.status,
            "message": str(payload.get("msg", "")),
        },
    )
    await rt.events.publish([recorded])


async def on_settlement(*, payload: dict[str, Any]) -> Order | None:
    """trade_manage_order_settlement: noted on the sync; the order WeChat says the customer
    confirmed receiving (still shipped here), for the caller to complete."""
    order = await _order_of_push(payload)
    if order is None:
        return None
    await ShippingSync.filter(order_id=order.id).update(settled_at=_now())
    if payload.get("confirm_receive_time") and order.status == "shipped":
        return order
    return None


async def remind_confirm_receipt(rt: Runtime, *, order_id: int) -> str:
    """确认收货提醒, once per order: our auto-confirm time came; WeChat's confirmation (which
    releases the money) is the customer's to give."""
    row = await ShippingSync.get_or_none(order_id=order_id)
    if row is None or row.state != SyncState.SYNCED or row.confirm_reminded_at:
        return "not_needed"
    order = await Order.get(id=order_id)
    try:
        await wxa.notify_confirm_receive(
            rt.wechat,
            transaction_id=row.transaction_id,
            merchant_id=rt.settings.wechat_mchid,
            merchant_trade_no=trades.trade_no(order),
            received_time=_now(),
        )
    except WeChatError as exc:
        log.warning("confirm-receipt reminder for %s failed: %s", order.order_no, exc)
        return "failed"
    await ShippingSync.filter(id=row.id).update(confirm_reminded_at=_now())
    return "reminded"


JUMP_PATH_KEY = "mall:wechat:msg_jump_path"
JUMP_PATH_RETRY = 300


async def ensure_jump_path(rt: Runtime) -> bool:
    """set_msg_jump_path once per configured path (WeChat keeps it): its shipping and
    receipt messages open the order page, with transaction_id, merchant_id and
    merchant_trade_no appended. A failure is tried again a few minutes later."""
    path = rt.settings.wechat_order_page
    current = await rt.redis.get(JUMP_PATH_KEY)
    if current in (path, f"failed:{path}"):
        return False
    try:
        await wxa.set_msg_jump_path(rt.wechat, path=path)
    except WeChatError as exc:
        log.warning("set_msg_jump_path failed: %s", exc)
        await rt.redis.set(JUMP_PATH_KEY, f"failed:{path}", ex=JUMP_PATH_RETRY)
        return False
    await rt.redis.set(JUMP_PATH_KEY, path)
    return True
