"""The delayed jobs of an order: its cancellation at expiry and its automatic confirmation.

One schedule id per order and job, so scheduling again moves it and unscheduling after
payment or receipt forgets it; the tasks re-check the order anyway.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from mall.jobs import Jobs, TaskName


def cancel_schedule_id(order_id: int) -> str:
    return f"cancel-unpaid:{order_id}"


def confirm_schedule_id(order_id: int) -> str:
    return f"auto-confirm:{order_id}"


def queue_cancel(jobs: Jobs, pipe: Any, *, order_id: int, at: datetime) -> None:
    """Schedule the order's cancellation at `at` through the caller's pipeline."""
    jobs.queue_schedule(
        pipe,
        TaskName.CANCEL_IF_UNPAID,
        at=at,
        schedule_id=cancel_schedule_id(order_id),
        order_id=order_id,
    )


def queue_confirm(jobs: Jobs, pipe: Any, *, order_id: int, at: datetime) -> None:
    """Schedule the order's automatic confirmation at `at` through the caller's pipeline."""
    jobs.queue_schedule(
        pipe,
        TaskName.AUTO_CONFIRM,
        at=at,
        schedule_id=confirm_schedule_id(order_id),
        order_id=order_id,
    )


async def schedule_cancel(jobs: Jobs, *, order_id: int, at: datetime) -> bool:
    """Schedule (or move) the order's cancellation to `at`."""
    return await jobs.schedule(
        TaskName.CANCEL_IF_UNPAID,
        at=at,
        schedule_id=cancel_schedule_id(order_id),
        order_id=order_id,
    )


async def schedule_confirm(jobs: Jobs, *, order_id: int, at: datetime) -> bool:
    """Schedule (or move) the order's automatic confirmation of receipt to `at`."""
    return await jobs.schedule(
        TaskName.AUTO_CONFIRM,
        at=at,
        schedule_id=confirm_schedule_id(order_id),
        order_id=order_id,
    )
