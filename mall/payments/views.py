"""POST /orders/<id>/pay and the WeChat Pay callbacks (signature verified; no bearer token)."""

from __future__ import annotations

import logging

from sanic import Blueprint, Request
from sanic.response import HTTPResponse, empty, json

from mall.auth.guards import user_required
from mall.context import runtime_of
from mall.orders import queries
from mall.payments import service
from mall.web import doc
from mall.wechat.pay import NotificationRejected

log = logging.getLogger("mall.payments")

bp = Blueprint("payments")

_PAY_PARAMS = {
    "type": "object",
    "properties": {
        name: {"type": "string"}
        for name in ("timeStamp", "nonceStr", "package", "signType", "paySign")
    },
    "required": ["timeStamp", "nonceStr", "package", "signType", "paySign"],
}
_WECHAT_FAIL = {
    "type": "object",
    "properties": {"code": {"type": "string"}, "message": {"type": "string"}},
}


@bp.post("/orders/<order_id:id>/pay")
@doc(
    summary="Arguments for wx.requestPayment (JSAPI prepay, reused while valid)",
    tag="payments",
    response=_PAY_PARAMS,
    secured=True,
    errors=(404, 409, 502, 503),
)
@user_required
async def pay(request: Request, order_id: int) -> HTTPResponse:
    order = await queries.get(user=request.ctx.user, order_id=order_id)
    return json(await service.pay(runtime_of(request), user=request.ctx.user, order=order))


def _fail(status: int, message: str) -> HTTPResponse:
    # WeChat's own answer format for callbacks, not the API's error envelope.
    return json({"code": "FAIL", "message": message}, status=status)


async def _callback(request: Request, kind: str) -> HTTPResponse:
    headers = {key: value for key, value in request.headers.items()}
    rt = runtime_of(request)
    try:
        if kind == "payment":
            await service.handle_payment_notification(rt, headers=headers, body=request.body)
        else:
            await service.handle_refund_notification(rt, headers=headers, body=request.body)
    except NotificationRejected as exc:
        log.warning(
            "rejected %s notification from %s: %s",
            kind,
            request.remote_addr or request.ip,
            exc.reason,
        )
        return _fail(400, exc.reason)
    except Exception:
        log.exception("%s notification failed; WeChat will retry", kind)
        return _fail(500, "temporarily unable to process")
    return empty()


@bp.post("/payments/wechat/notify")
@doc(
    summary="WeChat Pay payment notification (called by WeChat)",
    tag="payments",
    status=204,
    response=None,
    errors=(),
)
async def payment_notify(request: Request) -> HTTPResponse:
    return await _callback(request, "payment")


@bp.post("/payments/wechat/refund-notify")
@doc(
    summary="WeChat Pay refund notification (called by WeChat)",
    tag="payments",
    status=204,
    response=None,
    errors=(),
)
async def refund_notify(request: Request) -> HTTPResponse:
    return await _callback(request, "refund")
