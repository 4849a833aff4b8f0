"""Kick and schedule Taskiq tasks by name, so services never import task modules."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from taskiq import ScheduledTask
from taskiq.kicker import AsyncKicker

log = logging.getLogger("mall.jobs")


def _kicker(task_name: str) -> AsyncKicker[Any, Any]:
    from tasks.broker import broker

    return AsyncKicker(task_name=task_name, broker=broker, labels={})


async def schedule(task_name: str, *, at: datetime, schedule_id: str, **kwargs: Any) -> bool:
    """Run `task_name(**kwargs)` at `at`; False (logged) if Redis refused: a sweep catches it."""
    from tasks.broker import schedule_source

    try:
        async with schedule_source.redis.pipeline(transaction=True) as pipe:
            queue_schedule(pipe, task_name, at=at, schedule_id=schedule_id, **kwargs)
            await pipe.execute()
    except Exception:
        log.warning("could not schedule %s (%s)", task_name, schedule_id, exc_info=True)
        return False
    return True


def queue_schedule(
    pipe: Any, task_name: str, *, at: datetime, schedule_id: str, **kwargs: Any
) -> None:
    """`schedule` through the caller's Redis pipeline (same Redis as the schedule source),
    sent with other work in one round trip; if that fails, a sweep catches it."""
    from tasks.broker import schedule_source

    schedule_source.queue_add(
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


async def unschedule(schedule_id: str) -> None:
    """Forget a schedule; the task re-checks state anyway, so a miss here is harmless."""
    from tasks.broker import schedule_source

    try:
        await schedule_source.delete_schedule(schedule_id)
    except Exception:
        log.warning("could not remove schedule %s", schedule_id, exc_info=True)


def queue_unschedule(pipe: Any, schedule_id: str) -> None:
    """`unschedule` through the caller's Redis pipeline (same Redis as the schedule source)."""
    from tasks.broker import schedule_source

    schedule_source.queue_delete(pipe, schedule_id)


async def kick(task_name: str, **kwargs: Any) -> bool:
    """Queue `task_name(**kwargs)` now."""
    try:
        await _kicker(task_name).kiq(**kwargs)
    except Exception:
        log.warning("could not queue %s", task_name, exc_info=True)
        return False
    return True
