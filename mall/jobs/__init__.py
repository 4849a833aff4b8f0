"""Background jobs: kick and schedule Taskiq tasks by name, so services never import tasks.

The broker (acknowledged Redis streams, mall/jobs/broker.py) and the one-off schedule
source (a Redis sorted set, mall/jobs/schedule_source.py) are opened with the process's
runtime (mall/runtime.py); `Jobs` is what services use of them.
"""

from __future__ import annotations

import logging
from datetime import datetime
from enum import StrEnum
from typing import Any

from taskiq import AsyncBroker, ScheduledTask
from taskiq.kicker import AsyncKicker

from mall.jobs.schedule_source import SortedSetScheduleSource

log = logging.getLogger("mall.jobs")


class TaskName(StrEnum):
    """Every task a worker runs (tasks/ declares them under these names)."""

    CANCEL_IF_UNPAID = "mall.cancel_if_unpaid"
    AUTO_CONFIRM = "mall.auto_confirm"
    PROCESS_REFUND = "mall.process_refund"
    SWEEP_ORDERS = "mall.sweep_orders"
    PURGE_REFRESH_TOKENS = "mall.purge_expired_refresh_tokens"
    PURGE_OUTBOX = "mall.purge_published_outbox"
    SYNC_SHIPPING = "mall.sync_shipping"
    REMIND_CONFIRM_RECEIPT = "mall.remind_confirm_receipt"
    CHECK_REVIEW_MEDIA = "mall.check_review_media"
    WECHAT_SWEEP = "mall.wechat_sweep"
    FLASH_SALE_START = "mall.flash_sale_start"
    FLASH_SALE_END = "mall.flash_sale_end"
    SWEEP_FLASH_SALES = "mall.sweep_flash_sales"
    GROUP_EXPIRE = "mall.group_expire"
    RECONCILE_PAYMENTS = "mall.reconcile_payments"


class Jobs:
    """Kick tasks now or at a time; a failure is logged and left to the periodic sweeps."""

    def __init__(self, broker: AsyncBroker, schedules: SortedSetScheduleSource) -> None:
        self.broker = broker
        self.schedules = schedules

    async def schedule(
        self, task_name: str, *, at: datetime, schedule_id: str, **kwargs: Any
    ) -> bool:
        """Run `task_name(**kwargs)` at `at`; False (logged) if Redis refused: a sweep will
        catch it."""
        try:
            async with self.schedules.redis.pipeline(transaction=False) as pipe:
                self.queue_schedule(pipe, task_name, at=at, schedule_id=schedule_id, **kwargs)
                await pipe.execute()
        except Exception:
            log.warning("could not schedule %s (%s)", task_name, schedule_id, exc_info=True)
            return False
        return True

    def queue_schedule(
        self, pipe: Any, task_name: str, *, at: datetime, schedule_id: str, **kwargs: Any
    ) -> None:
        """`schedule` through the caller's Redis pipeline (same Redis as the schedule source),
        sent with other work in one round trip; if that fails, a sweep catches it."""
        self.schedules.queue_add(
            pipe,
            ScheduledTask(
                schedule_id=schedule_id,
                task_name=task_name,
                labels={},
                args=[],
                kwargs=kwargs,
                time=at,
            ),
        )

    async def unschedule(self, schedule_id: str) -> None:
        """Forget a schedule; the task re-checks state anyway, so a miss here is harmless."""
        try:
            await self.schedules.delete_schedule(schedule_id)
        except Exception:
            log.warning("could not remove schedule %s", schedule_id, exc_info=True)

    def queue_unschedule(self, pipe: Any, schedule_id: str) -> None:
        """`unschedule` through the caller's Redis pipeline (same Redis as the schedule source)."""
        self.schedules.queue_delete(pipe, schedule_id)

    async def kick(self, task_name: str, **kwargs: Any) -> bool:
        """Queue `task_name(**kwargs)` now."""
        try:
            await AsyncKicker(task_name=task_name, broker=self.broker, labels={}).kiq(**kwargs)
        except Exception:
            log.warning("could not queue %s", task_name, exc_info=True)
            return False
        return True
