"""The mini-program server APIs the shop uses after login, in WeChat's wire formats.

Every call goes through `MiniProgramClient.call` (configurable base URL, the cached access
token, one refresh on 40001/42001); an errcode other than 0 raises WeChatError with it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Literal

from mall.wechat.miniprogram import MiniProgramClient, WeChatError

UPLOAD_SHIPPING_INFO = "/wxa/sec/order/upload_shipping_info"
NOTIFY_CONFIRM_RECEIVE = "/wxa/sec/order/notify_confirm_receive"
SET_MSG_JUMP_PATH = "/wxa/sec/order/set_msg_jump_path"
GET_DELIVERY_LIST = "/cgi-bin/express/delivery/open_msg/get_delivery_list"
TRACE_WAYBILL = "/cgi-bin/express/delivery/open_msg/trace_waybill"
QUERY_TRACE = "/cgi-bin/express/delivery/open_msg/query_trace"
SUBSCRIBE_SEND = "/cgi-bin/message/subscribe/send"
MSG_SEC_CHECK = "/wxa/msg_sec_check"
MEDIA_CHECK_ASYNC = "/wxa/media_check_async"

# upload_shipping_info enums.
ORDER_NUMBER_BY_TRANSACTION_ID = 2
LOGISTICS_EXPRESS = 1  # 实体物流配送 (a carrier delivers it)
DELIVERY_UNIFIED = 1  # 统一发货 (one parcel, one tracking number)
# msgSecCheck / mediaCheckAsync v2 scenes.
SCENE_PROFILE = 1
SCENE_COMMENT = 2
MEDIA_IMAGE = 2
# subscribeMessage.send: the user refused (or revoked) the template.
SUBSCRIPTION_REFUSED = 43101

# WeChat writes times in Beijing time.
CHINA_TZ = timezone(timedelta(hours=8))

Suggest = Literal["pass", "review", "risky"]


@dataclass(frozen=True, slots=True)
class Carrier:
    """One of WeChat's carriers (运力): the code upload_shipping_info wants, and its name."""

    code: str
    name: str


@dataclass(frozen=True, slots=True)
class SecVerdict:
    """msgSecCheck's overall result."""

    suggest: Suggest
    label: int
    trace_id: str


@dataclass(frozen=True, slots=True)
class TraceNode:
    """One step of a parcel's path."""

    action_time: int
    action_type: int
    action_msg: str


@dataclass(frozen=True, slots=True)
class Trace:
    """query_trace's answer: the waybill's status and its path."""

    waybill_id: str
    status: int
    path: list[TraceNode]


def wechat_time(moment: datetime) -> str:
    """RFC 3339 with milliseconds and the +08:00 offset WeChat's examples use."""
    return moment.astimezone(CHINA_TZ).isoformat(timespec="milliseconds")


async def upload_shipping_info(
    client: MiniProgramClient,
    *,
    transaction_id: str,
    payer_openid: str,
    carrier_code: str,
    tracking_no: str,
    item_desc: str,
    receiver_contact: str | None,
    upload_time: datetime,
) -> None:
    """发货信息录入: one parcel by a carrier for the payment TRANSACTION_ID."""
    shipping: dict[str, Any] = {
        "tracking_no": tracking_no,
        "express_company": carrier_code,
        "item_desc": item_desc,
    }
    if receiver_contact:
        shipping["contact"] = {"receiver_contact": receiver_contact}
    await client.call(
        UPLOAD_SHIPPING_INFO,
        {
            "order_key": {
                "order_number_type": ORDER_NUMBER_BY_TRANSACTION_ID,
                "transaction_id": transaction_id,
            },
            "logistics_type": LOGISTICS_EXPRESS,
            "delivery_mode": DELIVERY_UNIFIED,
            "shipping_list": [shipping],
            "upload_time": wechat_time(upload_time),
            "payer": {"openid": payer_openid},
        },
    )


async def notify_confirm_receive(
    client: MiniProgramClient,
    *,
    transaction_id: str,
    merchant_id: str,
    merchant_trade_no: str,
    received_time: datetime,
) -> None:
    """确认收货提醒: ask the customer to confirm receipt in WeChat (once per order)."""
    await client.call(
        NOTIFY_CONFIRM_RECEIVE,
        {
            "transaction_id": transaction_id,
            "merchant_id": merchant_id,
            "merchant_trade_no": merchant_trade_no,
            "received_time": int(received_time.timestamp()),
        },
    )


async def set_msg_jump_path(client: MiniProgramClient, *, path: str) -> None:
    """消息跳转路径设置: where WeChat's shipping and receipt messages open the mini-program."""
    await client.call(SET_MSG_JUMP_PATH, {"path": path})


async def get_delivery_list(client: MiniProgramClient) -> list[Carrier]:
    """获取运力id列表: every carrier code WeChat knows."""
    data = await client.call(GET_DELIVERY_LIST, {})
    carriers = data.get("delivery_list")
    if not isinstance(carriers, list):
        raise WeChatError(-1, "get_delivery_list answered without delivery_list")
    return [
        Carrier(code=str(c["delivery_id"]), name=str(c.get("delivery_name", "")))
        for c in carriers
        if isinstance(c, dict) and c.get("delivery_id")
    ]


async def trace_waybill(
    client: MiniProgramClient,
    *,
    openid: str,
    receiver_phone: str,
    waybill_id: str,
    carrier_code: str,
    transaction_id: str,
    goods: list[tuple[str, str]],
    order_detail_path: str,
) -> str:
    """传运单: hand WeChat a waybill to follow; the token opens the tracking component."""
    data = await client.call(
        TRACE_WAYBILL,
        {
            "openid": openid,
            "receiver_phone": receiver_phone,
            "waybill_id": waybill_id,
            "delivery_id": carrier_code,
            "trans_id": transaction_id,
            "order_detail_path": order_detail_path,
            "goods_info": {
                "detail_list": [
                    {"goods_name": name[:60], "goods_img_url": image} for name, image in goods
                ]
            },
        },
    )
    token = data.get("waybill_token")
    if not isinstance(token, str) or not token:
        raise WeChatError(-1, "trace_waybill answered without waybill_token")
    return token


async def query_trace(client: MiniProgramClient, *, waybill_token: str) -> Trace:
    """查询运单: the waybill's status and path."""
    data = await client.call(QUERY_TRACE, {"waybill_token": waybill_token})
    waybill = data.get("waybill_info") if isinstance(data.get("waybill_info"), dict) else {}
    path_info = data.get("path_info") if isinstance(data.get("path_info"), dict) else {}
    assert isinstance(waybill, dict) and isinstance(path_info, dict)
    nodes = path_info.get("path_item_list") or []
    return Trace(
        waybill_id=str(waybill.get("waybill_id", "")),
        status=int(waybill.get("status") or 0),
        path=[
            TraceNode(
                action_time=int(n.get("action_time") or 0),
                action_type=int(n.get("action_type") or 0),
                action_msg=str(n.get("action_msg", "")),
            )
            for n in nodes
            if isinstance(n, dict)
        ],
    )


async def send_subscribe_message(
    client: MiniProgramClient,
    *,
    openid: str,
    template_id: str,
    data: dict[str, str],
    page: str,
    miniprogram_state: str,
) -> None:
    """subscribeMessage.send: one message under one of the customer's acceptances."""
    await client.call(
        SUBSCRIBE_SEND,
        {
            "touser": openid,
            "template_id": template_id,
            "page": page,
            "miniprogram_state": miniprogram_state,
            "lang": "zh_CN",
            "data": {key: {"value": value} for key, value in data.items()},
        },
    )


async def msg_sec_check(
    client: MiniProgramClient, *, openid: str, content: str, scene: int
) -> SecVerdict:
    """msgSecCheck v2: pass, review (a person should look) or risky."""
    data = await client.call(
        MSG_SEC_CHECK, {"content": content, "version": 2, "scene": scene, "openid": openid}
    )
    result = data.get("result")
    suggest = result.get("suggest") if isinstance(result, dict) else None
    if suggest not in ("pass", "review", "risky"):
        raise WeChatError(-1, "msg_sec_check answered without result.suggest")
    assert isinstance(result, dict)
    return SecVerdict(
        suggest=suggest,
        label=int(result.get("label") or 0),
        trace_id=str(data.get("trace_id", "")),
    )


async def media_check_async(
    client: MiniProgramClient, *, openid: str, media_url: str, scene: int
) -> str:
    """mediaCheckAsync v2 for an image; the verdict comes later as a wxa_media_check push."""
    data = await client.call(
        MEDIA_CHECK_ASYNC,
        {
            "media_url": media_url,
            "media_type": MEDIA_IMAGE,
            "version": 2,
            "scene": scene,
            "openid": openid,
        },
    )
    trace_id = data.get("trace_id")
    if not isinstance(trace_id, str) or not trace_id:
        raise WeChatError(-1, "media_check_async answered without trace_id")
    return trace_id
