"""The factories the taskiq CLI calls in each worker and scheduler process.

`mall worker` runs `taskiq worker tasks.broker:worker_broker`, `mall scheduler` runs
`taskiq scheduler tasks.broker:scheduler`: each reads the settings when the process
starts, builds the broker (mall/jobs/broker.py) and registers every task on it. A worker
opens its runtime at startup and hands it to the tasks (tasks/spec.py).
"""

from __future__ import annotations

import logging
import os

from taskiq import AsyncBroker, ScheduleSource, TaskiqEvents, TaskiqScheduler, TaskiqState
from taskiq.schedule_sources import LabelScheduleSource

from mall import logs
from mall.config import Settings
from mall.jobs.broker import make_broker, make_schedule_source
from mall.jobs.leader import LeaderLease, LeaderOnly
from mall.resources import redis_client
from mall.runtime import open_runtime
from tasks import maintenance, marketing, orders, wechat
from tasks.metrics import MetricsEndpoint, TaskMetricsMiddleware

log = logging.getLogger("mall.tasks")

TASK_MODULES = (maintenance, marketing, orders, wechat)


def _periodic_task_names() -> list[str]:
    return [task.name for module in TASK_MODULES for task in module.TASKS if task.schedule]


def _quiet_logs(settings: Settings) -> None:
    """Our lines in our format; the periodic tasks' lines (every 15 s) at DEBUG."""
    logs.configure(settings.log_level)
    logs.quiet_periodic_tasks(_periodic_task_names())


def _broker_with_tasks(settings: Settings) -> AsyncBroker:
    broker = make_broker(settings)
    for module in TASK_MODULES:
        for task in module.TASKS:
            labels = {"schedule": list(task.schedule)} if task.schedule else {}
            broker.register_task(task.func, task_name=task.name, **labels)
    return broker


def worker_broker() -> AsyncBroker:
    """The broker of a worker process, with every task and the process's runtime."""
    settings = Settings()
    _quiet_logs(settings)
    broker = _broker_with_tasks(settings).with_middlewares(TaskMetricsMiddleware())

    @broker.on_event(TaskiqEvents.WORKER_STARTUP)
    async def open_worker_runtime(state: TaskiqState) -> None:
        state.runtime = await open_runtime(settings, broker=broker)
        state.metrics = None
        if port := settings.worker_metrics_port:
            endpoint = MetricsEndpoint.for_settings(settings)
            # One worker process binds it and serves every sibling's metrics too.
            if await endpoint.start(host=settings.metrics_host, port=port):
                state.metrics = endpoint
            else:
                await endpoint.close()
        log.info("worker process %d ready: %d tasks", os.getpid(), len(broker.get_all_tasks()))

    @broker.on_event(TaskiqEvents.WORKER_SHUTDOWN)
    async def close_worker_runtime(state: TaskiqState) -> None:
        if state.metrics is not None:
            await state.metrics.close()
        await state.runtime.close()
        log.info("worker process %d stopped", os.getpid())

    return broker


class MallScheduler(TaskiqScheduler):
    """The scheduler, serving GET /metrics on MALL_SCHEDULER_METRICS_PORT (0: no)."""

    def __init__(
        self,
        broker: AsyncBroker,
        sources: list[ScheduleSource],
        *,
        settings: Settings,
        lease: LeaderLease,
    ) -> None:
        super().__init__(broker, sources)
        self.settings = settings
        self.lease = lease
        self.metrics: MetricsEndpoint | None = None

    async def startup(self) -> None:
        await super().startup()
        if port := self.settings.scheduler_metrics_port:
            endpoint = MetricsEndpoint.for_settings(self.settings)
            if await endpoint.start(host=self.settings.metrics_host, port=port):
                self.metrics = endpoint
            else:
                # Delayed jobs matter more than their metrics: schedule on without them.
                log.error("MALL_SCHEDULER_METRICS_PORT %s is in use; no metrics served", port)
                await endpoint.close()
        periodic = ", ".join(_periodic_task_names())
        log.info("scheduler process %d ready: delayed jobs and periodic %s", os.getpid(), periodic)

    async def shutdown(self) -> None:
        if self.metrics is not None:
            await self.metrics.close()
        # A clean stop hands the lead over at once instead of after the lease runs out.
        await self.lease.release()
        await super().shutdown()


def scheduler() -> TaskiqScheduler:
    """A scheduler (run two or more: one leads, mall/jobs/leader.py): one-off schedules
    from the sorted set, periodic ones from the tasks."""
    settings = Settings()
    _quiet_logs(settings)
    broker = _broker_with_tasks(settings)
    lease = LeaderLease(lambda: redis_client(settings, max_connections=2))
    return MallScheduler(
        broker,
        [
            LeaderOnly(make_schedule_source(settings), lease),
            LeaderOnly(LabelScheduleSource(broker), lease),
        ],
        settings=settings,
        lease=lease,
    )
