"""A Redis sorted-set schedule source: one-off schedules fire on the second they are due.

taskiq-redis's ListRedisScheduleSource files one-off schedules per minute, so a task can
fire up to a minute late; here every schedule is a member of one sorted set scored by
its due time, and the scheduler (refreshing every second) fetches only what is due soon.
"""

from __future__ import annotations

import time
from typing import Any

import redis.asyncio as aioredis
from taskiq import ScheduledTask, ScheduleSource
from taskiq.exceptions import ScheduledTaskCancelledError


class SortedSetScheduleSource(ScheduleSource):
    """Schedules in `<prefix>:due` (score = due time) with their bodies in `<prefix>:data`."""

    def __init__(
        self,
        url: str,
        *,
        prefix: str = "mall:schedule",
        horizon: float = 5.0,
        batch: int = 10_000,
        max_connections: int = 50,
    ) -> None:
        super().__init__()
        self.url = url
        self.due_key = f"{prefix}:due"
        self.data_key = f"{prefix}:data"
        self.horizon = horizon
        self.batch = batch
        self.max_connections = max_connections
        self._redis: aioredis.Redis | None = None

    @property
    def redis(self) -> aioredis.Redis:
        if self._redis is None:
            # Blocking: a burst (an API worker's orders, hundreds of sends due at one
            # scheduler tick) waits for a connection; the default pool raises "Too many
            # connections" past 100, and a send that fails is not retried by the scheduler.
            pool = aioredis.BlockingConnectionPool.from_url(
                self.url, max_connections=self.max_connections, timeout=10
            )
            self._redis = aioredis.Redis.from_pool(pool)
        return self._redis

    async def shutdown(self) -> None:
        if self._redis is not None:
            await self._redis.aclose()
            self._redis = None

    async def add_schedule(self, schedule: ScheduledTask) -> None:
        if schedule.time is None:
            raise ValueError("only one-off (time) schedules are kept in the sorted set")
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.hset(self.data_key, schedule.schedule_id, schedule.model_dump_json())
            pipe.zadd(self.due_key, {schedule.schedule_id: schedule.time.timestamp()})
            await pipe.execute()

    async def delete_schedule(self, schedule_id: str) -> None:
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.zrem(self.due_key, schedule_id)
            pipe.hdel(self.data_key, schedule_id)
            await pipe.execute()

    async def get_schedules(self) -> list[ScheduledTask]:
        """Everything due within the horizon, overdue ones included (scheduler was down)."""
        ids: list[Any] = await self.redis.zrangebyscore(
            self.due_key, "-inf", time.time() + self.horizon, start=0, num=self.batch
        )
        if not ids:
            return []
        bodies: list[Any] = await self.redis.hmget(self.data_key, ids)
        return [ScheduledTask.model_validate_json(body) for body in bodies if body is not None]

    async def pre_send(self, task: ScheduledTask) -> None:
        # The scheduler holds fetched schedules in memory: one deleted since (order paid)
        # must not be sent.
        if await self.redis.zscore(self.due_key, task.schedule_id) is None:
            raise ScheduledTaskCancelledError

    async def post_send(self, task: ScheduledTask) -> None:
        await self.delete_schedule(task.schedule_id)

    async def pending(self) -> int:
        """How many schedules wait (metrics, tests)."""
        return int(await self.redis.zcard(self.due_key))
