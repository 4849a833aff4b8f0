"""Metrics of the Taskiq processes: task runs, durations and lateness, and queue depth.

Each worker process records its runs (TaskMetricsMiddleware); `mall worker` has pointed
them all at one multiprocess directory, and the first of them to bind
MALL_WORKER_METRICS_PORT serves the sum for all (a sibling that finds the port taken
leaves it; if the one serving dies, its replacement binds it again). The scheduler, one
process, serves its own on MALL_SCHEDULER_METRICS_PORT. Both add the queue's depth, read
from Redis at each scrape.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterator
from typing import Any

import redis.asyncio as aioredis
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from taskiq import TaskiqMessage, TaskiqMiddleware, TaskiqResult

from mall.config import Settings
from mall.jobs.broker import TASK_QUEUE, WORKER_GROUP, make_schedule_source
from mall.jobs.schedule_source import DUE_LABEL
from mall.observability import (
    TASK_DURATION,
    TASK_LATENESS,
    TASK_RUNS,
    TASKS_RUNNING,
    exposition,
    serve_metrics,
)
from mall.resources import redis_client

log = logging.getLogger("mall.metrics")

# The queue-depth gauges every Taskiq metrics endpoint adds, read from Redis per scrape.
QUEUE_GAUGES = {
    "mall_task_stream_length": "Entries in the task stream (kept up to its maxlen)",
    "mall_task_queue_waiting": "Tasks in the stream no worker has taken yet (Redis 7+)",
    "mall_task_queue_unacked": "Tasks taken and not acknowledged (running, or their worker died)",
    "mall_schedules_pending": "Delayed jobs waiting in the schedule source",
    "mall_schedules_overdue": "Delayed jobs past their due time, not yet sent",
}


class TaskMetricsMiddleware(TaskiqMiddleware):
    """Counts each run by result, times it, and for a delayed job measures how late it
    started (its due time travels in the DUE_LABEL label)."""

    def __init__(self) -> None:
        super().__init__()
        self._started: dict[str, float] = {}

    def pre_execute(self, message: TaskiqMessage) -> TaskiqMessage:
        self._started[message.task_id] = time.perf_counter()
        TASKS_RUNNING.labels(message.task_name).inc()
        due_ms = message.labels.get(DUE_LABEL)
        if due_ms is not None:
            try:
                lateness = time.time() - float(due_ms) / 1000
            except ValueError:
                log.warning("task %s has a bad %s label: %r", message.task_id, DUE_LABEL, due_ms)
            else:
                # A job run early (never by design) counts as on time.
                TASK_LATENESS.labels(message.task_name).observe(max(lateness, 0.0))
        return message

    def post_execute(self, message: TaskiqMessage, result: TaskiqResult[Any]) -> None:
        started = self._started.pop(message.task_id, None)
        TASKS_RUNNING.labels(message.task_name).dec()
        TASK_RUNS.labels(message.task_name, "error" if result.is_err else "ok").inc()
        if started is not None:
            TASK_DURATION.labels(message.task_name).observe(time.perf_counter() - started)


class QueueDepth(Collector):
    """Gauges of the task stream and the delayed jobs, as read from Redis for one scrape."""

    def __init__(self, values: dict[str, float]) -> None:
        self.values = values

    def collect(self) -> Iterator[GaugeMetricFamily]:
        for name, value in self.values.items():
            yield GaugeMetricFamily(name, QUEUE_GAUGES[name], value=value)


async def queue_depth(
    redis: Any, *, stream: str, group: str, schedule_due_key: str
) -> dict[str, float]:
    """The task stream's length, what waits in it and what is taken but unacknowledged,
    and the delayed jobs waiting (and overdue) in the schedule source."""
    async with redis.pipeline(transaction=False) as pipe:
        pipe.xlen(stream)
        pipe.zcard(schedule_due_key)
        pipe.zcount(schedule_due_key, "-inf", time.time())
        length, scheduled, overdue = await pipe.execute()
    values = {
        "mall_task_stream_length": float(length),
        "mall_schedules_pending": float(scheduled),
        "mall_schedules_overdue": float(overdue),
    }
    try:
        groups: list[dict[Any, Any]] = await redis.xinfo_groups(stream)
    except aioredis.ResponseError:  # no stream yet
        groups = []
    for info in groups:
        fields = {_text(k): v for k, v in info.items()}
        if _text(fields.get("name", "")) != group:
            continue
        values["mall_task_queue_unacked"] = float(fields.get("pending") or 0)
        if fields.get("lag") is not None:  # Redis 7+
            values["mall_task_queue_waiting"] = float(fields["lag"])
    return values


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


class MetricsEndpoint:
    """GET /metrics of a Taskiq process: its metrics (every worker process's, summed, in
    multiprocess mode) followed by the queue depth."""

    @classmethod
    def for_settings(cls, settings: Settings) -> MetricsEndpoint:
        """The endpoint of the broker's stream and the schedule source these settings make."""
        return cls(
            redis=redis_client(settings, max_connections=2),
            stream=TASK_QUEUE,
            group=WORKER_GROUP,
            schedule_due_key=make_schedule_source(settings).due_key,
        )

    def __init__(self, *, redis: Any, stream: str, group: str, schedule_due_key: str) -> None:
        self.redis = redis
        self.stream = stream
        self.group = group
        self.schedule_due_key = schedule_due_key
        self.server: asyncio.Server | None = None

    async def start(self, *, host: str, port: int) -> bool:
        """Listen on host:port; False when the port is taken (by a sibling worker process)."""
        try:
            self.server = await serve_metrics(host=host, port=port, collect=self.collect)
        except OSError as exc:
            log.debug("metrics port %s:%s not bound here: %s", host, port, exc)
            return False
        return True

    async def collect(self) -> bytes:
        own = await asyncio.to_thread(exposition)
        try:
            values = await queue_depth(
                self.redis,
                stream=self.stream,
                group=self.group,
                schedule_due_key=self.schedule_due_key,
            )
        except (aioredis.RedisError, OSError) as exc:
            log.warning("queue depth unavailable for this scrape: %s", exc)
            return own
        registry = CollectorRegistry()
        registry.register(QueueDepth(values))
        return own + generate_latest(registry)

    async def close(self) -> None:
        if self.server is not None:
            self.server.close()
            await self.server.wait_closed()
            self.server = None
        await self.redis.aclose()
