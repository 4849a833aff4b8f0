"""Order tasks: thin wrappers around mall services; each is safe to run twice."""

from __future__ import annotations

from mall.jobs import TaskName
from mall.observability import TASK_OUTCOMES
from mall.orders import lifecycle
from mall.payments import service as payments
from mall.runtime import Runtime
from tasks.spec import Task, WorkerRuntime


async def cancel_if_unpaid(order_id: int, rt: Runtime = WorkerRuntime) -> str:
    """At an order's expiry: close it with WeChat and cancel it unless it was paid."""
    outcome = await lifecycle.cancel_if_unpaid(rt, order_id=order_id)
    TASK_OUTCOMES.labels(TaskName.CANCEL_IF_UNPAID, outcome).inc()
    return outcome


async def auto_confirm(order_id: int, rt: Runtime = WorkerRuntime) -> str:
    """The configured days after shipping: complete the order if still shipped."""
    outcome = await lifecycle.auto_confirm(rt, order_id=order_id)
    TASK_OUTCOMES.labels(TaskName.AUTO_CONFIRM, outcome).inc()
    return outcome


async def process_refund(refund_id: int, rt: Runtime = WorkerRuntime) -> str:
    """Send a refund to WeChat Pay (automatic refunds of late payments)."""
    refund = await payments.process_refund(rt, refund_id=refund_id)
    TASK_OUTCOMES.labels(TaskName.PROCESS_REFUND, refund.status).inc()
    return refund.status


async def sweep_orders(rt: Runtime = WorkerRuntime) -> dict[str, int]:
    """Every 15 s: catch what a lost schedule or notification left behind."""
    swept = await lifecycle.sweep_overdue(rt)
    TASK_OUTCOMES.labels(TaskName.SWEEP_ORDERS, "ok").inc()
    return swept


TASKS = (
    Task(TaskName.CANCEL_IF_UNPAID, cancel_if_unpaid),
    Task(TaskName.AUTO_CONFIRM, auto_confirm),
    Task(TaskName.PROCESS_REFUND, process_refund),
    Task(TaskName.SWEEP_ORDERS, sweep_orders, schedule=({"interval": 15},)),
)
