"""Housekeeping tasks."""

from __future__ import annotations

from mall.auth import maintenance
from mall.jobs import TaskName
from tasks.spec import Task


async def purge_expired_refresh_tokens() -> int:
    """Hourly: drop refresh-token rows past expiry (safe to run twice)."""
    return await maintenance.purge_expired_refresh_tokens()


TASKS = (
    Task(
        TaskName.PURGE_REFRESH_TOKENS,
        purge_expired_refresh_tokens,
        schedule=({"cron": "17 * * * *"},),
    ),
)
