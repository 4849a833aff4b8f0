"""GET/POST /api/v1/wechat/push: the mini-program's message-push URL (called by WeChat)."""

from __future__ import annotations

import contextlib
import logging
from typing import Any

from sanic import Blueprint, Request
from sanic.response import HTTPResponse, text

from mall.context import runtime_of
from mall.errors import Conflict
from mall.notify import subscriptions
from mall.orders import lifecycle
from mall.pushes import service
from mall.reviews import moderation
from mall.shipping import sync
from mall.web import doc

log = logging.getLogger("mall.pushes")

bp = Blueprint("wechat_push")

# What WeChat sends (safe mode, JSON); the signatures are over the token only WeChat and
# the shop know, so a request without them is refused (401), whatever else it holds.
_TIMESTAMP = {"type": "string", "pattern": "^[0-9]{1,12}$", "required": True}
_NONCE = {"type": "string", "minLength": 1, "required": True}
_URL_CHECK: dict[str, dict[str, Any]] = {
    "signature": {
        "type": "string",
        "required": True,
        "description": "SHA1(token, timestamp, nonce)",
    },
    "timestamp": _TIMESTAMP,
    "nonce": _NONCE,
    "echostr": {"type": "string", "required": True, "description": "answered back"},
}
_PUSH: dict[str, dict[str, Any]] = {
    "msg_signature": {
        "type": "string",
        "minLength": 1,
        "required": True,
        "description": "SHA1(token, timestamp, nonce, Encrypt)",
    },
    "timestamp": _TIMESTAMP,
    "nonce": _NONCE,
    "signature": {"type": "string", "description": "sent by WeChat, not used"},
    "openid": {"type": "string", "description": "sent by WeChat, not used"},
    "encrypt_type": {"type": "string", "enum": ["aes"]},
}
_ENCRYPTED = {
    "type": "object",
    "properties": {
        "ToUserName": {"type": "string"},
        "Encrypt": {"type": "string", "description": "the AES-256-CBC encrypted event (base64)"},
    },
    "required": ["Encrypt"],
}
_PUSH_HELP = (
    "Called by WeChat, not by clients. Refused with 401 unless signed with the push token "
    "and fresh (MALL_WECHAT_PUSH_MAX_SKEW), 403 for another mini-program, 409 for a push "
    "already received, 400 for one that does not decrypt, 503 when pushes are not configured."
)


def _remote(request: Request) -> str:
    return str(request.remote_addr or request.ip)


def _query(request: Request) -> dict[str, str]:
    return {key: values[-1] for key, values in request.args.items()}


def handlers(request: Request) -> dict[str, service.Handler]:
    """The events the shop acts on, bound to this process's resources."""
    rt = runtime_of(request)

    async def remind_shipping(payload: dict[str, Any]) -> None:
        await sync.on_remind_shipping(rt, payload=payload)

    async def settlement(payload: dict[str, Any]) -> None:
        received = await sync.on_settlement(payload=payload)
        if received is not None:
            with contextlib.suppress(Conflict):  # settled meanwhile
                await lifecycle.confirm_receipt(rt, order=received, actor="wechat:confirm-receive")

    async def media_check(payload: dict[str, Any]) -> None:
        await moderation.on_media_check(rt, payload=payload)

    async def popup(payload: dict[str, Any]) -> None:
        await subscriptions.on_popup(payload=payload)

    async def change(payload: dict[str, Any]) -> None:
        await subscriptions.on_change(payload=payload)

    return {
        "trade_manage_remind_shipping": remind_shipping,
        "trade_manage_order_settlement": settlement,
        "wxa_media_check": media_check,
        "subscribe_msg_popup_event": popup,
        "subscribe_msg_change_event": change,
    }


@bp.get("/wechat/push")
@doc(
    summary="WeChat's check of the push URL: echoes echostr when the signature is right",
    description=_PUSH_HELP,
    tag="wechat",
    query_params=_URL_CHECK,
    response={"type": "string"},
    media_type="text/plain",
    errors=(400, 401, 503),
)
async def verify(request: Request) -> HTTPResponse:
    settings = runtime_of(request).settings
    echostr = service.verify_url(settings=settings, query=_query(request), remote=_remote(request))
    return text(echostr)


@bp.post("/wechat/push")
@doc(
    summary="A message push from WeChat (safe mode, JSON): answered `success`",
    description=_PUSH_HELP,
    tag="wechat",
    query_params=_PUSH,
    body=_ENCRYPTED,
    response={"type": "string", "enum": ["success"]},
    media_type="text/plain",
    errors=(400, 401, 403, 409, 503),
)
async def receive(request: Request) -> HTTPResponse:
    rt = runtime_of(request)
    opened = await service.open_push(
        settings=rt.settings,
        redis=rt.redis,
        query=_query(request),
        body=request.body,
        remote=_remote(request),
    )
    try:
        await service.dispatch(opened.payload, handlers(request))
    except BaseException:
        # WeChat retries a push that failed: the retry must not be refused as a replay.
        await service.forget(rt.redis, opened)
        raise
    return text("success")
