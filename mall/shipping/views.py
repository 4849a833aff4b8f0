"""Carriers and the shipping sync for staff; a parcel's tracking for its customer."""

from __future__ import annotations

from typing import Any

from sanic import Blueprint, Request
from sanic.response import HTTPResponse, json

from mall.admin.permissions import Permission
from mall.auth.guards import admin_required, user_required
from mall.context import runtime_of
from mall.orders import presenters, queries
from mall.orders.schemas import AdminOrderOut
from mall.shipping import carriers, sync, tracking
from mall.web import Schema, doc, render

bp = Blueprint("tracking")
admin_bp = Blueprint("admin_shipping")


class CarrierOut(Schema):
    code: str
    name: str


class CarriersOut(Schema):
    items: list[CarrierOut]
    total: int


class TrackingNodeOut(Schema):
    action_time: str
    action_type: int
    action_msg: str


class TrackingOut(Schema):
    carrier_code: str
    carrier: str
    tracking_no: str
    waybill_token: str
    status: int
    path: list[TrackingNodeOut]


@admin_bp.get("/carriers")
@doc(
    summary="WeChat's carrier codes (get_delivery_list, cached): ship with one of these",
    tag="admin-orders",
    response=CarriersOut,
    secured=True,
    errors=(403, 502),
)
@admin_required(Permission.ORDERS_READ)
async def list_carriers(request: Request) -> HTTPResponse:
    rt = runtime_of(request)
    items = await carriers.get_all(
        client=rt.wechat, redis=rt.redis, ttl=rt.settings.wechat_carriers_ttl
    )
    return render(
        CarriersOut(items=[CarrierOut(code=c.code, name=c.name) for c in items], total=len(items))
    )


@admin_bp.post("/orders/<order_id:id>/shipping-sync")
@doc(
    summary="Retry uploading the order's shipping to WeChat now (202: a worker does it)",
    tag="admin-orders",
    response=AdminOrderOut,
    status=202,
    secured=True,
    errors=(403, 404, 409),
)
@admin_required(Permission.ORDERS_WRITE)
async def retry_sync(request: Request, order_id: int) -> HTTPResponse:
    order = await queries.get_any(order_id=order_id)
    await sync.retry_now(runtime_of(request), order_id=order.id, staff=request.ctx.staff)
    return render(await presenters.admin_order_out(order), status=202)


@bp.get("/orders/<order_id:id>/tracking")
@doc(
    summary="Where the parcel is (WeChat logistics); waybill_token opens the tracking component",
    tag="orders",
    response=TrackingOut,
    secured=True,
    errors=(404, 409, 502),
)
@user_required
async def order_tracking(request: Request, order_id: int) -> HTTPResponse:
    order = await queries.get(user=request.ctx.user, order_id=order_id)
    result: dict[str, Any] = await tracking.tracking(runtime_of(request), order=order)
    return json(result)
