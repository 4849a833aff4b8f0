"""POST /orders/<id>/pay and the WeChat Pay callbacks (signature verified; no bearer token)."""

from __future__ import annotations

import logging
from typing import Any

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
    "properties": {"code": {"type": "string", "enum": ["FAIL"]}, "message": {"type": "string"}},
    "required": ["code", "message"],
}
# What WeChat Pay sends (API v3 notification); the resource is AES-256-GCM encrypted.
_NOTIFICATION = {
    "type": "object",
    "properties": {
        "id": {"type": "string"},
        "create_time": {"type": "string"},
        "event_type": {
            "type": "string",
            "description": "TRANSACTION.SUCCESS, REFUND.SUCCESS, REFUND.ABNORMAL, REFUND.CLOSED",
        },
        "resource_type": {"type": "string", "enum": ["encrypt-resource"]},
        "summary": {"type": "string"},
        "resource": {
            "type": "object",
            "properties": {
                "algorithm": {"type": "string", "enum": ["AEAD_AES_256_GCM"]},
                "ciphertext": {"type": "string"},
                "associated_data": {"type": "string"},
                "original_type": {"type": "string"},
                "nonce": {"type": "string"},
            },
            "required": ["algorithm", "ciphertext", "nonce"],
        },
    },
    "required": ["id", "create_time", "event_type", "resource_type", "resource"],
}
_SIGNED_BY_WECHAT: dict[str, dict[str, Any]] = {
    "Wechatpay-Signature": {"type": "string", "description": "base64 RSA-SHA256 signature"},
    "Wechatpay-Timestamp": {"type": "string", "pattern": "^[0-9]{1,12}$"},
    "Wechatpay-Nonce": {"type": "string"},
    "Wechatpay-Serial": {"type": "string", "description": "the WeChat Pay public key id"},
    "Wechatpay-Signature-Type": {"type": "string", "enum": ["WECHATPAY2-SHA256-RSA2048"]},
}
_CALLBACK_HELP = (
    "Called by WeChat Pay, not by clients: no bearer token; the Wechatpay-* headers sign "
    "the body with WeChat Pay's key. 204 when processed (duplicates included); 400 with "
    '{"code": "FAIL"} for anything that is not a genuine, fresh notification for this '
    "merchant (missing or bad signature, unknown key, stale timestamp, unreadable body); "
    "500 with FAIL when it could not be processed now (WeChat retries)."
)


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
    description=_CALLBACK_HELP,
    tag="payments",
    body=_NOTIFICATION,
    headers=_SIGNED_BY_WECHAT,
    status=204,
    response=None,
    errors=(400, 500),
    error_schema=_WECHAT_FAIL,
)
async def payment_notify(request: Request) -> HTTPResponse:
    return await _callback(request, "payment")


@bp.post("/payments/wechat/refund-notify")
@doc(
    summary="WeChat Pay refund notification (called by WeChat)",
    description=_CALLBACK_HELP,
    tag="payments",
    body=_NOTIFICATION,
    headers=_SIGNED_BY_WECHAT,
    status=204,
    response=None,
    errors=(400, 500),
    error_schema=_WECHAT_FAIL,
)
async def refund_notify(request: Request) -> HTTPResponse:
    return await _callback(request, "refund")
