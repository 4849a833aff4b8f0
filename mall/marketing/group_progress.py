"""How a group-buy group moves as its members' orders do: a member pays (the group
progresses, and completes at group_size), an unpaid member's order is cancelled (the place
is freed), and whether a paid order may ship yet (only once its group completed).

Called by the payment and order services; it calls neither (mall/marketing/group_buys.py
does), so the imports run one way. Every step is a conditional UPDATE on the group row.
"""

from __future__ import annotations

from typing import Any

from tortoise import connections
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from mall import events
from mall.errors import Conflict
from mall.events import EventName
from mall.jobs import TaskName
from mall.orders.after_commit import after_commit
from mall.runtime import Runtime
from models import Group, GroupMember, OutboxEvent


async def member_events(group: Group, name: EventName, **extra: Any) -> list[OutboxEvent]:
    """NAME on each member's channel, with where the group stands."""
    members = await GroupMember.filter(group_id=group.id).order_by("id")
    return [
        await events.record(
            channel=events.user_channel(member.user_id),
            name=name,
            data={
                "group_id": group.id,
                "group_buy_id": group.group_buy_id,
                "status": group.status,
                "size": group.size,
                "members": group.members,
                "paid": group.paid,
                **extra,
            },
        )
        for member in members
    ]


async def member_paid(conn: BaseDBAsyncClient, *, order_id: int) -> tuple[list[OutboxEvent], bool]:
    """A member's order was paid (call in the payment's transaction): the group progresses,
    and completes when group_size members have paid (their orders may ship then). Returns
    the events and whether the group had failed meanwhile (the caller kicks its expiry job
    again, which refunds this payment)."""
    marked = (
        await GroupMember.filter(order_id=order_id, paid=False).using_db(conn).update(paid=True)
    )
    if not marked:
        return [], False
    member = await GroupMember.filter(order_id=order_id).using_db(conn).get()
    rows = await conn.execute_query_dict(
        "UPDATE groups SET paid = paid + 1,"
        " status = CASE WHEN paid + 1 >= size THEN 'completed' ELSE status END,"
        " completed_at = CASE WHEN paid + 1 >= size THEN now() ELSE completed_at END"
        " WHERE id = $1 AND status = 'open' RETURNING id",
        [member.group_id],
    )
    group = await Group.filter(id=member.group_id).using_db(conn).get()
    if not rows:
        return [], group.status == "failed"
    name = EventName.GROUP_COMPLETED if group.status == "completed" else EventName.GROUP_PROGRESS
    return await member_events(group, name), False


async def refund_if_failed(rt: Runtime, *, order_id: int) -> None:
    """After a payment whose group failed meanwhile: run the group's expiry again."""
    member = await GroupMember.get_or_none(order_id=order_id)
    if member is not None:
        await rt.jobs.kick(TaskName.GROUP_EXPIRE, group_id=member.group_id)


async def order_cancelled(rt: Runtime, *, order_id: int) -> None:
    """An unpaid member's order was cancelled: their place in an open group is freed."""
    async with in_transaction():
        member = await GroupMember.filter(order_id=order_id, paid=False).first()
        if member is None:
            return
        await GroupMember.filter(id=member.id).delete()
        await connections.get("default").execute_query(
            "UPDATE groups SET members = members - 1 WHERE id = $1 AND status = 'open'",
            [member.group_id],
        )
        group = await Group.get(id=member.group_id)
        recorded = (
            await member_events(group, EventName.GROUP_PROGRESS) if group.status == "open" else []
        )
    await after_commit(rt, what=f"group {group.id} place freed", recorded=recorded)


async def ensure_shippable(*, order_id: int) -> None:
    """409 group_incomplete for an order of a group that has not completed."""
    member = await GroupMember.get_or_none(order_id=order_id)
    if member is None:
        return
    group = await Group.get(id=member.group_id)
    if group.status != "completed":
        raise Conflict(
            "The order's group has not completed: it ships once the group is full",
            code="group_incomplete",
            details={"group_id": group.id, "status": group.status},
        )
