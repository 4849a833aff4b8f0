"""WeChat integration tasks: thin wrappers around mall services; each is safe to run twice."""

from __future__ import annotations

from taskiq import Context, TaskiqDepends

from mall import wechat_jobs
from mall.config import Settings
from mall.observability import TASK_OUTCOMES
from mall.reviews import moderation
from mall.shipping import sync
from mall.wechat.miniprogram import MiniProgramClient
from tasks.broker import broker

# Taskiq injects the worker's context (its state holds the WeChat client) by this default.
CONTEXT: Context = TaskiqDepends()


def _client(context: Context) -> MiniProgramClient:
    client: MiniProgramClient = context.state.wechat
    return client


def _settings(context: Context) -> Settings:
    settings: Settings = context.state.settings
    return settings


@broker.task(task_name=sync.SYNC_TASK)
async def sync_shipping(order_id: int, context: Context = CONTEXT) -> str:
    """Upload an order's shipping to WeChat (after ship, a staff retry or a reminder)."""
    outcome = await sync.sync(
        client=_client(context),
        order_id=order_id,
        retry_scale=_settings(context).wechat_retry_scale,
    )
    TASK_OUTCOMES.labels(sync.SYNC_TASK, outcome).inc()
    return outcome


@broker.task(task_name=sync.CONFIRM_REMINDER_TASK)
async def remind_confirm_receipt(order_id: int, context: Context = CONTEXT) -> str:
    """Ask WeChat to remind the customer to confirm receipt (our auto-confirm came)."""
    outcome = await sync.remind_confirm_receipt(
        client=_client(context), order_id=order_id, merchant_id=_settings(context).wechat_mchid
    )
    TASK_OUTCOMES.labels(sync.CONFIRM_REMINDER_TASK, outcome).inc()
    return outcome


@broker.task(task_name=moderation.MEDIA_CHECK_TASK)
async def check_review_media(review_id: int, context: Context = CONTEXT) -> int:
    """Hand a review's images to WeChat's mediaCheckAsync (verdicts come as pushes)."""
    return await moderation.submit(
        client=_client(context), settings=_settings(context), review_id=review_id
    )


@broker.task(task_name="mall.wechat_sweep", schedule=[{"interval": 2}])
async def wechat_sweep(context: Context = CONTEXT) -> dict[str, int]:
    """Every 2 s: due shipping uploads, subscription messages, image checks, jump path."""
    done = await wechat_jobs.sweep(
        client=_client(context), redis=context.state.redis, settings=_settings(context)
    )
    TASK_OUTCOMES.labels("mall.wechat_sweep", "ok").inc()
    return done
