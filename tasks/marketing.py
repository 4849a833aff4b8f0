"""Flash-sale tasks: thin wrappers around mall services; each is safe to run twice."""

from __future__ import annotations

from mall.jobs import TaskName
from mall.marketing import flash_sales, group_buys
from mall.observability import TASK_OUTCOMES
from mall.runtime import Runtime
from tasks.spec import Task, WorkerRuntime


async def flash_sale_start(flash_sale_id: int, rt: Runtime = WorkerRuntime) -> str:
    """At an activity's starts_at: announce it on its products' channels."""
    outcome = await flash_sales.start(rt, flash_sale_id=flash_sale_id)
    TASK_OUTCOMES.labels(TaskName.FLASH_SALE_START, outcome).inc()
    return outcome


async def flash_sale_end(flash_sale_id: int, rt: Runtime = WorkerRuntime) -> str:
    """At an activity's ends_at: end it and give its stock back to the SKUs."""
    outcome = await flash_sales.end(rt, flash_sale_id=flash_sale_id)
    TASK_OUTCOMES.labels(TaskName.FLASH_SALE_END, outcome).inc()
    return outcome


async def group_expire(group_id: int, rt: Runtime = WorkerRuntime) -> str:
    """At a group's expiry: fail it unless it completed; refund its paid members."""
    outcome = await group_buys.expire(rt, group_id=group_id)
    TASK_OUTCOMES.labels(TaskName.GROUP_EXPIRE, outcome).inc()
    return outcome


async def sweep_flash_sales(rt: Runtime = WorkerRuntime) -> dict[str, int]:
    """Every 15 s: start and end the activities, and expire the groups, that a lost
    schedule left behind."""
    swept = {**await flash_sales.sweep(rt), "groups_failed": await group_buys.sweep(rt)}
    TASK_OUTCOMES.labels(TaskName.SWEEP_FLASH_SALES, "ok").inc()
    return swept


TASKS = (
    Task(TaskName.FLASH_SALE_START, flash_sale_start),
    Task(TaskName.FLASH_SALE_END, flash_sale_end),
    Task(TaskName.GROUP_EXPIRE, group_expire),
    Task(TaskName.SWEEP_FLASH_SALES, sweep_flash_sales, schedule=({"interval": 15},)),
)
