"""The periodic sweep of every WeChat integration, run by a worker every few seconds.

Each integration keeps its own state in PostgreSQL (what is due, and when); this finds
what is due and runs it, so nothing is lost when a kick after commit was, a worker died,
or WeChat was down: shipping uploads and their retries, subscription messages from the
outbox, review image checks, and the message jump path.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

import redis.asyncio as aioredis

from mall.config import Settings
from mall.notify import messages
from mall.reviews import moderation
from mall.shipping import sync
from mall.wechat.miniprogram import MiniProgramClient

log = logging.getLogger("mall.wechat")


async def _step(name: str, work: Callable[[], Awaitable[int]], done: dict[str, int]) -> None:
    try:
        done[name] = await work()
    except Exception:
        # One integration's trouble must not stop the others.
        log.exception("wechat sweep: %s failed", name)
        done[name] = -1


async def sweep(
    *, client: MiniProgramClient, redis: aioredis.Redis, settings: Settings
) -> dict[str, int]:
    """Run whatever is due; counts per integration (-1: that step failed, logged)."""
    done: dict[str, int] = {}

    async def shipping() -> int:
        outcomes = [
            await sync.sync(
                client=client, order_id=order_id, retry_scale=settings.wechat_retry_scale
            )
            for order_id in await sync.due()
        ]
        return outcomes.count("synced")

    async def subscription_messages() -> int:
        await messages.give_up_stuck()
        await messages.collect(settings=settings)
        outcomes = [
            await messages.send(client=client, settings=settings, message_id=message_id)
            for message_id in await messages.due()
        ]
        return outcomes.count("sent")

    async def media_checks() -> int:
        return await moderation.submit_due(client=client, settings=settings)

    async def jump_path() -> int:
        changed = await sync.ensure_jump_path(
            client=client, redis=redis, path=settings.wechat_order_page
        )
        return int(changed)

    steps: list[tuple[str, Callable[[], Awaitable[Any]]]] = [
        ("shipping", shipping),
        ("messages", subscription_messages),
        ("media_checks", media_checks),
        ("jump_path", jump_path),
    ]
    for name, work in steps:
        await _step(name, work, done)
    return done
