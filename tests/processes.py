"""Real `mall` processes (worker, scheduler, API) for tests, with readiness probes.

Each process is a mall.supervise.Child running `python -m mall.cli ...` in its own process
group (so a kill reaches taskiq's child processes too), inherits the test process's
environment (conftest points it at the test database, Redis and the WeChat simulator) and
writes to a log file whose tail is shown when something goes wrong.
"""

from __future__ import annotations

import asyncio
import signal
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import httpx
import redis.asyncio as aioredis

from mall.jobs import Jobs
from mall.supervise import Child, mall_argv

ROOT = Path(__file__).resolve().parent.parent
STOP_TIMEOUT = 5.0
STREAM = "mall:tasks"
GROUP = "mall-workers"
SCHEDULE_DUE_KEY = "mall:schedule:{s}:due"
# A harmless task for probes: it only deletes expired refresh-token rows.
PROBE_TASK = "mall.purge_expired_refresh_tokens"

T = TypeVar("T")


class MallProcess(Child):
    """One `mall <command>` subprocess (mall/supervise.py) that tests start, kill, restart."""

    def __init__(self, name: str, argv: Sequence[str], *, env: dict[str, str], log_dir: Path):
        super().__init__(name, mall_argv(argv), env=env, log_path=log_dir / f"{name}.log", cwd=ROOT)

    def kill(self, signum: int = signal.SIGKILL) -> None:
        """Signal the whole process group (taskiq's workers included); SIGKILL reaps it."""
        self.signal(signum)

    async def stop(self, timeout: float = STOP_TIMEOUT) -> bool:  # type: ignore[override]
        """Child.stop off the event loop: a stopping process may still call the app or the
        simulator running in the test process."""
        return await asyncio.to_thread(Child.stop, self, timeout)


def describe(processes: Sequence[MallProcess]) -> str:
    """The state and log tail of each process, for assertion messages."""
    parts = []
    for proc in processes:
        code = None if proc.process is None else proc.process.poll()
        state = "running" if proc.running else f"exited ({code})"
        parts.append(f"=== {proc.name}: {state}\n{proc.log_tail()}")
    return "\n".join(parts)


async def wait_until(
    check: Callable[[], Awaitable[T | None]],
    *,
    timeout: float,
    what: str,
    watch: Sequence[MallProcess] = (),
    interval: float = 0.05,
) -> T:
    """Poll CHECK (never blocking the loop: the app and the simulator run on it) until truthy."""
    deadline = time.monotonic() + timeout
    while True:
        result = await check()
        if result:
            return result
        died = [p for p in watch if p.process is not None and not p.running]
        if died or time.monotonic() > deadline:
            reason = f"{died[0].name} died" if died else f"not within {timeout:.1f}s"
            raise AssertionError(f"{what}: {reason}\n{describe(watch)}")
        await asyncio.sleep(interval)


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


async def worker_caught_up(redis: aioredis.Redis) -> bool:
    """Every message in the task stream was delivered to the group and acknowledged."""
    try:
        stream = await redis.xinfo_stream(STREAM)
        groups = await redis.xinfo_groups(STREAM)
    except aioredis.ResponseError:  # no stream yet
        return False
    group = next((g for g in groups if _text(g["name"]) == GROUP), None)
    if group is None:
        return False
    last = _text(stream["last-generated-id"])
    return _text(group["last-delivered-id"]) == last and int(group["pending"]) == 0


async def wait_worker_ready(
    redis: aioredis.Redis, jobs: Jobs, *, timeout: float, watch: Sequence[MallProcess]
) -> None:
    """Queue a probe task and wait until a worker has run and acknowledged it."""
    assert await jobs.kick(PROBE_TASK)

    async def caught_up() -> bool:
        return await worker_caught_up(redis)

    await wait_until(caught_up, timeout=timeout, what="worker consuming tasks", watch=watch)


async def wait_scheduler_ready(
    redis: aioredis.Redis, jobs: Jobs, *, timeout: float, watch: Sequence[MallProcess]
) -> None:
    """Schedule a probe due now and wait until the scheduler has sent it (and dropped it)."""
    schedule_id = f"probe:{uuid.uuid4().hex}"
    assert await jobs.schedule(PROBE_TASK, at=datetime.now(UTC), schedule_id=schedule_id)

    async def sent() -> bool:
        return await redis.zscore(SCHEDULE_DUE_KEY, schedule_id) is None

    await wait_until(sent, timeout=timeout, what="scheduler sending schedules", watch=watch)


async def wait_http_ready(base_url: str, *, timeout: float, watch: Sequence[MallProcess]) -> None:
    """Wait until GET /health/ready answers 200 (PostgreSQL and Redis reachable)."""
    async with httpx.AsyncClient(base_url=base_url, timeout=2) as http:

        async def ready() -> bool:
            try:
                return (await http.get("/health/ready")).status_code == 200
            except httpx.HTTPError:
                return False

        await wait_until(
            ready, timeout=timeout, what=f"{base_url} ready", watch=watch, interval=0.1
        )
