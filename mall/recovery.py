"""When Redis loses writes, put back what PostgreSQL knows.

A Redis restart loses what was not yet on disk (AOF fsyncs once a second); a Sentinel
failover loses what the old master had not yet sent to the new one; a restart without
persistence loses everything. PostgreSQL holds the truth of both things mall keeps in
Redis on the way out: events (the outbox) and delayed cancellations (the orders awaiting
payment). Every API process watches the identity of its Redis (the run ids of the
masters); when it changes, one of them (a lock on the new server) publishes the recent
outbox again (idempotent: what survived is skipped) and schedules every unpaid order's
cancellation again (idempotent: the same schedule id, the same due time).
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from typing import Any

from redis.asyncio.cluster import RedisCluster

from mall.orders.schedules import queue_cancel
from mall.runtime import Runtime
from models import Order, OrderStatus

log = logging.getLogger("mall.recovery")

WATCH_EVERY = 1.0
# How far back the outbox is published again: well past an fsync interval or a
# replication lag at failover.
REPUBLISH_WINDOW = timedelta(seconds=60)
RECOVERY_LOCK = "mall:recovered:{"
BATCH = 1000


async def redis_identity(redis: Any) -> str:
    """The run ids of the Redis master(s) this client writes to, as one string."""
    if isinstance(redis, RedisCluster):
        infos = await redis.info("server", target_nodes=RedisCluster.PRIMARIES)
        ids = sorted(str(info.get("run_id")) for info in infos.values())
        return ",".join(ids)
    info = await redis.info("server")
    return str(info.get("run_id"))


async def recover(rt: Runtime, *, identity: str) -> bool:
    """Put back the recent events and every unpaid order's cancellation, once per new
    Redis identity across the processes (False if another process did it)."""
    lock = f"{RECOVERY_LOCK}{identity}}}"
    if not await rt.redis.set(lock, "1", nx=True, ex=int(REPUBLISH_WINDOW.total_seconds())):
        return False
    try:
        sent = await rt.events.republish_recent(window=REPUBLISH_WINDOW)
        scheduled = await reschedule_unpaid(rt)
    except BaseException:
        # Not done: let the next look (this process or another) do it.
        await rt.redis.delete(lock)
        raise
    log.warning(
        "Redis changed (%s): %d recent events published again, %d cancellations scheduled",
        identity[:40],
        sent,
        scheduled,
    )
    return True


async def reschedule_unpaid(rt: Runtime) -> int:
    """Schedule the cancellation of every order awaiting payment (same ids: idempotent)."""
    count, last_id = 0, 0
    while True:
        rows = (
            await Order.filter(status=OrderStatus.PENDING_PAYMENT.value, id__gt=last_id)
            .order_by("id")
            .limit(BATCH)
            .values_list("id", "expires_at")
        )
        if not rows:
            return count
        async with rt.redis.pipeline(transaction=False) as pipe:
            for order_id, expires_at in rows:
                queue_cancel(rt.jobs, pipe, order_id=order_id, at=expires_at)
            await pipe.execute()
        count += len(rows)
        last_id = rows[-1][0]


async def watch_forever(rt: Runtime, interval: float = WATCH_EVERY) -> None:
    """Run in the background of an API process: recover whenever Redis's identity moves."""
    known: str | None = None
    while True:
        await asyncio.sleep(interval)
        try:
            identity = await redis_identity(rt.redis)
            if known is not None and identity != known:
                await recover(rt, identity=identity)
            known = identity
        except Exception:
            log.debug("Redis identity check failed; retrying", exc_info=True)
