"""Order tasks: thin wrappers around mall services; each is safe to run twice."""

from __future__ import annotations

from mall.observability import TASK_OUTCOMES
from mall.orders import service as orders
from mall.payments import service as payments
from tasks.broker import broker


@broker.task(task_name=orders.CANCEL_TASK)
async def cancel_if_unpaid(order_id: int) -> str:
    """At an order's expiry: close it with WeChat and cancel it unless it was paid."""
    outcome = await payments.cancel_if_unpaid(order_id=order_id)
    TASK_OUTCOMES.labels(orders.CANCEL_TASK, outcome).inc()
    return outcome


@broker.task(task_name=orders.AUTO_CONFIRM_TASK)
async def auto_confirm(order_id: int) -> str:
    """The configured days after shipping: complete the order if still shipped."""
    outcome = await orders.auto_confirm(order_id=order_id)
    TASK_OUTCOMES.labels(orders.AUTO_CONFIRM_TASK, outcome).inc()
    return outcome


@broker.task(task_name=payments.REFUND_TASK)
async def process_refund(refund_id: int) -> str:
    """Send a refund to WeChat Pay (automatic refunds of late payments)."""
    refund = await payments.process_refund(refund_id=refund_id)
    TASK_OUTCOMES.labels(payments.REFUND_TASK, refund.status).inc()
    return refund.status


@broker.task(task_name="mall.sweep_orders", schedule=[{"interval": 15}])
async def sweep_orders() -> dict[str, int]:
    """Every 15 s: catch what a lost schedule or notification left behind."""
    swept = await payments.sweep_overdue()
    TASK_OUTCOMES.labels("mall.sweep_orders", "ok").inc()
    return swept
