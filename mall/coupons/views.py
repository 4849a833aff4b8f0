"""Customer coupons (/coupons, /me/coupons) and admin coupon templates."""

from __future__ import annotations

from sanic import Blueprint, Request
from sanic.response import HTTPResponse, empty

from mall.admin.permissions import Permission
from mall.auth.guards import admin_required, user_required
from mall.coupons import service
from mall.coupons.schemas import (
    ClaimableList,
    ClaimableOut,
    CouponTemplateIn,
    CouponTemplateOut,
    CouponUsageOut,
    MyCouponQuery,
    UserCouponOut,
)
from mall.web import PageQuery, doc, parse_body, parse_query, render, render_page
from models import CouponTemplate, UserCoupon

bp = Blueprint("coupons")
admin_bp = Blueprint("admin_coupons")


def template_out(template: CouponTemplate) -> CouponTemplateOut:
    return CouponTemplateOut.model_validate(template, from_attributes=True)


def user_coupon_out(coupon: UserCoupon) -> UserCouponOut:
    t = coupon.template
    return UserCouponOut(
        id=coupon.id,
        template_id=t.id,
        name=t.name,
        kind=t.kind,
        amount_off=t.amount_off,
        percent_off=t.percent_off,
        max_discount=t.max_discount,
        threshold=t.threshold,
        scope=t.scope,
        state=service.effective_state(coupon),  # type: ignore[arg-type]
        valid_from=coupon.valid_from,
        valid_until=coupon.valid_until,
        order_id=coupon.order_id,
    )


@bp.get("/coupons")
@doc(summary="Coupons the customer can claim", tag="coupons", response=ClaimableList, secured=True)
@user_required
async def claimable(request: Request) -> HTTPResponse:
    rows = await service.claimable(user=request.ctx.user)
    items = [
        ClaimableOut(
            id=t.id,
            name=t.name,
            kind=t.kind,
            amount_off=t.amount_off,
            percent_off=t.percent_off,
            max_discount=t.max_discount,
            threshold=t.threshold,
            valid_until=t.valid_until,
            valid_days=t.valid_days,
            scope=t.scope,
            remaining=None if t.total_limit is None else t.total_limit - t.issued_count,
            claimed=held,
            per_user_limit=t.per_user_limit,
        )
        for t, held in rows
    ]
    return render(ClaimableList(items=items))


@bp.post("/coupons/<template_id:id>/claim")
@doc(
    summary="Claim a coupon",
    tag="coupons",
    response=UserCouponOut,
    status=201,
    secured=True,
    errors=(404, 409),
)
@user_required
async def claim(request: Request, template_id: int) -> HTTPResponse:
    coupon = await service.claim(user=request.ctx.user, template_id=template_id)
    await coupon.fetch_related("template")
    return render(user_coupon_out(coupon), status=201)


@bp.get("/me/coupons")
@doc(
    summary="The customer's coupons by state",
    tag="coupons",
    query=MyCouponQuery,
    page_of=UserCouponOut,
    secured=True,
)
@user_required
async def my_coupons(request: Request) -> HTTPResponse:
    query = parse_query(request, MyCouponQuery)
    coupons, total = await service.mine(user=request.ctx.user, query=query)
    return render_page([user_coupon_out(c) for c in coupons], total=total, page=query)


@admin_bp.get("/coupons")
@doc(
    summary="Coupon templates",
    tag="admin-coupons",
    query=PageQuery,
    page_of=CouponTemplateOut,
    secured=True,
    errors=(403,),
)
@admin_required(Permission.COUPONS_READ)
async def list_templates(request: Request) -> HTTPResponse:
    query = parse_query(request, PageQuery)
    items, total = await service.get_all_templates(offset=query.offset, limit=query.page_size)
    return render_page([template_out(t) for t in items], total=total, page=query)


@admin_bp.post("/coupons")
@doc(
    summary="Create a coupon template",
    tag="admin-coupons",
    body=CouponTemplateIn,
    response=CouponTemplateOut,
    status=201,
    secured=True,
    errors=(403,),
)
@admin_required(Permission.COUPONS_WRITE)
async def create_template(request: Request) -> HTTPResponse:
    data = parse_body(request, CouponTemplateIn)
    template = await service.create_template(data=data, staff=request.ctx.staff)
    return render(template_out(template), status=201)


@admin_bp.get("/coupons/<template_id:id>")
@doc(
    summary="One coupon template",
    tag="admin-coupons",
    response=CouponTemplateOut,
    secured=True,
    errors=(403, 404),
)
@admin_required(Permission.COUPONS_READ)
async def get_template(request: Request, template_id: int) -> HTTPResponse:
    return render(template_out(await service.get_template(template_id=template_id)))


@admin_bp.get("/coupons/<template_id:id>/usage")
@doc(
    summary="How a template's coupons stand: issued, unused, locked, used, expired, savings",
    tag="admin-coupons",
    response=CouponUsageOut,
    secured=True,
    errors=(403, 404),
)
@admin_required(Permission.COUPONS_READ)
async def template_usage(request: Request, template_id: int) -> HTTPResponse:
    return render(CouponUsageOut(**await service.usage(template_id=template_id)))


@admin_bp.put("/coupons/<template_id:id>")
@doc(
    summary="Replace a coupon template",
    tag="admin-coupons",
    body=CouponTemplateIn,
    response=CouponTemplateOut,
    secured=True,
    errors=(403, 404, 409),
)
@admin_required(Permission.COUPONS_WRITE)
async def update_template(request: Request, template_id: int) -> HTTPResponse:
    data = parse_body(request, CouponTemplateIn)
    template = await service.update_template(
        template_id=template_id, data=data, staff=request.ctx.staff
    )
    return render(template_out(template))


@admin_bp.delete("/coupons/<template_id:id>")
@doc(
    summary="Delete an unclaimed coupon template",
    tag="admin-coupons",
    status=204,
    secured=True,
    errors=(403, 404, 409),
)
@admin_required(Permission.COUPONS_WRITE)
async def delete_template(request: Request, template_id: int) -> HTTPResponse:
    await service.delete_template(template_id=template_id, staff=request.ctx.staff)
    return empty()
