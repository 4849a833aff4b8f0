"""The broker (acknowledged Redis streams), the schedule sources and the one scheduler.

Workers: `mall worker` (taskiq worker tasks.broker:broker with every task module).
Scheduler: `mall scheduler` (exactly one process).
"""

from __future__ import annotations

from taskiq import TaskiqEvents, TaskiqScheduler, TaskiqState
from taskiq.schedule_sources import LabelScheduleSource
from taskiq_redis import ListRedisScheduleSource, RedisStreamBroker

from mall import events, resources
from mall.config import Settings

TASK_MODULES = ["tasks.maintenance"]

_settings = Settings()

# Acknowledged delivery: a worker killed mid-task gets its message redelivered after
# idle_timeout, so every task must be safe to run twice.
broker = RedisStreamBroker(
    url=_settings.redis_url,
    queue_name="mall:tasks",
    consumer_group_name="mall-workers",
    maxlen=100_000,
    idle_timeout=60_000,
)

# One-off schedules (delayed jobs) live in Redis; periodic ones are declared on the task.
schedule_source = ListRedisScheduleSource(url=_settings.redis_url, prefix="mall:schedule")
scheduler = TaskiqScheduler(broker, sources=[schedule_source, LabelScheduleSource(broker)])


@broker.on_event(TaskiqEvents.WORKER_STARTUP)
async def open_database(state: TaskiqState) -> None:
    await resources.init_db(_settings)
    state.redis = resources.redis_client(_settings)
    events.configure(state.redis)


@broker.on_event(TaskiqEvents.WORKER_SHUTDOWN)
async def close_database(state: TaskiqState) -> None:
    events.configure(None)
    await state.redis.aclose()
    await resources.close_db()
