"""The simulator's push controls: POST /sim/push/<event> plays WeChat sending an event.

The body names the event's fields; the simulator fills in what WeChat would know (the
payer and merchant numbers of a transaction, an image check's verdict) and records what a
subscription popup means (one acceptance per template accepted), then signs, encrypts and
POSTs the push to the mall. The answer says what the mall replied.
"""

from __future__ import annotations

from typing import Any

from sanic import Request, Sanic
from sanic.response import HTTPResponse, json

from mall.wechat.sim_wxa import WXA_APIS, ArmedFault, WxaFault, WxaState, media_check_payload

TRADE_EVENTS = frozenset({"trade_manage_remind_shipping", "trade_manage_order_settlement"})
SUBSCRIBE_EVENTS = frozenset({"subscribe_msg_popup_event", "subscribe_msg_change_event"})


def _state(request: Request) -> WxaState:
    state: WxaState = request.app.ctx.wxa
    return state


def _body(request: Request) -> dict[str, Any]:
    if not request.body:
        return {}
    body = request.json
    if not isinstance(body, dict):
        raise WxaFault(47001, "data format error: the body is a JSON object of event fields")
    return body


def _trade_fields(state: WxaState, event: str, fields: dict[str, Any]) -> dict[str, Any]:
    """Fill a trade event from what the pay side knows of its transaction_id."""
    try:
        order = state.paid_order(fields.get("transaction_id"))
    except WxaFault:
        return fields
    now = int(state.login.now())
    known: dict[str, Any] = {
        "FromUserName": order.openid,
        "transaction_id": order.transaction_id,
        "merchant_id": order.mchid,
        "sub_merchant_id": "",
        "merchant_trade_no": order.out_trade_no,
        "pay_time": int(order.success_time or now),
    }
    if event == "trade_manage_remind_shipping":
        known["msg"] = "用户提醒发货"
    else:
        uploads = state.shipping.get(order.transaction_id or "", [])
        shipped = int(uploads[0]["at"]) if uploads else now
        known |= {
            "msg": "订单已结算",
            "shipped_time": shipped,
            "estimated_settlement_time": shipped + 10 * 86400,
            "confirm_receive_method": 1,
            "confirm_receive_time": now,
            "settlement_time": now,
        }
    return known | fields


def _subscription_fields(state: WxaState, event: str, fields: dict[str, Any]) -> dict[str, Any]:
    """Popup and change events: {"openid", "accept": [...], "reject": [...]} or WeChat's own
    {"FromUserName", "List"}; what the customer chose is recorded as WeChat records it."""
    fields = dict(fields)
    openid = fields.pop("openid", None) or fields.get("FromUserName")
    if not isinstance(openid, str) or not openid:
        raise WxaFault(40003, "invalid openid: name the customer (openid or FromUserName)")
    items = fields.get("List")
    if items is None:
        items = [
            {"TemplateId": tid, "SubscribeStatusString": status, "PopupScene": "0"}
            for status, key in (("accept", "accept"), ("reject", "reject"))
            for tid in fields.pop(key, []) or []
        ]
    items = items if isinstance(items, list) else [items]
    for item in items:
        if not isinstance(item, dict) or not isinstance(item.get("TemplateId"), str):
            raise WxaFault(47001, "data format error: List items need a TemplateId")
        key = (openid, item["TemplateId"])
        if item.get("SubscribeStatusString") == "accept" and event == "subscribe_msg_popup_event":
            state.acceptances[key] += 1
        elif item.get("SubscribeStatusString") == "reject" and event != "subscribe_msg_popup_event":
            state.acceptances[key] = 0  # turned off in WeChat's settings
    if event == "subscribe_msg_change_event":
        for item in items:
            item.pop("PopupScene", None)
    # Like WeChat: one item goes out as an object, several as an array.
    fields["List"] = items[0] if len(items) == 1 else items
    fields["FromUserName"] = openid
    return fields


async def sim_push(request: Request, event: str) -> HTTPResponse:
    """POST /sim/push/<event> {fields}: WeChat pushes EVENT to the mall's push URL."""
    state = _state(request)
    if state.pusher is None:
        raise WxaFault(-1, "pushes are off: set MALL_WECHAT_PUSH_TOKEN and _AES_KEY")
    fields = _body(request)
    if event == "wxa_media_check":
        check = state.media_checks.get(str(fields.get("trace_id", "")))
        if check is None:
            raise WxaFault(47001, "unknown trace_id: no mediaCheckAsync gave it")
        payload = media_check_payload(state, check, fields)
    else:
        if event in TRADE_EVENTS:
            fields = _trade_fields(state, event, fields)
        elif event in SUBSCRIBE_EVENTS:
            fields = _subscription_fields(state, event, fields)
        payload = state.pusher.envelope(event, fields, now=state.login.now())
    delivery = await state.pusher.push(payload)
    return json(delivery.as_json())


async def sim_pushes(request: Request) -> HTTPResponse:
    """GET /sim/pushes[?event=]: every push sent and what the mall answered."""
    state = _state(request)
    event = request.args.get("event")
    deliveries = [] if state.pusher is None else state.pusher.deliveries
    return json({"pushes": [d.as_json() for d in deliveries if event in (None, d.event)]})


def arm_wxa_fault(state: WxaState, body: dict[str, Any]) -> dict[str, Any]:
    """Make the next `times` calls of a server API answer errcode/errmsg."""
    api, errcode, times = body.get("api"), body.get("errcode", -1), body.get("times", 1)
    if api not in WXA_APIS:
        raise WxaFault(47001, f"api must be one of {sorted(WXA_APIS)}")
    if not isinstance(errcode, int) or not isinstance(times, int) or times < 1:
        raise WxaFault(47001, "errcode must be an integer and times a positive integer")
    state.faults[str(api)] = ArmedFault(
        errcode=errcode, errmsg=str(body.get("errmsg", "system error")), times=times
    )
    return {"armed": api, "times": times}


async def sim_wxa_reset(request: Request) -> HTTPResponse:
    """POST /sim/wxa-reset: forget shipping, messages, acceptances, checks, faults, pushes."""
    await _state(request).reset()
    return json({"reset": True})


def add_routes(app: Sanic) -> None:
    app.add_route(sim_push, "/sim/push/<event:str>", methods=["POST"])
    app.add_route(sim_pushes, "/sim/pushes", methods=["GET"])
    app.add_route(sim_wxa_reset, "/sim/wxa-reset", methods=["POST"])
