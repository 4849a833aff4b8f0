"""The broker (acknowledged Redis streams), the schedule sources and the one scheduler.

Workers: `mall worker` (taskiq worker tasks.broker:broker with every task module).
Scheduler: `mall scheduler` (exactly one process).
"""

from __future__ import annotations

import logging

from taskiq import TaskiqEvents, TaskiqScheduler, TaskiqState
from taskiq.schedule_sources import LabelScheduleSource

from mall import events, resources
from mall.config import Settings
from mall.payments import service as payments
from tasks.metrics import MetricsEndpoint, TaskMetricsMiddleware
from tasks.schedule_source import SortedSetScheduleSource
from tasks.stream_broker import ReclaimingStreamBroker

log = logging.getLogger("mall.tasks")

_settings = Settings()

# Acknowledged delivery: a worker killed mid-task gets its message redelivered after
# idle_timeout, so every task must be safe to run twice.
broker = ReclaimingStreamBroker(
    url=_settings.redis_url,
    queue_name="mall:tasks",
    consumer_group_name="mall-workers",
    # A group created after messages were queued (fresh Redis) still reads them all.
    consumer_id="0",
    maxlen=100_000,
    idle_timeout=_settings.task_redelivery_ms,
).with_middlewares(TaskMetricsMiddleware())

# One-off schedules (delayed jobs) live in a Redis sorted set; periodic ones are declared
# on the task (LabelScheduleSource).
schedule_source = SortedSetScheduleSource(_settings.redis_url, prefix="mall:schedule")


def _metrics_endpoint() -> MetricsEndpoint:
    return MetricsEndpoint(
        redis_url=_settings.redis_url,
        stream=broker.queue_name,
        group=broker.consumer_group_name,
        schedule_due_key=schedule_source.due_key,
    )


class MallScheduler(TaskiqScheduler):
    """The scheduler, serving GET /metrics on MALL_SCHEDULER_METRICS_PORT (0: no)."""

    metrics: MetricsEndpoint | None = None

    async def startup(self) -> None:
        await super().startup()
        if port := _settings.scheduler_metrics_port:
            endpoint = _metrics_endpoint()
            if await endpoint.start(host=_settings.metrics_host, port=port):
                self.metrics = endpoint
            else:
                # Delayed jobs matter more than their metrics: schedule on without them.
                log.error("MALL_SCHEDULER_METRICS_PORT %s is in use; no metrics served", port)
                await endpoint.close()

    async def shutdown(self) -> None:
        if self.metrics is not None:
            await self.metrics.close()
        await super().shutdown()


scheduler = MallScheduler(broker, sources=[schedule_source, LabelScheduleSource(broker)])


@broker.on_event(TaskiqEvents.WORKER_STARTUP)
async def open_database(state: TaskiqState) -> None:
    await resources.init_db(_settings)
    state.redis = resources.redis_client(_settings)
    resources.share_redis(state.redis)
    await payments.start(_settings)
    state.metrics = None
    if port := _settings.worker_metrics_port:
        endpoint = _metrics_endpoint()
        # One worker process binds it and serves every sibling's metrics too.
        if await endpoint.start(host=_settings.metrics_host, port=port):
            state.metrics = endpoint
        else:
            await endpoint.close()


@broker.on_event(TaskiqEvents.WORKER_SHUTDOWN)
async def close_database(state: TaskiqState) -> None:
    if state.metrics is not None:
        await state.metrics.close()
    await events.marks.close()
    await payments.stop()
    resources.share_redis(None)
    await state.redis.aclose()
    await resources.close_db()
