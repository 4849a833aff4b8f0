"""Claiming coupons, and locking, spending and returning them for orders."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import cast

from tortoise import connections
from tortoise.expressions import F, Q
from tortoise.transactions import in_transaction

from mall.admin import audit
from mall.admin.audit import Staff
from mall.coupons import rules
from mall.coupons.schemas import CouponTemplateIn, MyCouponQuery
from mall.errors import Conflict, NotFound
from mall.orders.stats import COUNTED_AS_SOLD
from models import CouponState, CouponTemplate, User, UserCoupon


def _now() -> datetime:
    return datetime.now(UTC)


def _open_templates() -> Q:
    now = _now()
    return (
        Q(active=True)
        & (Q(valid_until__isnull=True) | Q(valid_until__gt=now))
        & (Q(valid_from__isnull=True) | Q(valid_from__lte=now))
    )


async def claimable(*, user: User | None) -> list[tuple[CouponTemplate, int]]:
    """Active templates still in stock, with how many the user already holds."""
    templates = await CouponTemplate.filter(_open_templates()).order_by("-id")
    templates = [t for t in templates if t.total_limit is None or t.issued_count < t.total_limit]
    held: dict[int, int] = {}
    if user is not None and templates:
        rows = await UserCoupon.filter(
            user_id=user.id, template_id__in=[t.id for t in templates]
        ).values_list("template_id", flat=True)
        for template_id in cast(list[int], rows):
            held[int(template_id)] = held.get(int(template_id), 0) + 1
    return [(t, held.get(t.id, 0)) for t in templates]


async def claim(*, user: User, template_id: int) -> UserCoupon:
    """Claim one coupon: total and per-user limits hold under any concurrency."""
    async with in_transaction():
        # The user's row lock serialises their concurrent claims for the per-user count.
        await User.filter(id=user.id).select_for_update().first()
        template = await CouponTemplate.get_or_none(id=template_id)
        if (
            template is None
            or not await CouponTemplate.filter(_open_templates(), id=template_id).exists()
        ):
            raise NotFound("Coupon not found or not claimable", code="coupon_not_found")
        held = await UserCoupon.filter(user_id=user.id, template_id=template_id).count()
        if held >= template.per_user_limit:
            raise Conflict("You already hold this coupon", code="coupon_limit_reached")
        issued = await CouponTemplate.filter(
            Q(total_limit__isnull=True) | Q(total_limit__gt=F("issued_count")), id=template_id
        ).update(issued_count=F("issued_count") + 1)
        if not issued:
            raise Conflict("This coupon has run out", code="coupon_sold_out")
        now = _now()
        if template.valid_days is not None:
            valid_from, valid_until = now, now + timedelta(days=template.valid_days)
        else:
            assert template.valid_until is not None
            valid_from, valid_until = template.valid_from or now, template.valid_until
        return await UserCoupon.create(
            user_id=user.id,
            template_id=template_id,
            state=CouponState.CLAIMED,
            valid_from=valid_from,
            valid_until=valid_until,
        )


def effective_state(coupon: UserCoupon, now: datetime | None = None) -> str:
    if coupon.state == CouponState.CLAIMED and coupon.valid_until <= (now or _now()):
        return CouponState.EXPIRED
    return coupon.state


async def mine(*, user: User, query: MyCouponQuery) -> tuple[list[UserCoupon], int]:
    """The user's coupons by state; `usable` means claimed and valid now."""
    now = _now()
    coupons = UserCoupon.filter(user_id=user.id)
    if query.state == "usable":
        coupons = coupons.filter(
            state=CouponState.CLAIMED, valid_from__lte=now, valid_until__gt=now
        )
    elif query.state == CouponState.EXPIRED:
        coupons = coupons.filter(
            Q(state=CouponState.EXPIRED) | Q(state=CouponState.CLAIMED, valid_until__lte=now)
        )
    elif query.state == CouponState.CLAIMED:
        coupons = coupons.filter(state=CouponState.CLAIMED, valid_until__gt=now)
    elif query.state is not None:
        coupons = coupons.filter(state=query.state)
    total = await coupons.count()
    items = (
        await coupons.order_by("valid_until", "id")
        .offset(query.offset)
        .limit(query.page_size)
        .prefetch_related("template")
    )
    return items, total


async def usable_for(*, user: User, lines: Sequence[rules.Line]) -> list[tuple[UserCoupon, int]]:
    """The user's coupons that take something off these lines, best first."""
    now = _now()
    coupons = await UserCoupon.filter(
        user_id=user.id, state=CouponState.CLAIMED, valid_from__lte=now, valid_until__gt=now
    ).prefetch_related("template")
    scored = [(c, rules.discount(c.template, lines)) for c in coupons]
    usable = [(c, off) for c, off in scored if off > 0]
    usable.sort(key=lambda pair: (-pair[1], pair[0].valid_until, pair[0].id))
    return usable


async def spend_for_order(*, order_id: int) -> int:
    """The order was paid: its coupon is used."""
    return await UserCoupon.filter(order_id=order_id, state=CouponState.LOCKED).update(
        state=CouponState.USED, used_at=_now()
    )


async def return_for_refund(*, order_id: int) -> int:
    """The order was refunded: its coupon goes back to the customer."""
    return await UserCoupon.filter(
        order_id=order_id, state__in=[CouponState.USED, CouponState.LOCKED]
    ).update(state=CouponState.CLAIMED, order_id=None, used_at=None)


async def get_template(*, template_id: int) -> CouponTemplate:
    template = await CouponTemplate.get_or_none(id=template_id)
    if template is None:
        raise NotFound("Coupon template not found", code="coupon_not_found")
    return template


async def get_all_templates(*, offset: int, limit: int) -> tuple[list[CouponTemplate], int]:
    total = await CouponTemplate.all().count()
    return await CouponTemplate.all().order_by("-id").offset(offset).limit(limit), total


async def usage(*, template_id: int) -> dict[str, int]:
    """Counts of a template's coupons by state, and what the orders paid with one saved."""
    template = await get_template(template_id=template_id)
    conn = connections.get("default")
    (coupons,) = await conn.execute_query_dict(
        """
        SELECT count(*) AS issued,
               count(*) FILTER (WHERE state = 'claimed' AND valid_until > now()) AS unused,
               count(*) FILTER (WHERE state = 'locked') AS locked,
               count(*) FILTER (WHERE state = 'used') AS used,
               count(*) FILTER (WHERE state = 'expired'
                                   OR (state = 'claimed' AND valid_until <= now())) AS expired
        FROM user_coupons WHERE template_id = $1
        """,
        [template.id],
    )
    (orders,) = await conn.execute_query_dict(
        """
        SELECT count(*) AS orders, coalesce(sum(o.discount_amount), 0) AS discount_amount
        FROM orders o JOIN user_coupons c ON c.id = o.user_coupon_id
        WHERE c.template_id = $1 AND o.status = ANY($2::text[])
        """,
        [template.id, list(COUNTED_AS_SOLD)],
    )
    return {"template_id": template.id, **{k: int(v) for k, v in {**coupons, **orders}.items()}}


async def create_template(*, data: CouponTemplateIn, staff: Staff) -> CouponTemplate:
    """A new coupon template."""
    async with in_transaction():
        template = await CouponTemplate.create(**data.model_dump())
        await audit.record(
            staff,
            "coupon.create",
            target_type="coupon",
            target_id=template.id,
            detail=data.model_dump(mode="json"),
        )
    return template


async def update_template(
    *, template_id: int, data: CouponTemplateIn, staff: Staff
) -> CouponTemplate:
    """Edit a template; coupons already claimed keep the terms they were claimed under."""
    async with in_transaction():
        template = await CouponTemplate.filter(id=template_id).select_for_update().first()
        if template is None:
            raise NotFound("Coupon template not found", code="coupon_not_found")
        if data.total_limit is not None and data.total_limit < template.issued_count:
            raise Conflict(
                f"{template.issued_count} already issued; total_limit cannot go below that",
                code="coupon_limit_below_issued",
            )
        await CouponTemplate.filter(id=template_id).update(**data.model_dump())
        await audit.record(
            staff,
            "coupon.update",
            target_type="coupon",
            target_id=template_id,
            detail=data.model_dump(mode="json"),
        )
    return await get_template(template_id=template_id)


async def delete_template(*, template_id: int, staff: Staff) -> None:
    """Delete a template nobody claimed; one already claimed can only be deactivated."""
    async with in_transaction():
        template = await get_template(template_id=template_id)
        if await UserCoupon.filter(template_id=template.id).exists():
            raise Conflict("Coupons were claimed; deactivate it instead", code="coupon_in_use")
        await audit.record(
            staff,
            "coupon.delete",
            target_type="coupon",
            target_id=template_id,
            detail={"name": template.name},
        )
        await template.delete()
