"""The factories the taskiq CLI calls in each worker and scheduler process.

`mall worker` runs `taskiq worker tasks.broker:worker_broker`, `mall scheduler` runs
`taskiq scheduler tasks.broker:scheduler`: each reads the settings when the process
starts, builds the broker (mall/jobs/broker.py) and registers every task on it. A worker
opens its runtime at startup and hands it to the tasks (tasks/spec.py).
"""

from __future__ import annotations

from taskiq import AsyncBroker, TaskiqEvents, TaskiqScheduler, TaskiqState
from taskiq.schedule_sources import LabelScheduleSource

from mall.config import Settings
from mall.jobs.broker import make_broker, make_schedule_source
from mall.runtime import open_runtime
from tasks import maintenance, orders, wechat

TASK_MODULES = (maintenance, orders, wechat)


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
    broker = _broker_with_tasks(settings)

    @broker.on_event(TaskiqEvents.WORKER_STARTUP)
    async def open_worker_runtime(state: TaskiqState) -> None:
        state.runtime = await open_runtime(settings, broker=broker)

    @broker.on_event(TaskiqEvents.WORKER_SHUTDOWN)
    async def close_worker_runtime(state: TaskiqState) -> None:
        await state.runtime.close()

    return broker


def scheduler() -> TaskiqScheduler:
    """The scheduler: one-off schedules from the sorted set, periodic ones from the tasks."""
    settings = Settings()
    broker = _broker_with_tasks(settings)
    return TaskiqScheduler(
        broker, sources=[make_schedule_source(settings), LabelScheduleSource(broker)]
    )
