"""What follows an order change's commit: its events out, its schedules set, caches dropped.

All in one Redis round trip, shielded from the request's cancellation (a client that
hangs up, WeChat's 5 s timeout): what committed is always announced. If Redis fails, the
events are retried by this process in order (mall/events.py), the overdue sweep cancels
and confirms what a lost schedule left (a task finding its order settled does nothing),
and cached details expire.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from mall import events
from mall.runtime import Runtime

log = logging.getLogger("mall.orders")

Schedules = Callable[[Any], None]


async def after_commit(
    rt: Runtime,
    *,
    what: str,
    recorded: Sequence[events.Publishable],
    product_ids: Iterable[int] = (),
    schedules: Schedules | None = None,
) -> None:
    """Publish a committed change's events, add or remove its schedules and drop the cached
    details of the products whose stock or sales moved, in one pipeline."""
    await asyncio.shield(_after_commit(rt, what, list(recorded), set(product_ids), schedules))


async def _after_commit(
    rt: Runtime,
    what: str,
    recorded: list[events.Publishable],
    product_ids: set[int],
    schedules: Schedules | None,
) -> None:
    publish = recorded
    if rt.events.blocked(recorded):
        # Earlier events of these channels wait for a retry: these go behind them.
        rt.events.failed(recorded)
        publish = []
    batch: list[events.Publishable] = []
    try:
        async with rt.redis.pipeline(transaction=False) as pipe:
            batch = rt.events.queue(pipe, publish)
            if schedules is not None:
                schedules(pipe)
            rt.catalog_cache.queue_drop_product_details(pipe, product_ids)
            results = await pipe.execute()
    except Exception:
        log.warning("after %s", what, exc_info=True)
        rt.events.failed(publish)
        return
    rt.events.sent(batch, results[: len(batch)])
