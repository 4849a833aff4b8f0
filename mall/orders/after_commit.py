"""What follows an order change's commit: its events out, its schedules set, caches dropped.

All in one Redis round trip. If Redis fails, nothing is lost: the outbox sweeper publishes
the events, the overdue sweep cancels and confirms what a lost schedule left (a task
finding its order settled does nothing), and cached details expire.
"""

from __future__ import annotations

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
    try:
        async with rt.redis.pipeline(transaction=False) as pipe:
            batch = rt.events.queue(pipe, recorded)
            if schedules is not None:
                schedules(pipe)
            rt.catalog_cache.queue_drop_product_details(pipe, product_ids)
            results = await pipe.execute()
    except Exception:
        log.warning("after %s", what, exc_info=True)
        return
    rt.events.sent(batch, results[: len(batch)])
