"""The simulator's mini-program server APIs beyond login: shipping, carriers, logistics,
subscription messages and content security, with WeChat's formats and error codes.

Rules a test can count on: text containing 违禁 is `risky` to msgSecCheck and 待审 is
`review`; an image URL containing `risky` fails mediaCheckAsync; a subscription message
needs one acceptance per message (subscribe_msg_popup_event pushes record them); the next
calls of any API can be made to fail (POST /sim/fault {"api", "errcode", "errmsg", "times"}).
What the mall did is on /sim/shipping/<transaction_id> and /sim/subscribe-messages?openid=.
"""

from __future__ import annotations

import asyncio
import re
import secrets
import uuid
from collections import Counter
from collections.abc import Coroutine
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sanic import Request, Sanic
from sanic.response import HTTPResponse, json

from mall.wechat.sim_push import Pusher

if TYPE_CHECKING:
    from mall.wechat.simulator import LoginState, PayState, SimOrder

WXA_APIS = frozenset(
    {
        "upload_shipping_info",
        "notify_confirm_receive",
        "set_msg_jump_path",
        "get_delivery_list",
        "trace_waybill",
        "query_trace",
        "subscribe_send",
        "msg_sec_check",
        "media_check_async",
    }
)

# A slice of WeChat's carrier list (get_delivery_list has some 1,400).
DELIVERY_LIST = (
    ("SF", "顺丰速运"),
    ("YTO", "圆通速递"),
    ("ZTO", "中通快递"),
    ("STO", "申通快递"),
    ("YD", "韵达速递"),
    ("JTSD", "极兔速递"),
    ("JD", "京东物流"),
    ("EMS", "中国邮政速递物流"),
    ("YZPY", "邮政快递包裹"),
    ("DBL", "德邦快递"),
    ("ZJS", "宅急送"),
    ("BDT", "八达通"),
)
CARRIERS = dict(DELIVERY_LIST)
# 顺丰 finds a parcel only with a phone number: WeChat wants a contact for it.
CONTACT_REQUIRED = frozenset({"SF"})
MAX_SHIPPING_UPDATES = 1  # "一个支付单只能更新一次发货信息"
SEC_RISKY_WORD = "违禁"
SEC_REVIEW_WORD = "待审"
SEC_LABELS = {"pass": 100, "review": 21000, "risky": 20006}
RISKY_MEDIA = "risky"
# A parcel's path unfolds with simulated time after trace_waybill: (after seconds, type,
# message, waybill status).
TRACE_STAGES = (
    (0, 100001, "快件已被揽收", 1),
    (3600, 200001, "快件运输中，已到达广州转运中心", 2),
    (86400, 300002, "快件派送中，派件员正在为您派件", 3),
    (90000, 300003, "快件已签收，感谢使用", 4),
)
MASKED_CONTACT = re.compile(r"^(\+\d{1,4}-)?\d{3}\*{4}\d{4}$")
MINIPROGRAM_STATES = frozenset({"developer", "trial", "formal"})


class WxaFault(Exception):
    """An errcode/errmsg answer (HTTP 200, as WeChat answers errors)."""

    def __init__(self, errcode: int, errmsg: str) -> None:
        super().__init__(f"{errcode}: {errmsg}")
        self.errcode = errcode
        self.errmsg = errmsg


@dataclass
class ArmedFault:
    errcode: int
    errmsg: str
    times: int


@dataclass
class MediaCheck:
    trace_id: str
    media_url: str
    openid: str
    suggest: str
    pushed: bool = False

    def as_json(self) -> dict[str, Any]:
        return {
            "trace_id": self.trace_id,
            "media_url": self.media_url,
            "openid": self.openid,
            "suggest": self.suggest,
            "pushed": self.pushed,
        }


@dataclass
class Waybill:
    token: str
    waybill_id: str
    carrier_code: str
    openid: str
    transaction_id: str
    goods: list[dict[str, Any]]
    created: float


@dataclass
class WxaState:
    """What WeChat remembers of the mall's server API calls, and the knobs of tests."""

    login: LoginState
    pay: PayState | None
    pusher: Pusher | None
    shipping: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    confirm_reminders: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    jump_path: str | None = None
    # One-time subscriptions: messages each (openid, template id) may still get.
    acceptances: Counter[tuple[str, str]] = field(default_factory=Counter)
    messages: list[dict[str, Any]] = field(default_factory=list)
    media_checks: dict[str, MediaCheck] = field(default_factory=dict)
    waybills: dict[str, Waybill] = field(default_factory=dict)
    faults: dict[str, ArmedFault] = field(default_factory=dict)
    calls: Counter[str] = field(default_factory=Counter)
    tasks: set[asyncio.Task[None]] = field(default_factory=set)

    def enter(self, request: Request, api: str) -> dict[str, Any]:
        """Check the access token, count the call, fire an armed fault; the JSON body."""
        self.login.check_token(request.args.get("access_token"))
        self.calls[api] += 1
        fault = self.faults.get(api)
        if fault is not None:
            fault.times -= 1
            if fault.times <= 0:
                del self.faults[api]
            raise WxaFault(fault.errcode, fault.errmsg)
        body = request.json if request.body else {}
        if not isinstance(body, dict):
            raise WxaFault(47001, "data format error")
        return body

    def paid_order(self, transaction_id: Any) -> SimOrder:
        """The paid order behind a transaction id, or 10060001 as WeChat answers."""
        if self.pay is not None and isinstance(transaction_id, str):
            for order in self.pay.orders.values():
                if order.transaction_id == transaction_id:
                    return order
        raise WxaFault(10060001, "支付单不存在")

    def order_by_trade_no(self, out_trade_no: Any) -> SimOrder:
        order = self.pay.orders.get(out_trade_no) if self.pay is not None else None
        if order is None or order.transaction_id is None:
            raise WxaFault(10060001, "支付单不存在")
        return order

    def spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def reset(self) -> None:
        """Forget everything (one simulator serves a whole test session)."""
        for task in list(self.tasks):
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
        self.shipping.clear()
        self.confirm_reminders.clear()
        self.jump_path = None
        self.acceptances.clear()
        self.messages.clear()
        self.media_checks.clear()
        self.waybills.clear()
        self.faults.clear()
        self.calls.clear()
        if self.pusher is not None:
            self.pusher.deliveries.clear()


# --- shipping (发货信息管理) ----------------------------------------------------------------


def _order_key(state: WxaState, key: Any) -> SimOrder:
    if not isinstance(key, dict):
        raise WxaFault(47001, "data format error: order_key")
    if key.get("order_number_type") == 2:
        return state.paid_order(key.get("transaction_id"))
    if key.get("order_number_type") == 1:
        order = state.order_by_trade_no(key.get("out_trade_no"))
        if order.mchid != key.get("mchid"):
            raise WxaFault(10060001, "支付单不存在")
        return order
    raise WxaFault(47001, "data format error: order_number_type")


def _check_shipping_item(item: Any, logistics_type: int) -> None:
    if not isinstance(item, dict):
        raise WxaFault(47001, "data format error: shipping_list")
    desc = item.get("item_desc")
    if not isinstance(desc, str) or not 1 <= len(desc) <= 120:
        raise WxaFault(10060014, "参数错误: item_desc 须为1-120个字符")
    if logistics_type != 1:
        return
    tracking_no, company = item.get("tracking_no"), item.get("express_company")
    if not isinstance(tracking_no, str) or not 1 <= len(tracking_no.encode()) <= 128:
        raise WxaFault(10060014, "参数错误: tracking_no")
    if company not in CARRIERS:
        raise WxaFault(10060014, f"参数错误: express_company {company!r} 不在运力列表中")
    contact = item.get("contact")
    if company in CONTACT_REQUIRED:
        numbers = (
            [contact.get("receiver_contact"), contact.get("consignor_contact")]
            if isinstance(contact, dict)
            else []
        )
        if not any(isinstance(n, str) and MASKED_CONTACT.fullmatch(n) for n in numbers):
            raise WxaFault(10060014, "参数错误: 顺丰须填写掩码后的联系方式 contact")


async def upload_shipping_info(request: Request) -> HTTPResponse:
    """POST /wxa/sec/order/upload_shipping_info: 发货信息录入 (one update allowed after)."""
    state = _wxa(request)
    body = state.enter(request, "upload_shipping_info")
    order = _order_key(state, body.get("order_key"))
    logistics_type, mode = body.get("logistics_type"), body.get("delivery_mode")
    if logistics_type not in (1, 2, 3, 4) or mode not in (1, 2):
        raise WxaFault(47001, "data format error: logistics_type / delivery_mode")
    items = body.get("shipping_list")
    if not isinstance(items, list) or not 1 <= len(items) <= 15:
        raise WxaFault(47001, "data format error: shipping_list")
    if mode == 1 and len(items) != 1:
        raise WxaFault(10060014, "参数错误: 统一发货只能有一个物流单")
    for item in items:
        _check_shipping_item(item, logistics_type)
    try:
        datetime.fromisoformat(str(body.get("upload_time")))
    except ValueError:
        raise WxaFault(47001, "data format error: upload_time") from None
    payer = body.get("payer")
    if not isinstance(payer, dict) or payer.get("openid") != order.openid:
        raise WxaFault(10060014, "参数错误: payer.openid 与支付者不一致")
    if order.trade_state == "REFUND" and state.pay is not None and _fully_refunded(state, order):
        raise WxaFault(10060004, "支付单处于不可发货的状态")
    assert order.transaction_id is not None
    uploads = state.shipping.setdefault(order.transaction_id, [])
    if len(uploads) > MAX_SHIPPING_UPDATES:
        raise WxaFault(10060003, "支付单已使用重新发货机会")
    uploads.append({"body": body, "at": state.login.now()})
    return json({"errcode": 0, "errmsg": "ok"})


def _fully_refunded(state: WxaState, order: SimOrder) -> bool:
    assert state.pay is not None
    refunded = sum(
        r.amount for r in state.pay.refunds.values() if r.order is order and r.status == "SUCCESS"
    )
    return refunded >= order.total


async def notify_confirm_receive(request: Request) -> HTTPResponse:
    """POST /wxa/sec/order/notify_confirm_receive: remind the customer to confirm receipt."""
    state = _wxa(request)
    body = state.enter(request, "notify_confirm_receive")
    order = state.paid_order(body.get("transaction_id"))
    if order.transaction_id not in state.shipping:
        raise WxaFault(10060004, "支付单处于不可发货的状态: 尚未录入发货信息")
    if not isinstance(body.get("received_time"), int):
        raise WxaFault(47001, "data format error: received_time")
    assert order.transaction_id is not None
    state.confirm_reminders.setdefault(order.transaction_id, []).append(body)
    return json({"errcode": 0, "errmsg": "ok"})


async def set_msg_jump_path(request: Request) -> HTTPResponse:
    """POST /wxa/sec/order/set_msg_jump_path: where WeChat's order messages lead."""
    state = _wxa(request)
    path = state.enter(request, "set_msg_jump_path").get("path")
    if not isinstance(path, str) or not path:
        raise WxaFault(47001, "data format error: path")
    state.jump_path = path
    return json({"errcode": 0, "errmsg": "ok"})


async def get_delivery_list(request: Request) -> HTTPResponse:
    """POST /cgi-bin/express/delivery/open_msg/get_delivery_list: the carriers."""
    _wxa(request).enter(request, "get_delivery_list")
    carriers = [{"delivery_id": code, "delivery_name": name} for code, name in DELIVERY_LIST]
    return json({"errcode": 0, "delivery_list": carriers, "count": len(carriers)})


async def sim_shipping(request: Request, transaction_id: str) -> HTTPResponse:
    """GET /sim/shipping/<transaction_id>: what the mall uploaded for a payment."""
    state = _wxa(request)
    uploads = state.shipping.get(transaction_id)
    if not uploads:
        raise WxaFault(10060001, "no shipping was uploaded for this transaction")
    return json(
        {
            "transaction_id": transaction_id,
            "shipping": uploads[-1]["body"],
            "uploads": uploads,
            "confirm_reminders": state.confirm_reminders.get(transaction_id, []),
            "jump_path": state.jump_path,
        }
    )


# --- logistics (物流查询) -------------------------------------------------------------------


async def trace_waybill(request: Request) -> HTTPResponse:
    """POST /cgi-bin/express/delivery/open_msg/trace_waybill: a token to follow a parcel."""
    state = _wxa(request)
    body = state.enter(request, "trace_waybill")
    for name in ("openid", "receiver_phone", "waybill_id", "trans_id"):
        if not isinstance(body.get(name), str) or not body[name]:
            raise WxaFault(47001, f"data format error: {name}")
    order = state.paid_order(body["trans_id"])
    if order.openid != body["openid"]:
        raise WxaFault(40003, "invalid openid")
    carrier = body.get("delivery_id")
    if carrier is not None and carrier not in CARRIERS:
        raise WxaFault(47001, "data format error: delivery_id")
    goods = (body.get("goods_info") or {}).get("detail_list")
    if (
        not isinstance(goods, list)
        or not goods
        or not all(
            isinstance(g, dict) and g.get("goods_name") and g.get("goods_img_url") for g in goods
        )
    ):
        raise WxaFault(47001, "data format error: goods_info.detail_list")
    token = "o_" + secrets.token_urlsafe(40)
    state.waybills[token] = Waybill(
        token=token,
        waybill_id=body["waybill_id"],
        carrier_code=str(carrier or ""),
        openid=body["openid"],
        transaction_id=body["trans_id"],
        goods=goods,
        created=state.login.now(),
    )
    return json({"errcode": 0, "errmsg": "ok", "waybill_token": token})


async def query_trace(request: Request) -> HTTPResponse:
    """POST /cgi-bin/express/delivery/open_msg/query_trace: the parcel's status and path."""
    state = _wxa(request)
    body = state.enter(request, "query_trace")
    waybill = state.waybills.get(body.get("waybill_token", ""))
    if waybill is None:
        raise WxaFault(9300507, "Token 不合法")
    elapsed = state.login.now() - waybill.created
    reached = [stage for stage in TRACE_STAGES if elapsed >= stage[0]]
    nodes = [
        {
            "action_time": int(waybill.created + after),
            "action_type": action,
            "action_msg": message,
        }
        for after, action, message, _ in reached
    ]
    return json(
        {
            "errcode": 0,
            "errmsg": "ok",
            "waybill_info": {"waybill_id": waybill.waybill_id, "status": reached[-1][3]},
            "shop_info": {"goods_info": {"detail_list": waybill.goods}},
            "delivery_info": {
                "delivery_id": waybill.carrier_code,
                "delivery_name": CARRIERS.get(waybill.carrier_code, ""),
            },
            "path_info": {"path_item_num": len(nodes), "path_item_list": nodes},
        }
    )


# --- subscription messages (订阅消息) -------------------------------------------------------

_NUMBER = re.compile(r"\d+(\.\d+)?")
_LETTER = re.compile(r"[A-Za-z]+")
_CHARACTER_STRING = re.compile(r"[\x21-\x7e]+")
_AMOUNT = re.compile(r"[¥￥$€£]?\d{1,10}(\.\d{1,2})?元?")
_PHONE = re.compile(r"[\d+\-() ]+")
_CLOCK = re.compile(r"\d{1,2}:\d{2}")
_DATE = re.compile(r"\d{4}(年\d{1,2}月\d{1,2}日|-\d{1,2}-\d{1,2})")
_CHINESE = re.compile(r"[\u4e00-\u9fff]+")


def value_fits(kind: str, value: str) -> bool:
    """WeChat's rule for a template value of KIND (thing, number, amount, ...)."""
    if kind == "thing":
        return len(value) <= 20
    if kind == "number":
        return len(value) <= 32 and bool(_NUMBER.fullmatch(value))
    if kind == "letter":
        return len(value) <= 32 and bool(_LETTER.fullmatch(value))
    if kind == "symbol":
        return len(value) <= 5 and not any(c.isalnum() for c in value)
    if kind == "character_string":
        return len(value) <= 32 and bool(_CHARACTER_STRING.fullmatch(value))
    if kind == "time":
        return len(value) <= 40 and bool(_CLOCK.search(value))
    if kind == "date":
        return len(value) <= 40 and bool(_DATE.search(value))
    if kind == "amount":
        return bool(_AMOUNT.fullmatch(value))
    if kind == "phone_number":
        return len(value) <= 17 and bool(_PHONE.fullmatch(value))
    if kind == "car_number":
        return len(value) <= 8
    if kind == "name":
        return len(value) <= (10 if _CHINESE.search(value) else 20)
    if kind == "phrase":
        return len(value) <= 5 and bool(_CHINESE.fullmatch(value))
    return False


async def subscribe_send(request: Request) -> HTTPResponse:
    """POST /cgi-bin/message/subscribe/send: one message, spending one acceptance."""
    state = _wxa(request)
    body = state.enter(request, "subscribe_send")
    openid, template_id = body.get("touser"), body.get("template_id")
    if not isinstance(openid, str) or not openid:
        raise WxaFault(40003, "invalid openid")
    if not isinstance(template_id, str) or not template_id:
        raise WxaFault(40037, "invalid template_id")
    data = body.get("data")
    if not isinstance(data, dict) or not data:
        raise WxaFault(47003, "argument invalid! data is empty")
    for key, item in data.items():
        value = item.get("value") if isinstance(item, dict) else None
        if not isinstance(value, str) or not value:
            raise WxaFault(47003, f"argument invalid! data.{key}.value is empty")
        kind = key.rstrip("0123456789")
        if not value_fits(kind, value):
            raise WxaFault(47003, f"argument invalid! data.{key}.value invalid")
    state_name = body.get("miniprogram_state", "formal")
    if state_name not in MINIPROGRAM_STATES:
        raise WxaFault(47003, "argument invalid! miniprogram_state invalid")
    page = body.get("page")
    if page is not None and (not isinstance(page, str) or page.startswith("/")):
        raise WxaFault(41030, "invalid page")
    if state.acceptances[(openid, template_id)] <= 0:
        raise WxaFault(43101, "user refuse to accept the msg")
    state.acceptances[(openid, template_id)] -= 1
    state.messages.append(
        {
            "touser": openid,
            "template_id": template_id,
            "page": page,
            "miniprogram_state": state_name,
            "data": {key: item["value"] for key, item in data.items()},
            "at": state.login.now(),
        }
    )
    return json({"errcode": 0, "errmsg": "ok", "msgid": secrets.randbelow(10**18)})


async def sim_subscribe_messages(request: Request) -> HTTPResponse:
    """GET /sim/subscribe-messages?openid=: what was sent (to one customer)."""
    state = _wxa(request)
    openid = request.args.get("openid")
    messages = [m for m in state.messages if openid in (None, m["touser"])]
    remaining = {
        template_id: count
        for (who, template_id), count in state.acceptances.items()
        if who == openid and count > 0
    }
    return json({"messages": messages, "acceptances": remaining})


# --- content security (内容安全) -----------------------------------------------------------


def text_verdict(content: str) -> str:
    """The simulator's msgSecCheck rule."""
    if SEC_RISKY_WORD in content:
        return "risky"
    if SEC_REVIEW_WORD in content:
        return "review"
    return "pass"


async def msg_sec_check(request: Request) -> HTTPResponse:
    """POST /wxa/msg_sec_check (version 2): pass, review or risky, with labels."""
    state = _wxa(request)
    body = state.enter(request, "msg_sec_check")
    content, openid = body.get("content"), body.get("openid")
    if body.get("version") != 2 or body.get("scene") not in (1, 2, 3, 4):
        raise WxaFault(47001, "data format error: version must be 2, scene 1-4")
    if not isinstance(openid, str) or not openid:
        raise WxaFault(40003, "invalid openid")
    if not isinstance(content, str) or len(content) > 2500:
        raise WxaFault(47001, "data format error: content")
    suggest = text_verdict(content)
    label = SEC_LABELS[suggest]
    keyword = {"risky": SEC_RISKY_WORD, "review": SEC_REVIEW_WORD}.get(suggest)
    detail: list[dict[str, Any]] = [
        {"strategy": "content_model", "errcode": 0, "suggest": suggest, "label": label, "prob": 90}
    ]
    keyword_hit: dict[str, Any] = {"strategy": "keyword", "errcode": 0}
    if keyword:
        keyword_hit |= {"suggest": suggest, "label": label, "level": 20, "keyword": keyword}
    detail.append(keyword_hit)
    return json(
        {
            "errcode": 0,
            "errmsg": "ok",
            "result": {"suggest": suggest, "label": label},
            "detail": detail,
            "trace_id": _trace_id(),
        }
    )


async def media_check_async(request: Request) -> HTTPResponse:
    """POST /wxa/media_check_async (version 2): a trace_id now, the verdict as a push."""
    state = _wxa(request)
    body = state.enter(request, "media_check_async")
    url, openid = body.get("media_url"), body.get("openid")
    if not isinstance(url, str) or not re.match(r"https?://", url):
        raise WxaFault(47001, "data format error: media_url")
    if body.get("media_type") not in (1, 2) or body.get("version") != 2:
        raise WxaFault(47001, "data format error: media_type / version")
    if not isinstance(openid, str) or not openid:
        raise WxaFault(40003, "invalid openid")
    check = MediaCheck(
        trace_id=_trace_id(),
        media_url=url,
        openid=openid,
        suggest="risky" if RISKY_MEDIA in url else "pass",
    )
    state.media_checks[check.trace_id] = check
    if state.pusher is not None and state.pusher.config.media_check_delay is not None:
        state.spawn(_push_verdict_later(state, check, state.pusher.config.media_check_delay))
    return json({"errcode": 0, "errmsg": "ok", "trace_id": check.trace_id})


async def _push_verdict_later(state: WxaState, check: MediaCheck, delay: float) -> None:
    await asyncio.sleep(delay)
    if state.pusher is not None and not check.pushed:
        await state.pusher.push(media_check_payload(state, check, {}))


def media_check_payload(
    state: WxaState, check: MediaCheck, fields: dict[str, Any]
) -> dict[str, Any]:
    """The wxa_media_check push for CHECK (FIELDS override, e.g. another suggest)."""
    assert state.pusher is not None
    check.pushed = True
    suggest = str(fields.pop("suggest", check.suggest))
    label = SEC_LABELS.get(suggest, 100)
    return state.pusher.envelope(
        "wxa_media_check",
        {
            "FromUserName": check.openid,
            "appid": state.pusher.appid,
            "trace_id": check.trace_id,
            "version": 2,
            "result": {"suggest": suggest, "label": label},
            "detail": [
                {
                    "strategy": "content_model",
                    "errcode": 0,
                    "suggest": suggest,
                    "label": label,
                    "prob": 90,
                }
            ],
            **fields,
        },
        now=state.login.now(),
    )


def _trace_id() -> str:
    raw = uuid.uuid4().hex
    return f"{raw[:8]}-{raw[8:16]}-{raw[16:24]}"


async def sim_media_checks(request: Request) -> HTTPResponse:
    """GET /sim/media-checks[?openid=]: every image check and its verdict."""
    state = _wxa(request)
    openid = request.args.get("openid")
    checks = [c.as_json() for c in state.media_checks.values() if openid in (None, c.openid)]
    return json({"checks": checks})


# --- wiring ---------------------------------------------------------------------------------


def _wxa(request: Request) -> WxaState:
    state: WxaState = request.app.ctx.wxa
    return state


async def _render_wxa_fault(request: Request, exc: Exception) -> HTTPResponse:
    assert isinstance(exc, WxaFault)
    return json({"errcode": exc.errcode, "errmsg": exc.errmsg})


def add_wxa_side(app: Sanic, state: WxaState) -> None:
    """Mount the server APIs and their /sim/ views on the simulator app."""
    app.ctx.wxa = state
    app.error_handler.add(WxaFault, _render_wxa_fault)
    routes = (
        (upload_shipping_info, "/wxa/sec/order/upload_shipping_info"),
        (notify_confirm_receive, "/wxa/sec/order/notify_confirm_receive"),
        (set_msg_jump_path, "/wxa/sec/order/set_msg_jump_path"),
        (get_delivery_list, "/cgi-bin/express/delivery/open_msg/get_delivery_list"),
        (trace_waybill, "/cgi-bin/express/delivery/open_msg/trace_waybill"),
        (query_trace, "/cgi-bin/express/delivery/open_msg/query_trace"),
        (subscribe_send, "/cgi-bin/message/subscribe/send"),
        (msg_sec_check, "/wxa/msg_sec_check"),
        (media_check_async, "/wxa/media_check_async"),
    )
    for handler, path in routes:
        app.add_route(handler, path, methods=["POST"])
    app.add_route(sim_shipping, "/sim/shipping/<transaction_id:str>", methods=["GET"])
    app.add_route(sim_subscribe_messages, "/sim/subscribe-messages", methods=["GET"])
    app.add_route(sim_media_checks, "/sim/media-checks", methods=["GET"])

    async def stop(app: Sanic) -> None:
        await state.reset()
        if state.pusher is not None:
            await state.pusher.aclose()

    app.register_listener(stop, "before_server_stop")
