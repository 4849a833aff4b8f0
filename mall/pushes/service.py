"""WeChat's message pushes (消息推送), safe mode: verified, opened, handed to their domain.

A push is accepted only when its msg_signature matches (token, timestamp, nonce, Encrypt),
its timestamp is within the allowed skew, its ciphertext opens with our EncodingAESKey
and names our appid, and it has not been seen before. Anything else is refused with a
4xx, logged, and changes nothing.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

import orjson
import redis.asyncio as aioredis

from mall.config import Settings
from mall.errors import BadRequest, Conflict, Forbidden, ServiceUnavailable, Unauthorized
from mall.wechat.pushcrypto import (
    PushCryptoError,
    PushKeys,
    decrypt,
    signature,
    signatures_match,
)

log = logging.getLogger("mall.pushes")

SEEN_PREFIX = "mall:wechat:push:seen:"

Handler = Callable[[dict[str, Any]], Awaitable[None]]


def push_keys(settings: Settings) -> PushKeys:
    """The configured token and key; 503 when pushes are not set up."""
    if not settings.wechat_push_token or not settings.wechat_push_aes_key:
        raise ServiceUnavailable(
            "WeChat pushes are not configured (MALL_WECHAT_PUSH_TOKEN, _AES_KEY)",
            code="push_unavailable",
        )
    try:
        return PushKeys.of(
            token=settings.wechat_push_token,
            encoding_aes_key=settings.wechat_push_aes_key,
            appid=settings.wechat_appid,
        )
    except ValueError as exc:
        raise ServiceUnavailable(
            f"MALL_WECHAT_PUSH_AES_KEY is not an EncodingAESKey: {exc}", code="push_unavailable"
        ) from None


def _refuse(error: Exception, why: str, remote: str) -> Exception:
    log.warning("refused a WeChat push from %s: %s", remote, why)
    return error


def _fresh_timestamp(raw: str | None, *, max_skew: int, remote: str) -> int:
    try:
        stamp = int(raw or "")
    except ValueError:
        raise _refuse(
            BadRequest("timestamp is not a number", code="malformed_push"), "bad timestamp", remote
        ) from None
    if abs(time.time() - stamp) > max_skew:
        raise _refuse(
            Unauthorized("The push is too old or from the future", code="stale_push"),
            f"timestamp {stamp} is {time.time() - stamp:+.0f}s off",
            remote,
        )
    return stamp


def verify_url(*, settings: Settings, query: Mapping[str, str], remote: str) -> str:
    """WeChat's URL check (GET): the echostr back when signature = SHA1(token, ts, nonce)."""
    keys = push_keys(settings)
    stamp, nonce = query.get("timestamp", ""), query.get("nonce", "")
    expected = signature(keys.token, stamp, nonce)
    if not signatures_match(expected, query.get("signature")):
        raise _refuse(
            Unauthorized("Bad signature", code="invalid_signature"), "bad URL signature", remote
        )
    _fresh_timestamp(stamp, max_skew=settings.wechat_push_max_skew, remote=remote)
    return query.get("echostr", "")


@dataclass(frozen=True, slots=True)
class OpenedPush:
    """A verified push: its event fields, and the key that marks it seen."""

    payload: dict[str, Any]
    seen_key: str


async def open_push(
    *,
    settings: Settings,
    redis: aioredis.Redis,
    query: Mapping[str, str],
    body: bytes,
    remote: str,
) -> OpenedPush:
    """Verify and decrypt a safe-mode push, and claim it against replays."""
    keys = push_keys(settings)
    stamp, nonce = query.get("timestamp", ""), query.get("nonce", "")
    given = query.get("msg_signature")
    try:
        envelope = orjson.loads(body or b"null")
    except orjson.JSONDecodeError:
        envelope = None
    encrypted = envelope.get("Encrypt") if isinstance(envelope, dict) else None
    if not isinstance(encrypted, str) or not given or not nonce:
        raise _refuse(
            BadRequest(
                "A safe-mode push has msg_signature, timestamp, nonce and an Encrypt field",
                code="malformed_push",
            ),
            "not a safe-mode push",
            remote,
        )
    if not signatures_match(signature(keys.token, stamp, nonce, encrypted), given):
        raise _refuse(
            Unauthorized("Bad msg_signature", code="invalid_signature"), "bad msg_signature", remote
        )
    _fresh_timestamp(stamp, max_skew=settings.wechat_push_max_skew, remote=remote)
    try:
        message, appid = decrypt(encrypted, aes_key=keys.aes_key)
        payload = orjson.loads(message)
    except (PushCryptoError, orjson.JSONDecodeError) as exc:
        raise _refuse(
            BadRequest("The push does not decrypt", code="bad_ciphertext"), str(exc), remote
        ) from None
    if appid != keys.appid:
        raise _refuse(
            Forbidden("The push is for another mini-program", code="wrong_appid"),
            f"appid {appid!r}",
            remote,
        )
    if not isinstance(payload, dict):
        raise _refuse(
            BadRequest("The push is not a JSON object", code="malformed_push"), "not JSON", remote
        )
    # The signature covers timestamp, nonce and ciphertext: one push, one signature. Kept for
    # twice the skew, so a replay is refused as replayed or, once forgotten, as stale.
    seen_key = SEEN_PREFIX + given
    if not await redis.set(seen_key, "1", nx=True, ex=2 * settings.wechat_push_max_skew):
        raise _refuse(
            Conflict("This push was received already", code="replayed_push"),
            f"replay of {given}",
            remote,
        )
    return OpenedPush(payload=payload, seen_key=seen_key)


async def forget(redis: aioredis.Redis, opened: OpenedPush) -> None:
    """Handling failed: let WeChat's retry of the same push through."""
    try:
        await redis.delete(opened.seen_key)
    except Exception:
        log.warning("could not forget push %s", opened.seen_key, exc_info=True)


async def dispatch(payload: dict[str, Any], handlers: Mapping[str, Handler]) -> bool:
    """Run the handler of the push's event; False (logged) for events the shop ignores."""
    event = payload.get("Event")
    handler = handlers.get(event) if isinstance(event, str) else None
    if handler is None:
        log.info("ignoring WeChat push %r", event)
        return False
    await handler(payload)
    return True
