"""Subscription messages, sent by a worker from the outbox (never in a customer's request).

Durable in three steps, each its own transaction:
1. `collect`: the outbox is read past a cursor (with a look-back for events that commit
   out of id order); each order.paid / order.shipped / order.refunded event becomes one
   SubscribeMessage row, keyed by kind and order so it is made once, taking one of the
   customer's acceptances in the same transaction (`skipped` when there is none). Unpaid
   orders near expiry become `order_expiring` rows the same way.
2. `send`: a pending row is claimed (`sending`), sent, and marked `sent`; 43101 marks it
   `refused` and ends the acceptance; other errors retry with backoff, then `failed`
   (the acceptance is given back: WeChat never used it).
3. A row left `sending` by a worker that died mid-call becomes `unknown` and is not sent
   again: WeChat may have delivered it, and one acceptance never pays for two messages.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
from tortoise import connections
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from mall.config import Settings
from mall.notify import fields
from mall.runtime import Runtime
from mall.shop.schemas import SubscribeTemplates, TemplateConfig
from mall.wechat import wxa
from mall.wechat.miniprogram import WeChatError
from models import (
    Order,
    OrderItem,
    OutboxReader,
    RefundRequest,
    Shipment,
    SubscribeMessage,
    SubscriptionGrant,
    User,
)

log = logging.getLogger("mall.notify")

READER = "subscribe_messages"
EVENT_KINDS = {
    "order.paid": "order_paid",
    "order.shipped": "order_shipped",
    "order.refunded": "refund_result",
}
# Outbox ids are drawn before commit: a transaction can commit after a later one. Each
# read looks this far back behind the cursor for such stragglers.
LOOKBACK_IDS = 1000
BATCH = 500
# Events older than this are history: a template configured today does not message them.
MAX_EVENT_AGE = timedelta(minutes=10)
BACKOFF = (10, 60, 300, 1800)
CLAIM = timedelta(seconds=60)
STATUS_TEXT = {
    "pending_payment": "待支付",
    "paid": "已支付",
    "shipped": "已发货",
    "completed": "已完成",
    "cancelled": "已取消",
    "refunding": "退款中",
    "refunded": "已退款",
}
REMARKS = {
    "order_paid": "支付成功，我们会尽快为您发货",
    "order_shipped": "您的订单已发货，请留意查收",
    "refund_result": "退款已原路退回，请注意查收",
    "order_expiring": "订单即将超时关闭，请尽快支付",
}


def _now() -> datetime:
    return datetime.now(UTC)


def _template(templates: SubscribeTemplates, kind: str) -> TemplateConfig | None:
    config: TemplateConfig | None = getattr(templates, kind)
    return config


async def _values(kind: str, order: Order) -> dict[str, fields.Value]:
    items = await OrderItem.filter(order_id=order.id).order_by("id")
    goods = items[0].title if items else "商品"
    if len(items) > 1:
        goods += f"等{sum(i.quantity for i in items)}件"
    values: dict[str, fields.Value] = {
        "order_no": order.order_no,
        "order_amount": fields.Money(order.pay_amount),
        "goods": goods,
        "order_status": STATUS_TEXT.get(order.status, order.status),
        "order_time": order.created_at,
        "remark": REMARKS[kind],
        "expires_at": order.expires_at,
    }
    if order.paid_at:
        values["paid_at"] = order.paid_at
    if kind == "order_shipped":
        shipment = await Shipment.get_or_none(order_id=order.id)
        if shipment is not None:
            values |= {"carrier": shipment.carrier, "tracking_no": shipment.tracking_no}
        if order.shipped_at:
            values["shipped_at"] = order.shipped_at
    if kind == "refund_result":
        refund = (
            await RefundRequest.filter(order_id=order.id, status="refunded").order_by("-id").first()
        )
        values["refund_amount"] = fields.Money(refund.amount if refund else order.pay_amount)
        values["refund_result"] = "退款成功"
        if order.refunded_at:
            values["refunded_at"] = order.refunded_at
    return values


async def _data(config: TemplateConfig, kind: str, order: Order) -> dict[str, str]:
    values = await _values(kind, order)
    data = {}
    for key, source in config.fields.items():
        field_kind = fields.kind_of(key) or "thing"
        value: fields.Value = (
            source[len(fields.LITERAL) :]
            if source.startswith(fields.LITERAL)
            else values.get(source, "")
        )
        data[key] = fields.render(field_kind, value)
    return data


async def _create(
    *,
    kind: str,
    order: Order,
    config: TemplateConfig | None,
    outbox_id: int | None,
    page: str,
) -> SubscribeMessage | None:
    """One message for KIND of ORDER, taking an acceptance; None if one exists already."""
    user = await User.get_or_none(id=order.user_id)
    base: dict[str, Any] = {
        "key": f"{kind}:{order.id}",
        "kind": kind,
        "user_id": order.user_id,
        "order_id": order.id,
        "outbox_id": outbox_id,
        "page": page,
    }
    try:
        async with in_transaction() as conn:
            grant_id = None
            if config is not None and user is not None:
                rows = await conn.execute_query_dict(
                    "UPDATE subscription_grants SET state = 'used', used_at = now() WHERE id = ("
                    " SELECT id FROM subscription_grants WHERE user_id = $1 AND template_id = $2"
                    " AND state = 'available' ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED)"
                    " RETURNING id",
                    [order.user_id, config.template_id],
                )
                grant_id = int(rows[0]["id"]) if rows else None
            if config is None or user is None or grant_id is None:
                why = "no template configured" if config is None else "no acceptance to use"
                return await SubscribeMessage.create(
                    **base,
                    template_id=config.template_id if config else "",
                    state="skipped",
                    error=why,
                )
            return await SubscribeMessage.create(
                **base,
                openid=user.openid,
                template_id=config.template_id,
                grant_id=grant_id,
                data=await _data(config, kind, order),
                state="pending",
                next_attempt_at=_now(),
            )
    except IntegrityError:
        return None  # another worker made it: its acceptance stays with it


def order_page(settings: Settings, order_id: int) -> str:
    """The mini-program page of an order (no leading slash, as subscribe/send wants)."""
    return f"{settings.wechat_order_page.lstrip('/')}?id={order_id}"


async def _outbox_start() -> int:
    reader, created = await OutboxReader.get_or_create(name=READER)
    if created:
        # The first read starts at today's events, never at the shop's whole history.
        rows = await connections.get("default").execute_query_dict(
            "SELECT coalesce(max(id), 0) AS id FROM outbox_events"
        )
        start = max(int(rows[0]["id"]) - LOOKBACK_IDS, 0)
        await OutboxReader.filter(name=READER).update(last_id=start)
        return start
    return int(reader.last_id)


async def collect(rt: Runtime) -> list[int]:
    """Turn new outbox events and nearly expired orders into messages; ids of pending ones."""
    settings = rt.settings
    shop = await rt.shop.get()
    templates = shop.subscribe_templates
    cursor = await _outbox_start()
    start = max(cursor - LOOKBACK_IDS, 0)
    created: list[int] = []
    conn = connections.get("default")
    while True:
        rows = await conn.execute_query_dict(
            "SELECT e.id, e.name, e.channel, e.data, e.created_at, m.id AS done"
            " FROM outbox_events e LEFT JOIN subscribe_messages m ON m.outbox_id = e.id"
            " WHERE e.id > $1 ORDER BY e.id LIMIT $2",
            [start, BATCH],
        )
        for row in rows:
            kind = EVENT_KINDS.get(row["name"])
            if (
                kind is None
                or row["done"] is not None
                or not str(row["channel"]).startswith("user:")
                or row["created_at"] < _now() - MAX_EVENT_AGE
                or _template(templates, kind) is None
            ):
                continue
            data = row["data"]
            data = orjson.loads(data) if isinstance(data, str | bytes) else data
            order = await Order.get_or_none(id=data.get("order_id"))
            if order is None:
                continue
            message = await _create(
                kind=kind,
                order=order,
                config=_template(templates, kind),
                outbox_id=int(row["id"]),
                page=order_page(settings, order.id),
            )
            if message is not None and message.state == "pending":
                created.append(message.id)
        if rows:
            last = int(rows[-1]["id"])
            await OutboxReader.filter(name=READER, last_id__lt=last).update(last_id=last)
            start = last
        if len(rows) < BATCH:
            break
    created += await _collect_expiring(
        settings=settings,
        templates=templates,
        lead=timedelta(seconds=shop.order_expiring_notice_seconds),
    )
    return created


async def _collect_expiring(
    *, settings: Settings, templates: SubscribeTemplates, lead: timedelta
) -> list[int]:
    config = templates.order_expiring
    if config is None:
        return []
    now = _now()
    rows = await connections.get("default").execute_query_dict(
        "SELECT o.id FROM orders o WHERE o.status = 'pending_payment'"
        " AND o.expires_at > $1 AND o.expires_at <= $2 AND NOT EXISTS ("
        " SELECT 1 FROM subscribe_messages m WHERE m.key = 'order_expiring:' || o.id)"
        " ORDER BY o.expires_at LIMIT 200",
        [now, now + lead],
    )
    created = []
    for row in rows:
        order = await Order.get(id=row["id"])
        message = await _create(
            kind="order_expiring",
            order=order,
            config=config,
            outbox_id=None,
            page=order_page(settings, order.id),
        )
        if message is not None and message.state == "pending":
            created.append(message.id)
    return created


async def _claim(message_id: int) -> SubscribeMessage | None:
    rows = await connections.get("default").execute_query_dict(
        "UPDATE subscribe_messages SET state = 'sending', claimed_until = $2, updated_at = now()"
        " WHERE id = $1 AND state = 'pending' RETURNING id",
        [message_id, _now() + CLAIM],
    )
    return await SubscribeMessage.get(id=message_id) if rows else None


async def send(rt: Runtime, *, message_id: int) -> str:
    """Send one pending message; its outcome is on its row."""
    message = await _claim(message_id)
    if message is None:
        return "not_pending"
    attempts = message.attempts + 1
    try:
        await wxa.send_subscribe_message(
            rt.wechat,
            openid=message.openid,
            template_id=message.template_id,
            data=message.data,
            page=message.page,
            miniprogram_state=rt.settings.wechat_miniprogram_state,
        )
    except WeChatError as exc:
        error = f"{exc.errcode}: {exc.errmsg}"[:255]
        log.warning("subscription message %s failed: %s", message.key, error)
        async with in_transaction():
            if exc.errcode == wxa.SUBSCRIPTION_REFUSED:
                state, due, grant_state = "refused", None, "refused"
            elif attempts <= len(BACKOFF):
                delay = BACKOFF[attempts - 1] * rt.settings.wechat_retry_scale
                state, due, grant_state = "pending", _now() + timedelta(seconds=delay), None
            else:
                state, due, grant_state = "failed", None, "available"
            await SubscribeMessage.filter(id=message.id).update(
                state=state,
                error=error,
                attempts=attempts,
                next_attempt_at=due,
                claimed_until=None,
            )
            if grant_state is not None and message.grant_id is not None:
                await SubscriptionGrant.filter(id=message.grant_id).update(state=grant_state)
        return state
    await SubscribeMessage.filter(id=message.id).update(
        state="sent", sent_at=_now(), attempts=attempts, claimed_until=None, error=None
    )
    return "sent"


async def due(*, limit: int = 100) -> list[int]:
    """Pending messages whose (next) attempt is due."""
    ids = (
        await SubscribeMessage.filter(state="pending", next_attempt_at__lte=_now())
        .order_by("id")
        .limit(limit)
        .values_list("id", flat=True)
    )
    return [int(str(i)) for i in ids]


async def give_up_stuck() -> int:
    """Rows a dead worker left `sending`: `unknown`, never sent twice."""
    return await SubscribeMessage.filter(state="sending", claimed_until__lt=_now()).update(
        state="unknown",
        error="the worker stopped during the send: WeChat may have delivered it; not resent",
    )
