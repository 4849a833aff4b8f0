"""The periodic sweep of every WeChat integration, run by a worker every few seconds.

Each integration keeps its own state in PostgreSQL (what is due, and when); this finds
what is due and runs it, so nothing is lost when a kick after commit was, a worker died,
or WeChat was down: shipping uploads and their retries, subscription messages from the
outbox, review image checks, and the message jump path.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from mall.notify import messages
from mall.reviews import moderation
from mall.runtime import Runtime
from mall.shipping import sync

log = logging.getLogger("mall.wechat")


async def sweep(rt: Runtime) -> dict[str, int]:
    """Run whatever is due; counts per integration (-1: that step failed, logged)."""

    async def shipping() -> int:
        outcomes = [await sync.sync(rt, order_id=order_id) for order_id in await sync.due()]
        return outcomes.count("synced")

    async def subscription_messages() -> int:
        await messages.give_up_stuck()
        await messages.collect(rt)
        outcomes = [
            await messages.send(rt, message_id=message_id) for message_id in await messages.due()
        ]
        return outcomes.count("sent")

    async def media_checks() -> int:
        return await moderation.submit_due(rt)

    async def jump_path() -> int:
        return int(await sync.ensure_jump_path(rt))

    steps: list[tuple[str, Callable[[], Awaitable[int]]]] = [
        ("shipping", shipping),
        ("messages", subscription_messages),
        ("media_checks", media_checks),
        ("jump_path", jump_path),
    ]
    done: dict[str, int] = {}
    for name, work in steps:
        try:
            done[name] = await work()
        except Exception:
            # One integration's trouble must not stop the others.
            log.exception("wechat sweep: %s failed", name)
            done[name] = -1
    return done
