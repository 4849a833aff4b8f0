"""A Redis sorted-set schedule source: one-off schedules fire on the second they are due.

taskiq-redis's ListRedisScheduleSource files one-off schedules per minute, so a task can
fire up to a minute late; here every schedule is a member of one sorted set scored by
its due time, and the scheduler (refreshing every second) fetches only what is due soon.

The scheduler remembers the ids it has sent until a refresh stops listing them, so the
ids it is handed carry the due time (`<schedule id>@<due ms>`): a schedule moved or
re-added under the same id is a new one to it, and sending or deleting an older version
never touches the newer one.

Taskiq's scheduler loop wakes on whole seconds and sends what is due by then, so a job
would fire up to a second late and every second's jobs would reach the workers in one
burst. The scheduler is told each schedule is due one tick early, and `pre_send` waits
for the real due time: jobs go out on time, spread over the second, never early.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from taskiq import ScheduledTask, ScheduleSource
from taskiq.exceptions import ScheduledTaskCancelledError

from mall.observability import SCHEDULE_SEND_LATENESS, SCHEDULES_SENT

VERSION_SEPARATOR = "@"
# Put on each delayed job's message: when it was due (ms since the epoch). The worker
# measures how late the job starts against it (tasks/metrics.py).
DUE_LABEL = "mall_due_ms"
# Taskiq's scheduler loop ticks every second (it cannot tick faster).
SCHEDULER_TICK = timedelta(seconds=1)

# Remove a schedule only if it is still the version that was sent (not re-added since).
_DELETE_IF_VERSION = """
local score = redis.call('ZSCORE', KEYS[1], ARGV[1])
if score and math.floor(tonumber(score) * 1000 + 0.5) == tonumber(ARGV[2]) then
  redis.call('ZREM', KEYS[1], ARGV[1])
  redis.call('HDEL', KEYS[2], ARGV[1])
  return 1
end
return 0
"""


def _due_ms(score: float) -> int:
    return int(score * 1000 + 0.5)


def _split(versioned_id: str) -> tuple[str, int]:
    base, _, version = versioned_id.rpartition(VERSION_SEPARATOR)
    return base, int(version)


class SortedSetScheduleSource(ScheduleSource):
    """Schedules in `<prefix>:due` (score = due time) with their bodies in `<prefix>:data`;
    the prefix carries a hash tag, so both keys share one Redis Cluster slot."""

    def __init__(
        self,
        connect: Callable[[], Any],
        *,
        prefix: str = "mall:schedule:{s}",
        horizon: float = 5.0,
        batch: int = 10_000,
    ) -> None:
        super().__init__()
        self.connect = connect
        self.due_key = f"{prefix}:due"
        self.data_key = f"{prefix}:data"
        self.horizon = horizon
        self.batch = batch
        self._redis: Any = None

    @property
    def redis(self) -> Any:
        """The source's own client (built on first use by `connect`): a burst (an API
        worker's orders, hundreds of sends due at one scheduler tick) waits for a
        connection rather than failing."""
        if self._redis is None:
            self._redis = self.connect()
        return self._redis

    async def shutdown(self) -> None:
        if self._redis is not None:
            await self._redis.aclose()
            self._redis = None

    async def add_schedule(self, schedule: ScheduledTask) -> None:
        async with self.redis.pipeline(transaction=False) as pipe:
            self.queue_add(pipe, schedule)
            await pipe.execute()

    def queue_add(self, pipe: Any, schedule: ScheduledTask) -> None:
        """Add a schedule through another client's pipeline on the same Redis (one round
        trip with other work); the body goes in before the due time that points to it."""
        if schedule.time is None:
            raise ValueError("only one-off (time) schedules are kept in the sorted set")
        pipe.hset(self.data_key, schedule.schedule_id, schedule.model_dump_json())
        pipe.zadd(self.due_key, {schedule.schedule_id: schedule.time.timestamp()})

    async def delete_schedule(self, schedule_id: str) -> None:
        async with self.redis.pipeline(transaction=False) as pipe:
            self.queue_delete(pipe, schedule_id)
            await pipe.execute()

    def queue_delete(self, pipe: Any, schedule_id: str) -> None:
        """Remove a schedule through another client's pipeline on the same Redis."""
        pipe.zrem(self.due_key, schedule_id)
        pipe.hdel(self.data_key, schedule_id)

    async def get_schedules(self) -> list[ScheduledTask]:
        """Everything due within the horizon, overdue ones included (scheduler was down)."""
        ids: list[Any] = await self.redis.zrangebyscore(
            self.due_key, "-inf", time.time() + self.horizon, start=0, num=self.batch
        )
        if not ids:
            return []
        bodies: list[Any] = await self.redis.hmget(self.data_key, ids)
        schedules = []
        for body in bodies:
            if body is None:
                continue
            task = ScheduledTask.model_validate_json(body)
            assert task.time is not None
            due_ms = _due_ms(task.time.timestamp())
            task.schedule_id = f"{task.schedule_id}{VERSION_SEPARATOR}{due_ms}"
            task.labels = {**task.labels, DUE_LABEL: str(due_ms)}
            # Picked up on the tick before it is due; pre_send waits for the due time.
            task.time -= SCHEDULER_TICK
            schedules.append(task)
        return schedules

    async def pre_send(self, task: ScheduledTask) -> None:
        base, version = _split(task.schedule_id)
        early = version / 1000 - time.time()
        if early > 0:
            await asyncio.sleep(early)
        # The scheduler holds fetched schedules in memory: one deleted (order paid) or
        # moved since must not be sent.
        score = await self.redis.zscore(self.due_key, base)
        if score is None or _due_ms(score) != version:
            raise ScheduledTaskCancelledError
        # The scheduler's share of a job's lateness: the send follows at once.
        SCHEDULE_SEND_LATENESS.labels(task.task_name).observe(max(time.time() - version / 1000, 0))

    async def post_send(self, task: ScheduledTask) -> None:
        base, version = _split(task.schedule_id)
        SCHEDULES_SENT.labels(task.task_name).inc()
        await self.redis.eval(_DELETE_IF_VERSION, 2, self.due_key, self.data_key, base, version)

    async def pending(self) -> int:
        """How many schedules wait (metrics, tests)."""
        return int(await self.redis.zcard(self.due_key))
