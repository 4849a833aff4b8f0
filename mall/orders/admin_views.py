"""Admin orders (filters, ship, cancel, refunds) and the shop's statistics."""

from __future__ import annotations

from pydantic import Field
from sanic import Blueprint, Request
from sanic.response import HTTPResponse, json

from mall import replicas
from mall.admin.permissions import Permission
from mall.aftersales import service as after_sales
from mall.auth.guards import admin_required
from mall.context import runtime_of
from mall.orders import lifecycle, presenters, queries, refunds, stats
from mall.orders.schemas import AdminOrderOut, AdminOrderQuery, OrderOut, RejectIn, ShipIn
from mall.payments import service as payments
from mall.shipping import carriers
from mall.web import Schema, doc, parse_body, parse_query, render, render_page
from models import CancelReason, OrderStatus

bp = Blueprint("admin_orders")


class SalesQuery(Schema):
    days: int = Field(30, ge=1, le=366)


class TopQuery(Schema):
    days: int = Field(30, ge=1, le=366)
    limit: int = Field(10, ge=1, le=100)


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
    page, total = await queries.get_all_for_staff(query=query)
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
    return render(await presenters.admin_order_out(await queries.get_any(order_id=order_id)))


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
    rt = runtime_of(request)
    order = await queries.get_any(order_id=order_id)
    carrier = await carriers.get(
        client=rt.wechat,
        redis=rt.redis,
        ttl=rt.settings.wechat_carriers_ttl,
        code=data.carrier_code,
    )
    order = await lifecycle.ship(
        rt, order=order, carrier=carrier, data=data, actor=request.ctx.staff
    )
    return render(await presenters.admin_order_out(order))


@bp.post("/orders/<order_id:id>/cancel")
@doc(
    summary="Cancel an unpaid order, or a paid unshipped one with a full refund",
    description="A paid order that has not shipped is refunded in full (an after-sale of "
    "every unit, approved at once; its stock goes back): it stays paid, with the refund "
    "under `refund`, until WeChat Pay confirms, then is refunded. 409 for any other state, "
    "or after_sale_in_progress while a customer's after-sale of it is open.",
    tag="admin-orders",
    response=AdminOrderOut,
    secured=True,
    errors=(403, 404, 409, 502, 503),
)
@admin_required(Permission.ORDERS_WRITE)
async def cancel(request: Request, order_id: int) -> HTTPResponse:
    rt = runtime_of(request)
    order = await queries.get_any(order_id=order_id)
    if order.status == OrderStatus.PAID:
        outcome = await after_sales.cancel_paid(rt, order=order, actor=request.ctx.staff)
        await payments.send_after_sale_refund(rt, refund_id=outcome.refund_id)
        return render(await presenters.admin_order_out(await queries.get_any(order_id=order_id)))
    order = await lifecycle.cancel(
        rt, order=order, reason=CancelReason.ADMIN, actor=request.ctx.staff
    )
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
    order = await queries.get_any(order_id=order_id)
    await payments.approve_refund(runtime_of(request), order=order, actor=request.ctx.staff)
    return render(await presenters.admin_order_out(await queries.get_any(order_id=order_id)))


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
    order = await refunds.reject_refund(
        runtime_of(request),
        order=await queries.get_any(order_id=order_id),
        actor=request.ctx.staff,
        note=data.reason,
    )
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
    shop = await runtime_of(request).shop.get()
    return json(
        await replicas.on_replica(
            lambda: stats.overview(low_stock_threshold=shop.low_stock_threshold)
        )
    )


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
            "items": await replicas.on_replica(lambda: stats.sales(days=query.days)),
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
        {
            "days": query.days,
            "items": await replicas.on_replica(
                lambda: stats.top_products(days=query.days, limit=query.limit)
            ),
        }
    )
