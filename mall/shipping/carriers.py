"""WeChat's carrier list (get_delivery_list), cached in Redis for every process.

upload_shipping_info wants WeChat's carrier codes, so staff ship with one of these. The
list changes rarely: it is cached for `wechat_carriers_ttl`, and a copy without expiry
stands in while WeChat cannot be reached.
"""

from __future__ import annotations

import logging

import orjson
import redis.asyncio as aioredis

from mall.errors import UpstreamError, ValidationFailed
from mall.wechat import wxa
from mall.wechat.miniprogram import MiniProgramClient, WeChatError

log = logging.getLogger("mall.shipping")

CACHE_KEY = "mall:wechat:carriers"
FALLBACK_KEY = "mall:wechat:carriers:last"


def _decode(raw: str | bytes | None) -> list[wxa.Carrier] | None:
    if raw is None:
        return None
    return [wxa.Carrier(code=c["code"], name=c["name"]) for c in orjson.loads(raw)]


async def get_all(
    *, client: MiniProgramClient, redis: aioredis.Redis, ttl: int
) -> list[wxa.Carrier]:
    """Every carrier, from the cache or WeChat; 502 when neither has them."""
    cached = _decode(await redis.get(CACHE_KEY))
    if cached is not None:
        return cached
    try:
        carriers = await wxa.get_delivery_list(client)
    except WeChatError as exc:
        fallback = _decode(await redis.get(FALLBACK_KEY))
        if fallback is not None:
            log.warning("get_delivery_list failed (%s); using the last list", exc)
            return fallback
        raise UpstreamError(
            "WeChat's carrier list is unavailable; try again",
            code="carriers_unavailable",
            details={"errcode": exc.errcode, "errmsg": exc.errmsg},
        ) from None
    raw = orjson.dumps([{"code": c.code, "name": c.name} for c in carriers])
    async with redis.pipeline(transaction=False) as pipe:
        pipe.set(CACHE_KEY, raw, ex=ttl)
        pipe.set(FALLBACK_KEY, raw)
        await pipe.execute()
    return carriers


async def get(
    *, client: MiniProgramClient, redis: aioredis.Redis, ttl: int, code: str
) -> wxa.Carrier:
    """The carrier with this code; 422 naming carrier_code when WeChat has none."""
    for carrier in await get_all(client=client, redis=redis, ttl=ttl):
        if carrier.code == code:
            return carrier
    raise ValidationFailed(
        details=[
            {
                "field": "carrier_code",
                "message": "not one of WeChat's carrier codes (GET /api/admin/carriers)",
                "type": "unknown_carrier",
            }
        ]
    )
