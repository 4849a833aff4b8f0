"""Housekeeping tasks."""

from __future__ import annotations

from datetime import timedelta

from mall import events
from mall.auth import maintenance
from mall.jobs import TaskName
from mall.observability import TASK_OUTCOMES
from mall.payments import reconciliation
from mall.runtime import Runtime
from tasks.spec import Task, WorkerRuntime


async def purge_expired_refresh_tokens() -> int:
    """Hourly: drop refresh-token rows past expiry (safe to run twice)."""
    return await maintenance.purge_expired_refresh_tokens()


async def purge_published_outbox(rt: Runtime = WorkerRuntime) -> int:
    """Hourly: delete published outbox rows past MALL_OUTBOX_RETENTION_DAYS, in batches."""
    settings = rt.settings
    return await events.purge_published(
        older_than=timedelta(days=settings.outbox_retention_days),
        batch=settings.outbox_purge_batch,
    )


async def reconcile_payments(rt: Runtime = WorkerRuntime) -> str:
    """Daily at 10:30 Beijing time (WeChat has the bill by 10:00): yesterday's trade bill
    against our payments and refunds; mismatches go to staff (reconciliation.mismatch)."""
    done = await reconciliation.run_yesterday(rt)
    outcome = "failed" if done is None else ("mismatch" if done.mismatches else "ok")
    TASK_OUTCOMES.labels(TaskName.RECONCILE_PAYMENTS, outcome).inc()
    return outcome


TASKS = (
    Task(
        TaskName.PURGE_REFRESH_TOKENS,
        purge_expired_refresh_tokens,
        schedule=({"cron": "17 * * * *"},),
    ),
    Task(TaskName.PURGE_OUTBOX, purge_published_outbox, schedule=({"cron": "47 * * * *"},)),
    Task(
        TaskName.RECONCILE_PAYMENTS,
        reconcile_payments,
        schedule=({"cron": "30 10 * * *", "cron_offset": "Asia/Shanghai"},),
    ),
)
