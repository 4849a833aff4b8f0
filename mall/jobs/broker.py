"""taskiq-redis's stream broker, made to keep its promise when workers die or Redis forgets.

`RedisStreamBroker.listen` (taskiq-redis 1.2) looks for a dead worker's unacknowledged
messages only right after a read that returned new ones: on a quiet queue, a task taken
by a worker killed mid-run waits for unrelated traffic before anyone runs it again. And
when the stream or its consumer group disappears (Redis restarted without persistence,
FLUSHDB), the blocked read raises and the worker process dies and is restarted.

Here every round first claims the messages idle for `idle_timeout` (XAUTOCLAIM is atomic
per entry, so no lock is needed), then reads new ones, and a lost group is simply
declared again. Only the broker's own queue is read (no `additional_streams`).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncGenerator
from typing import Any

from redis.asyncio import Redis, ResponseError
from taskiq import AckableMessage
from taskiq_redis import RedisStreamBroker

from mall.config import Settings
from mall.jobs.schedule_source import SortedSetScheduleSource

log = logging.getLogger("mall.tasks")

# Redis's answers when the stream or the group is gone: before a read, and to a read
# that was blocked when the key was deleted.
LOST_GROUP_ERRORS = ("NOGROUP", "UNBLOCKED")


class ReclaimingStreamBroker(RedisStreamBroker):
    """A RedisStreamBroker that redelivers a dead worker's tasks even when nothing else comes."""

    async def listen(self) -> AsyncGenerator[AckableMessage, None]:
        """Each round: messages idle for `idle_timeout` ms (claimed from dead workers), then
        new ones (waiting up to `xread_block` ms for them only if nothing was claimed)."""
        async with Redis(connection_pool=self.connection_pool) as redis_conn:
            while True:
                try:
                    claimed: Any = await redis_conn.xautoclaim(
                        name=self.queue_name,
                        groupname=self.consumer_group_name,
                        consumername=self.consumer_name,
                        min_idle_time=self.idle_timeout,
                        count=self.unacknowledged_batch_size,
                    )
                    # Entries trimmed from the stream meanwhile come back without fields.
                    messages = [(msg_id, data) for msg_id, data in claimed[1] if data]
                    fetched: Any = await redis_conn.xreadgroup(
                        self.consumer_group_name,
                        self.consumer_name,
                        {self.queue_name: ">"},
                        block=None if messages else self.block,
                        noack=False,
                        count=self.count,
                    )
                except ResponseError as exc:
                    if not str(exc).startswith(LOST_GROUP_ERRORS):
                        raise
                    log.warning(
                        "task stream %s lost its consumer group; recreating it: %s",
                        self.queue_name,
                        exc,
                    )
                    await self._declare_consumer_group()
                    continue
                messages += [msg for _, batch in fetched or [] for msg in batch]
                for msg_id, data in messages:
                    yield AckableMessage(
                        data=data[b"data"],
                        ack=self._ack_generator(id=msg_id, queue_name=self.queue_name),
                    )


TASK_QUEUE = "mall:tasks"
WORKER_GROUP = "mall-workers"
SCHEDULE_PREFIX = "mall:schedule"


def make_broker(settings: Settings) -> ReclaimingStreamBroker:
    """The broker every process uses: producers (API, scheduler) kick, workers consume.

    Acknowledged delivery: a worker killed mid-task gets its message redelivered after
    `task_redelivery_ms`, so every task must be safe to run twice.
    """
    return ReclaimingStreamBroker(
        url=settings.redis_url,
        queue_name=TASK_QUEUE,
        consumer_group_name=WORKER_GROUP,
        # A group created after messages were queued (fresh Redis) still reads them all.
        consumer_id="0",
        maxlen=100_000,
        idle_timeout=settings.task_redelivery_ms,
    )


def make_schedule_source(settings: Settings) -> SortedSetScheduleSource:
    """One-off schedules (delayed jobs) in a Redis sorted set."""
    return SortedSetScheduleSource(settings.redis_url, prefix=SCHEDULE_PREFIX)
