"""No single scheduler: any number run, one leads at a time by a lease in Redis.

Each scheduler renews or takes the lease every time its sources are read (every second):
the leader hands out schedules, the others hand out nothing. A leader that dies (or
freezes) stops renewing; within LEASE_MS a standby takes over, so a delayed cancellation
is late by a few seconds at most. Two schedulers overlapping in a handover at worst send
a task twice, and every task is safe to run twice.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from collections.abc import Callable
from typing import Any

from taskiq import ScheduledTask, ScheduleSource

log = logging.getLogger("mall.tasks")

LEASE_KEY = "mall:scheduler:{leader}"
LEASE_MS = 3000

# Renew the lease if we hold it, else take it if free. 1 when held after the call.
_HOLD = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  return 1
end
return 0
"""

# Let go of the lease (a scheduler shutting down cleanly), if it is ours.
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


class LeaderLease:
    """This scheduler's claim to lead."""

    def __init__(self, connect: Callable[[], Any], *, ttl_ms: int = LEASE_MS) -> None:
        self.connect = connect
        self.ttl_ms = ttl_ms
        # Names the holder: which process leads is visible in Redis (operators, tests).
        self.token = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.leading = False
        self._redis: Any = None

    @property
    def redis(self) -> Any:
        if self._redis is None:
            self._redis = self.connect()
        return self._redis

    async def hold(self) -> bool:
        """Renew or take the lease; whether this scheduler leads now."""
        try:
            held = bool(await self.redis.eval(_HOLD, 1, LEASE_KEY, self.token, self.ttl_ms))
        except Exception:
            log.warning("could not reach Redis for the scheduler lease", exc_info=True)
            held = False
        if held != self.leading:
            log.warning("this scheduler %s", "leads now" if held else "no longer leads")
        self.leading = held
        return held

    async def release(self) -> None:
        if self._redis is None:
            return
        try:
            await self.redis.eval(_RELEASE, 1, LEASE_KEY, self.token)
        finally:
            await self._redis.aclose()
            self._redis = None


class LeaderOnly(ScheduleSource):
    """A schedule source that hands out its schedules only while this scheduler leads."""

    def __init__(self, source: ScheduleSource, lease: LeaderLease) -> None:
        super().__init__()
        self.source = source
        self.lease = lease

    async def startup(self) -> None:
        await self.source.startup()

    async def shutdown(self) -> None:
        await self.source.shutdown()

    async def get_schedules(self) -> list[ScheduledTask]:
        if not await self.lease.hold():
            return []
        return await self.source.get_schedules()

    async def pre_send(self, task: ScheduledTask) -> None:
        # taskiq lets a source's hook be a plain function or a coroutine.
        step = self.source.pre_send(task)
        if step is not None:
            await step

    async def post_send(self, task: ScheduledTask) -> None:
        step = self.source.post_send(task)
        if step is not None:
            await step

    async def add_schedule(self, schedule: ScheduledTask) -> None:
        await self.source.add_schedule(schedule)

    async def delete_schedule(self, schedule_id: str) -> None:
        await self.source.delete_schedule(schedule_id)
