"""Housekeeping tasks."""

from __future__ import annotations

from mall.auth import maintenance
from tasks.broker import broker


@broker.task(task_name="mall.purge_expired_refresh_tokens", schedule=[{"cron": "17 * * * *"}])
async def purge_expired_refresh_tokens() -> int:
    """Hourly: drop refresh-token rows past expiry (safe to run twice)."""
    return await maintenance.purge_expired_refresh_tokens()
