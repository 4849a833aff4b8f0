"""The task broker: an acknowledged Redis stream that redelivers a dead worker's tasks, on
standalone Redis, Sentinel or Cluster alike.

taskiq-redis has a stream broker per Redis shape, and only the standalone one reclaims
the messages a killed worker took; that one also looks for them only right after a read
that returned new ones (on a quiet queue a dead worker's task waits for unrelated
traffic), and dies when the stream or its group disappears (Redis restarted without
persistence, FLUSHDB). This broker takes a client of any shape (mall/resources.py) and
every round first claims the messages idle for `idle_timeout` (XAUTOCLAIM is atomic per
entry, so no lock is needed), then reads new ones; a lost group is simply declared again.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import AsyncGenerator, Awaitable, Callable
from typing import Any

from redis.exceptions import ResponseError
from taskiq import AckableMessage, AsyncBroker, BrokerMessage

from mall.config import Settings
from mall.jobs.schedule_source import SortedSetScheduleSource
from mall.resources import redis_client

log = logging.getLogger("mall.tasks")

TASK_QUEUE = "mall:tasks"
WORKER_GROUP = "mall-workers"
SCHEDULE_PREFIX = "mall:schedule:{s}"

# Redis's answers when the stream or the group is gone: before a read, and to a read
# that was blocked when the key was deleted.
LOST_GROUP_ERRORS = ("NOGROUP", "UNBLOCKED")


class StreamBroker(AsyncBroker):
    """Tasks in one Redis stream read by a consumer group; a task is acknowledged after it
    ran, and one taken by a worker that died is redelivered after `idle_timeout` ms."""

    def __init__(
        self,
        connect: Callable[[], Any],
        *,
        queue_name: str = TASK_QUEUE,
        consumer_group_name: str = WORKER_GROUP,
        idle_timeout: int = 60_000,
        maxlen: int = 100_000,
        block_ms: int = 2000,
        batch: int = 100,
    ) -> None:
        super().__init__()
        self.connect = connect
        self.queue_name = queue_name
        self.consumer_group_name = consumer_group_name
        self.consumer_name = str(uuid.uuid4())
        self.idle_timeout = idle_timeout
        self.maxlen = maxlen
        self.block = block_ms
        self.batch = batch
        self._redis: Any = None

    @property
    def redis(self) -> Any:
        if self._redis is None:
            self._redis = self.connect()
        return self._redis

    async def startup(self) -> None:
        await super().startup()
        await self._declare_consumer_group()

    async def shutdown(self) -> None:
        if self._redis is not None:
            await self._redis.aclose()
            self._redis = None
        await super().shutdown()

    async def _declare_consumer_group(self) -> None:
        try:
            # From the start: a group created after messages were queued (fresh Redis)
            # still reads them all.
            await self.redis.xgroup_create(
                self.queue_name, self.consumer_group_name, id="0", mkstream=True
            )
        except ResponseError as err:
            if "BUSYGROUP" not in str(err):
                raise

    async def kick(self, message: BrokerMessage) -> None:
        await self.redis.xadd(
            self.queue_name, {b"data": message.message}, maxlen=self.maxlen, approximate=True
        )

    def _ack(self, message_id: Any) -> Callable[[], Awaitable[None]]:
        async def ack() -> None:
            await self.redis.xack(self.queue_name, self.consumer_group_name, message_id)

        return ack

    async def listen(self) -> AsyncGenerator[AckableMessage, None]:
        """Each round: messages idle for `idle_timeout` ms (claimed from dead workers), then
        new ones (waiting up to `block_ms` for them only if nothing was claimed)."""
        while True:
            try:
                claimed: Any = await self.redis.xautoclaim(
                    name=self.queue_name,
                    groupname=self.consumer_group_name,
                    consumername=self.consumer_name,
                    min_idle_time=self.idle_timeout,
                    count=self.batch,
                )
                # Entries trimmed from the stream meanwhile come back without fields.
                messages = [(msg_id, data) for msg_id, data in claimed[1] if data]
                fetched: Any = await self.redis.xreadgroup(
                    self.consumer_group_name,
                    self.consumer_name,
                    {self.queue_name: ">"},
                    block=None if messages else self.block,
                    noack=False,
                    count=self.batch,
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
                yield AckableMessage(data=data[b"data"], ack=self._ack(msg_id))


def make_broker(settings: Settings) -> StreamBroker:
    """The broker every process uses: producers (API, scheduler) kick, workers consume.

    Acknowledged delivery: a worker killed mid-task gets its message redelivered after
    `task_redelivery_ms`, so every task must be safe to run twice. Its client waits longer
    than a blocked read (raw bytes, as taskiq expects).
    """
    return StreamBroker(
        lambda: redis_client(settings, decode=False, max_connections=20, socket_timeout=30),
        idle_timeout=settings.task_redelivery_ms,
    )


def make_schedule_source(settings: Settings) -> SortedSetScheduleSource:
    """One-off schedules (delayed jobs) in a Redis sorted set."""
    return SortedSetScheduleSource(
        lambda: redis_client(settings, decode=False, max_connections=50),
        prefix=SCHEDULE_PREFIX,
    )
