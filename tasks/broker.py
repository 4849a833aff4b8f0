"""The broker (acknowledged Redis streams), the schedule sources and the one scheduler.

Workers: `mall worker` (taskiq worker tasks.broker:broker with every task module).
Scheduler: `mall scheduler` (exactly one process).
"""

from __future__ import annotations

from taskiq import TaskiqEvents, TaskiqScheduler, TaskiqState
from taskiq.schedule_sources import LabelScheduleSource

from mall import events, resources
from mall.config import Settings
from mall.payments import service as payments
from mall.wechat.miniprogram import MiniProgramClient
from tasks.schedule_source import SortedSetScheduleSource
from tasks.stream_broker import ReclaimingStreamBroker

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
)

# One-off schedules (delayed jobs) live in a Redis sorted set; periodic ones are declared
# on the task (LabelScheduleSource).
schedule_source = SortedSetScheduleSource(_settings.redis_url, prefix="mall:schedule")
scheduler = TaskiqScheduler(broker, sources=[schedule_source, LabelScheduleSource(broker)])


@broker.on_event(TaskiqEvents.WORKER_STARTUP)
async def open_database(state: TaskiqState) -> None:
    await resources.init_db(_settings)
    state.redis = resources.redis_client(_settings)
    state.settings = _settings
    state.wechat = MiniProgramClient(settings=_settings, redis=state.redis)
    resources.share_redis(state.redis)
    await payments.start(_settings)


@broker.on_event(TaskiqEvents.WORKER_SHUTDOWN)
async def close_database(state: TaskiqState) -> None:
    await events.marks.close()
    await payments.stop()
    await state.wechat.aclose()
    resources.share_redis(None)
    await state.redis.aclose()
    await resources.close_db()
