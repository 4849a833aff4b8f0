"""WeChat integration tasks: thin wrappers around mall services; each is safe to run twice."""

from __future__ import annotations

from mall import wechat_jobs
from mall.jobs import TaskName
from mall.observability import TASK_OUTCOMES
from mall.reviews import moderation
from mall.runtime import Runtime
from mall.shipping import sync
from tasks.spec import Task, WorkerRuntime


async def sync_shipping(order_id: int, rt: Runtime = WorkerRuntime) -> str:
    """Upload an order's shipping to WeChat (after ship, a staff retry or a reminder)."""
    outcome = await sync.sync(rt, order_id=order_id)
    TASK_OUTCOMES.labels(TaskName.SYNC_SHIPPING, outcome).inc()
    return outcome


async def remind_confirm_receipt(order_id: int, rt: Runtime = WorkerRuntime) -> str:
    """Ask WeChat to remind the customer to confirm receipt (our auto-confirm came)."""
    outcome = await sync.remind_confirm_receipt(rt, order_id=order_id)
    TASK_OUTCOMES.labels(TaskName.REMIND_CONFIRM_RECEIPT, outcome).inc()
    return outcome


async def check_review_media(review_id: int, rt: Runtime = WorkerRuntime) -> int:
    """Hand a review's images to WeChat's mediaCheckAsync (verdicts come as pushes)."""
    return await moderation.submit(rt, review_id=review_id)


async def wechat_sweep(rt: Runtime = WorkerRuntime) -> dict[str, int]:
    """Every 2 s: due shipping uploads, subscription messages, image checks, jump path."""
    done = await wechat_jobs.sweep(rt)
    TASK_OUTCOMES.labels(TaskName.WECHAT_SWEEP, "ok").inc()
    return done


TASKS = (
    Task(TaskName.SYNC_SHIPPING, sync_shipping),
    Task(TaskName.REMIND_CONFIRM_RECEIPT, remind_confirm_receipt),
    Task(TaskName.CHECK_REVIEW_MEDIA, check_review_media),
    Task(TaskName.WECHAT_SWEEP, wechat_sweep, schedule=({"interval": 2},)),
)
