"""Admin orders (filters, ship, cancel, refunds) and the shop's statistics."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from pydantic import Field
from sanic import Blueprint, Request
from sanic.response import HTTPResponse, json

from mall.admin.permissions import Permission
from mall.admin.views import audit
from mall.auth.guards import admin_required
from mall.errors import ValidationFailed
from mall.orders import presenters, service, stats
from mall.orders.schemas import AdminOrderOut, AdminOrderQuery, OrderOut, RejectIn, ShipIn
from mall.payments import service as payments
from mall.shipping import carriers
from mall.shop import service as shop
from mall.web import Schema, doc, parse_body, parse_query, render, render_page
from models import Order, User

bp = Blueprint("admin_orders")


class SalesQuery(Schema):
    days: int = Field(30, ge=1, le=366)


class TopQuery(Schema):
    days: int = Field(30, ge=1, le=366)
    limit: int = Field(10, ge=1, le=100)


def _actor(request: Request) -> str:
    return f"admin:{request.ctx.admin.username}"


async def _filtered(query: AdminOrderQuery) -> Any:
    orders = Order.all()
    if query.status:
        orders = orders.filter(status=query.status)
    if query.order_no:
        orders = orders.filter(order_no__startswith=query.order_no)
    if query.user_id:
        orders = orders.filter(user_id=query.user_id)
    if query.phone:
        user_ids = await User.filter(phone=query.phone).values_list("id", flat=True)
        orders = orders.filter(user_id__in=list(user_ids) or [0])
    if query.date_from and query.date_to and query.date_from > query.date_to:
        raise ValidationFailed(
            details=[{"field": "date_from", "message": "after date_to", "type": "range"}]
        )
    if query.date_from:
        orders = orders.filter(created_at__gte=stats.day_start_utc(query.date_from))
    if query.date_to:
        orders = orders.filter(
            created_at__lt=stats.day_start_utc(query.date_to + timedelta(days=1))
        )
    return orders


@bp.get("/orders")
@doc(
    summary="Orders with filters (status, shop-local dates, order_no, user, phone)",
    tag="admin-orders",
    query=AdminOrderQuery,
    page_of=OrderOut,
    secured=True,
    errors=(403,),
)
@admin_required(Permission.ORDERS_READ)
async def list_orders(request: Request) -> HTTPResponse:
    query = parse_query(request, AdminOrderQuery)
    orders = await _filtered(query)
    total = await orders.count()
    page = await orders.order_by("-id").offset(query.offset).limit(query.page_size)
    return render_page(await presenters.orders_out(page), total=total, page=query)


@bp.get("/orders/<order_id:id>")
@doc(
    summary="One order with its history",
    tag="admin-orders",
    response=AdminOrderOut,
    secured=True,
    errors=(403, 404),
)
@admin_required(Permission.ORDERS_READ)
async def get_order(request: Request, order_id: int) -> HTTPResponse:
    return render(await presenters.admin_order_out(await service.get_any(order_id=order_id)))


@bp.post("/orders/<order_id:id>/ship")
@doc(
    summary="Ship a paid order with a WeChat carrier code; the upload to WeChat follows",
    tag="admin-orders",
    body=ShipIn,
    response=AdminOrderOut,
    secured=True,
    errors=(403, 404, 409, 502),
)
@admin_required(Permission.ORDERS_WRITE)
async def ship(request: Request, order_id: int) -> HTTPResponse:
    data = parse_body(request, ShipIn)
    ctx = request.app.ctx
    order = await service.get_any(order_id=order_id)
    carrier = await carriers.get(
        client=ctx.wechat,
        redis=ctx.redis,
        ttl=ctx.settings.wechat_carriers_ttl,
        code=data.carrier_code,
    )
    order = await service.ship(order=order, carrier=carrier, data=data, actor=_actor(request))
    await audit(request, "order.ship", "order", order.id, **data.model_dump())
    return render(await presenters.admin_order_out(order))


@bp.post("/orders/<order_id:id>/cancel")
@doc(
    summary="Cancel an unpaid order",
    tag="admin-orders",
    response=AdminOrderOut,
    secured=True,
    errors=(403, 404, 409, 502),
)
@admin_required(Permission.ORDERS_WRITE)
async def cancel(request: Request, order_id: int) -> HTTPResponse:
    order = await payments.cancel_unpaid(
        order=await service.get_any(order_id=order_id),
        reason=service.CancelReason.ADMIN,
        actor=_actor(request),
    )
    await audit(request, "order.cancel", "order", order.id)
    return render(await presenters.admin_order_out(order))


@bp.post("/orders/<order_id:id>/refund/approve")
@doc(
    summary="Approve the refund request: WeChat Pay returns the money",
    tag="admin-orders",
    response=AdminOrderOut,
    secured=True,
    errors=(403, 404, 409, 503),
)
@admin_required(Permission.REFUNDS_WRITE)
async def approve_refund(request: Request, order_id: int) -> HTTPResponse:
    order = await service.get_any(order_id=order_id)
    refund = await payments.approve_refund(order=order, actor=_actor(request))
    await audit(
        request,
        "refund.approve",
        "order",
        order.id,
        out_refund_no=refund.out_refund_no,
        result=refund.status,
        failure=refund.failure,
    )
    return render(await presenters.admin_order_out(await service.get_any(order_id=order_id)))


@bp.post("/orders/<order_id:id>/refund/reject")
@doc(
    summary="Reject the refund request: the order goes back where it was",
    tag="admin-orders",
    body=RejectIn,
    response=AdminOrderOut,
    secured=True,
    errors=(403, 404, 409),
)
@admin_required(Permission.REFUNDS_WRITE)
async def reject_refund(request: Request, order_id: int) -> HTTPResponse:
    data = parse_body(request, RejectIn)
    order = await service.reject_refund(
        order=await service.get_any(order_id=order_id), actor=_actor(request), note=data.reason
    )
    await audit(request, "refund.reject", "order", order.id, reason=data.reason)
    return render(await presenters.admin_order_out(order))


@bp.get("/stats/overview")
@doc(
    summary="Today's figures (Asia/Shanghai) and what waits for staff",
    tag="admin-stats",
    response={"type": "object"},
    secured=True,
    errors=(403,),
)
@admin_required(Permission.STATS_READ)
async def overview(request: Request) -> HTTPResponse:
    settings = await shop.get()
    return json(await stats.overview(low_stock_threshold=settings.low_stock_threshold))


@bp.get("/stats/sales")
@doc(
    summary="Per-day orders and takings for the last N shop-local days",
    tag="admin-stats",
    query=SalesQuery,
    response={"type": "object"},
    secured=True,
    errors=(403,),
)
@admin_required(Permission.STATS_READ)
async def sales(request: Request) -> HTTPResponse:
    query = parse_query(request, SalesQuery)
    return json(
        {
            "days": query.days,
            "timezone": stats.SHOP_TZ_NAME,
            "items": await stats.sales(days=query.days),
        }
    )


@bp.get("/stats/top-products")
@doc(
    summary="Best sellers by units over the last N days",
    tag="admin-stats",
    query=TopQuery,
    response={"type": "object"},
    secured=True,
    errors=(403,),
)
@admin_required(Permission.STATS_READ)
async def top(request: Request) -> HTTPResponse:
    query = parse_query(request, TopQuery)
    return json(
        {"days": query.days, "items": await stats.top_products(days=query.days, limit=query.limit)}
    )
