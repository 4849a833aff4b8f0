"""Group buys (拼团): staff offer a product's SKUs at group prices; a customer opens a group
by ordering, others join by ordering; the group completes when group_size members have
paid (their orders may ship then), and fails when it expires unfilled: every paid member
is refunded through the refund path (WeChat Pay, then stock back), unpaid orders are
cancelled. Expiry is a durable delayed job per group, with a sweep behind it.

A place in a group is taken before the member's order is placed, by a conditional UPDATE
on the group row (never past group_size) and a member row unique per customer, so racing
joins leave exactly group_size members and nobody joins twice; if the order then fails,
the place is given back.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from tortoise import connections
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from mall.admin import audit
from mall.admin.audit import Staff
from mall.errors import Conflict, NotFound, ValidationFailed
from mall.events import EventName
from mall.jobs import TaskName
from mall.marketing import group_progress
from mall.marketing.group_schemas import GroupBuyIn
from mall.orders import lifecycle, placing, refunds
from mall.orders.after_commit import after_commit
from mall.orders.schemas import OrderIn
from mall.payments import service as payments
from mall.runtime import Runtime
from models import CancelReason, Group, GroupBuy, GroupMember, Order, OrderStatus, Sku

SYSTEM = "system:group_failed"


# A place in an open group, never past its size: the row lock orders racing joins, and each
# re-checks the condition on the row as the one before it left it.
TAKE_PLACE = (
    "UPDATE groups SET members = members + 1 WHERE id = $1 AND status = 'open'"
    " AND members < size AND expires_at > now() RETURNING id"
)


def expire_schedule_id(group_id: int) -> str:
    return f"group-expire:{group_id}"


# --- staff -----------------------------------------------------------------------------------


async def create(*, data: GroupBuyIn, staff: Staff) -> GroupBuy:
    """A group-buy offer on a product's live SKUs."""
    skus = set(
        await Sku.filter(
            product_id=data.product_id, archived_at=None, id__in=[s.sku_id for s in data.skus]
        ).values_list("id", flat=True)
    )
    unknown = [s.sku_id for s in data.skus if s.sku_id not in skus]
    if unknown:
        raise ValidationFailed(
            details=[
                {
                    "field": "skus.sku_id",
                    "message": f"no SKU {i} of the product",
                    "type": "unknown_id",
                }
                for i in unknown
            ]
        )
    async with in_transaction():
        offer = await GroupBuy.create(
            product_id=data.product_id,
            group_size=data.group_size,
            expires_in_hours=data.expires_in_hours,
            starts_at=data.starts_at,
            ends_at=data.ends_at,
            prices={str(s.sku_id): s.price for s in data.skus},
        )
        await audit.record(
            staff,
            "group_buy.create",
            target_type="group_buy",
            target_id=offer.id,
            detail=data.model_dump(mode="json"),
        )
    return offer


async def get(*, group_buy_id: int) -> GroupBuy:
    offer = await GroupBuy.get_or_none(id=group_buy_id)
    if offer is None:
        raise NotFound("Group buy not found", code="group_buy_not_found")
    return offer


async def get_all(*, offset: int, limit: int) -> tuple[list[GroupBuy], int]:
    query = GroupBuy.all()
    return await query.order_by("-id").offset(offset).limit(limit), await query.count()


async def end(*, group_buy_id: int, staff: Staff) -> None:
    """No new groups from now (open groups run their course)."""
    async with in_transaction():
        won = await GroupBuy.filter(id=group_buy_id, ended_at=None).update(
            ended_at=datetime.now(UTC)
        )
        if not won:
            await get(group_buy_id=group_buy_id)
            raise Conflict("The group buy has ended", code="group_buy_ended")
        await audit.record(staff, "group_buy.end", target_type="group_buy", target_id=group_buy_id)


# --- customers -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Joined:
    group: Group
    created: placing.Created


def _prices(offer: GroupBuy) -> dict[int, int]:
    return {int(sku_id): int(price) for sku_id, price in offer.prices.items()}


async def open_group(rt: Runtime, *, group_buy_id: int, user_id: int, body: OrderIn) -> Joined:
    """Open a group by ordering at the group price; the customer is its first member."""
    offer = await get(group_buy_id=group_buy_id)
    now = datetime.now(UTC)
    if offer.ended_at is not None or not offer.starts_at <= now < offer.ends_at:
        raise Conflict("The group buy is not running", code="group_buy_ended")
    async with in_transaction():
        group = await Group.create(
            group_buy_id=offer.id,
            leader_id=user_id,
            size=offer.group_size,
            members=1,
            expires_at=now + timedelta(hours=offer.expires_in_hours),
        )
        await GroupMember.create(group_id=group.id, user_id=user_id)
    created = await _order_or_leave(rt, group, offer, user_id, body)
    await rt.jobs.schedule(
        TaskName.GROUP_EXPIRE,
        at=group.expires_at,
        schedule_id=expire_schedule_id(group.id),
        group_id=group.id,
    )
    return Joined(await Group.get(id=group.id), created)


async def join(rt: Runtime, *, group_id: int, user_id: int, body: OrderIn) -> Joined:
    """Join an open group by ordering at its price: 409 group_full when every place is
    taken, already_joined for a member, group_closed once it completed, failed or expired."""
    group = await Group.get_or_none(id=group_id)
    if group is None:
        raise NotFound("Group not found", code="group_not_found")
    offer = await get(group_buy_id=group.group_buy_id)
    try:
        async with in_transaction() as conn:
            taken = await conn.execute_query_dict(TAKE_PLACE, [group_id])
            if not taken:
                current = await Group.get(id=group_id)
                if current.status == "open" and current.expires_at > datetime.now(UTC):
                    raise Conflict("The group is full", code="group_full")
                raise Conflict(
                    "The group is closed", code="group_closed", details={"status": current.status}
                )
            await GroupMember.create(group_id=group_id, user_id=user_id)
    except IntegrityError:
        raise Conflict("You are in this group already", code="already_joined") from None
    created = await _order_or_leave(rt, group, offer, user_id, body)
    return Joined(await Group.get(id=group_id), created)


async def _order_or_leave(
    rt: Runtime, group: Group, offer: GroupBuy, user_id: int, body: OrderIn
) -> placing.Created:
    try:
        created = await placing.create(
            rt, user_id=user_id, body=body, idempotency_key=None, group_prices=_prices(offer)
        )
    except Exception:
        # No order: the place goes back (the group itself, if the leader's order failed).
        async with in_transaction() as conn:
            await GroupMember.filter(group_id=group.id, user_id=user_id).delete()
            await conn.execute_query(
                "UPDATE groups SET members = members - 1 WHERE id = $1", [group.id]
            )
            if group.leader_id == user_id:
                await Group.filter(id=group.id, members=0).delete()
        raise
    await GroupMember.filter(group_id=group.id, user_id=user_id).update(order_id=created.order.id)
    return created


async def group_of(*, group_id: int) -> Group:
    group = await Group.get_or_none(id=group_id)
    if group is None:
        raise NotFound("Group not found", code="group_not_found")
    return group


# --- expiry ----------------------------------------------------------------------------------


async def expire(rt: Runtime, *, group_id: int) -> str:
    """At a group's expiry: unfilled, it fails (once: group.failed to each member); every
    paid member is refunded through the refund path and unpaid orders are cancelled. Safe
    to run again: each order moves only from the state it is in."""
    async with in_transaction():
        failed = await Group.filter(
            id=group_id, status="open", expires_at__lte=datetime.now(UTC)
        ).update(status="failed", failed_at=datetime.now(UTC))
        group = await Group.get_or_none(id=group_id)
        if group is None or group.status != "failed":
            return "skipped"
        recorded = (
            await group_progress.member_events(group, EventName.GROUP_FAILED) if failed else []
        )
    if recorded:
        await after_commit(rt, what=f"group {group_id} failed", recorded=recorded)
    refunded = 0
    members = await GroupMember.filter(group_id=group_id, order_id__not_isnull=True)
    for member in members:
        order = await Order.get(id=member.order_id)
        if order.status == OrderStatus.PAID:
            try:
                await refunds.request_refund(
                    rt, order=order, reason="拼团失败 group failed", actor=SYSTEM
                )
                await payments.approve_refund(rt, order=order, actor=SYSTEM)
                refunded += 1
            except Conflict:
                pass  # moved meanwhile (another run refunds it, or it needs nothing)
        elif order.status == OrderStatus.PENDING_PAYMENT:
            with contextlib.suppress(Conflict):  # paid or cancelled meanwhile
                await lifecycle.cancel(rt, order=order, reason=CancelReason.TIMEOUT, actor=SYSTEM)
    return "failed" if failed else "swept"


async def sweep(rt: Runtime) -> int:
    """Expire the groups a lost schedule left open past their time."""
    overdue = await Group.filter(status="open", expires_at__lte=datetime.now(UTC)).order_by("id")
    return sum([await expire(rt, group_id=g.id) == "failed" for g in overdue])


async def product_of(group: Group) -> int:
    rows = await connections.get("default").execute_query_dict(
        "SELECT product_id FROM group_buys WHERE id = $1", [group.group_buy_id]
    )
    return int(rows[0]["product_id"])
