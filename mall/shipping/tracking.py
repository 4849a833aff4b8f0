"""A customer's parcel through WeChat's logistics query: trace_waybill once for the token
(kept on the shipment; the mini-program's tracking component opens it), query_trace for
the path, cached briefly per order."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import orjson

from mall.errors import Conflict, UpstreamError
from mall.notify.messages import order_page
from mall.runtime import Runtime
from mall.wechat import wxa
from mall.wechat.miniprogram import WeChatError
from models import Order, OrderItem, Payment, Shipment, User

CACHE_PREFIX = "mall:tracking:"


def _upstream(exc: WeChatError) -> UpstreamError:
    return UpstreamError(
        "WeChat's logistics query did not answer; try again",
        code="tracking_unavailable",
        details={"errcode": exc.errcode, "errmsg": exc.errmsg},
    )


async def _token(rt: Runtime, *, order: Order, shipment: Shipment) -> str:
    if shipment.waybill_token:
        return shipment.waybill_token
    payment = await Payment.filter(order_id=order.id, unexpected=False).first()
    if payment is None:
        raise Conflict("The order has no WeChat Pay transaction", code="not_trackable")
    user = await User.get(id=order.user_id)
    items = await OrderItem.filter(order_id=order.id).order_by("id")
    token = await wxa.trace_waybill(
        rt.wechat,
        openid=user.openid,
        receiver_phone=str(order.address.get("phone", "")),
        waybill_id=shipment.tracking_no,
        carrier_code=shipment.carrier_code,
        transaction_id=payment.transaction_id,
        goods=[(item.title, item.cover_url or "https://") for item in items],
        order_detail_path=order_page(rt.settings, order.id),
    )
    await Shipment.filter(id=shipment.id).update(waybill_token=token)
    return token


async def tracking(rt: Runtime, *, order: Order) -> dict[str, Any]:
    """{"carrier_code", "tracking_no", "waybill_token", "status", "path"} of the caller's
    own order (the caller checked ownership); 409 before it ships."""
    cached = await rt.redis.get(CACHE_PREFIX + str(order.id))
    if cached is not None:
        result: dict[str, Any] = orjson.loads(cached)
        return result
    shipment = await Shipment.get_or_none(order_id=order.id)
    if shipment is None:
        raise Conflict(
            "The order has not shipped yet",
            code="not_shipped",
            details={"status": order.status},
        )
    try:
        token = await _token(rt, order=order, shipment=shipment)
        trace = await wxa.query_trace(rt.wechat, waybill_token=token)
    except WeChatError as exc:
        raise _upstream(exc) from None
    result = {
        "carrier_code": shipment.carrier_code,
        "carrier": shipment.carrier,
        "tracking_no": shipment.tracking_no,
        "waybill_token": token,
        "status": trace.status,
        "path": [
            {
                "action_time": datetime.fromtimestamp(node.action_time, UTC).isoformat(),
                "action_type": node.action_type,
                "action_msg": node.action_msg,
            }
            for node in trace.path
        ],
    }
    await rt.redis.set(
        CACHE_PREFIX + str(order.id), orjson.dumps(result), ex=rt.settings.wechat_tracking_ttl
    )
    return result
