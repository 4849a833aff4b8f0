"""The sorted-set schedule source: due-time fetches, and versions that never clobber each other."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from taskiq import ScheduledTask
from taskiq.exceptions import ScheduledTaskCancelledError

from mall.jobs.schedule_source import SortedSetScheduleSource
from mall.resources import redis_client


def _task(schedule_id: str, at: datetime) -> ScheduledTask:
    return ScheduledTask(
        task_name="mall.cancel_if_unpaid",
        labels={},
        args=[],
        kwargs={"order_id": 1},
        schedule_id=schedule_id,
        time=at,
    )


async def test_moved_schedule_is_a_new_version(app_server, settings, redis) -> None:
    source = SortedSetScheduleSource(
        lambda: redis_client(settings, decode=False), prefix="mall:test-schedule"
    )
    try:
        now = datetime.now(UTC)
        await source.add_schedule(_task("cancel-unpaid:1", now))
        await source.add_schedule(_task("later:2", now + timedelta(hours=1)))
        (fetched,) = await source.get_schedules()  # only what is due within the horizon
        assert fetched.schedule_id.startswith("cancel-unpaid:1@")
        assert fetched.kwargs == {"order_id": 1}

        # Re-added under the same id for a new time (while the scheduler holds the old one).
        await source.add_schedule(_task("cancel-unpaid:1", now + timedelta(seconds=2)))
        with pytest.raises(ScheduledTaskCancelledError):
            await source.pre_send(fetched)
        await source.post_send(fetched)  # sending the old version must not delete the new
        (again,) = await source.get_schedules()
        assert again.schedule_id != fetched.schedule_id
        await source.pre_send(again)
        await source.post_send(again)
        assert await source.pending() == 1  # only "later:2" waits

        await source.delete_schedule("later:2")
        assert await source.pending() == 0
    finally:
        await source.shutdown()
