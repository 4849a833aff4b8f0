"""After-sales for the mini-program (/api/v1) and for staff (/api/admin)."""

from __future__ import annotations

from sanic import Blueprint, Request
from sanic.response import HTTPResponse

from mall.admin.permissions import Permission
from mall.aftersales import presenters, queries, service
from mall.aftersales.schemas import (
    AdminAfterSaleOut,
    AdminAfterSaleQuery,
    AfterSaleIn,
    AfterSaleOut,
    AfterSaleQuery,
    AfterSaleRejectIn,
    ReceiveIn,
    ReturnIn,
    StaffRefundIn,
)
from mall.auth.guards import admin_required, user_required
from mall.catalog import uploads
from mall.context import runtime_of
from mall.orders import queries as orders
from mall.payments import service as payments
from mall.shipping import carriers
from mall.web import doc, parse_body, parse_query, render, render_page
from models import AfterSaleType

bp = Blueprint("after_sales")
admin_bp = Blueprint("admin_after_sales")

_FLOW = (
    "refund_amount is computed by the server: each item's paid share (its goods plus its "
    "share of freight less its share of the discount) pro rata by quantity, exact to the "
    "fen, never more than is left of it. 409 invalid_order_state (the order's state does "
    "not allow this type), after_sale_window_closed (the shop's after_sale_days after "
    "completion have passed), after_sale_quantity_exceeded (more units than are left of an "
    "item); 404 order_item_not_found for an item not of this order."
)


@bp.post("/orders/<order_id:id>/after-sales")
@doc(
    summary="Ask for a refund, or a return and refund, of some units of an order's items",
    description=_FLOW,
    tag="after-sales",
    body=AfterSaleIn,
    response=AfterSaleOut,
    status=201,
    secured=True,
    errors=(404, 409),
)
@user_required
async def create(request: Request, order_id: int) -> HTTPResponse:
    body = parse_body(request, AfterSaleIn)
    rt = runtime_of(request)
    order = await orders.get(user=request.ctx.user, order_id=order_id)
    images = [
        rt.images.resolve(ref)
        for ref in await uploads.stored_refs(storage=rt.images, urls=body.images, field="images")
    ]
    outcome = await service.request(
        rt,
        order=order,
        kind=AfterSaleType(body.type),
        lines=[service.Line(line.order_item_id, line.quantity) for line in body.items],
        reason=body.reason,
        images=images,
        actor=f"user:{order.user_id}",
    )
    return render(await presenters.after_sale_out(outcome.after_sale), status=201)


@bp.get("/after-sales")
@doc(
    summary="The customer's after-sales, newest first",
    tag="after-sales",
    query=AfterSaleQuery,
    page_of=AfterSaleOut,
    secured=True,
)
@user_required
async def list_mine(request: Request) -> HTTPResponse:
    query = parse_query(request, AfterSaleQuery)
    found, total = await queries.get_all(user_id=request.ctx.user.id, query=query)
    return render_page(await presenters.after_sales_out(found), total=total, page=query)


@bp.get("/after-sales/<after_sale_id:id>")
@doc(
    summary="One of the customer's after-sales (the return address once a return is approved)",
    tag="after-sales",
    response=AfterSaleOut,
    secured=True,
    errors=(404,),
)
@user_required
async def get_mine(request: Request, after_sale_id: int) -> HTTPResponse:
    found = await queries.get(user_id=request.ctx.user.id, after_sale_id=after_sale_id)
    return render(await presenters.after_sale_out(found))


@bp.post("/after-sales/<after_sale_id:id>/cancel")
@doc(
    summary="Withdraw a pending after-sale (its units can be asked for again)",
    tag="after-sales",
    response=AfterSaleOut,
    secured=True,
    errors=(404, 409),
)
@user_required
async def cancel(request: Request, after_sale_id: int) -> HTTPResponse:
    found = await service.cancel(
        runtime_of(request), after_sale_id=after_sale_id, user_id=request.ctx.user.id
    )
    return render(await presenters.after_sale_out(found))


@bp.post("/after-sales/<after_sale_id:id>/return")
@doc(
    summary="The goods of an approved return are on their way back: carrier and tracking number",
    tag="after-sales",
    body=ReturnIn,
    response=AfterSaleOut,
    secured=True,
    errors=(404, 409, 502),
)
@user_required
async def submit_return(request: Request, after_sale_id: int) -> HTTPResponse:
    body = parse_body(request, ReturnIn)
    rt = runtime_of(request)
    await queries.get(user_id=request.ctx.user.id, after_sale_id=after_sale_id)
    carrier = await carriers.get(
        client=rt.wechat,
        redis=rt.redis,
        ttl=rt.settings.wechat_carriers_ttl,
        code=body.carrier_code,
    )
    found = await service.submit_return(
        rt,
        after_sale_id=after_sale_id,
        user_id=request.ctx.user.id,
        carrier_code=carrier.code,
        tracking_no=body.tracking_no,
    )
    return render(await presenters.after_sale_out(found))


@admin_bp.get("/after-sales")
@doc(
    summary="After-sales with filters (state, type, order, user, shop-local dates)",
    tag="admin-after-sales",
    query=AdminAfterSaleQuery,
    page_of=AfterSaleOut,
    secured=True,
    errors=(403,),
)
@admin_required(Permission.AFTER_SALES_READ)
async def list_all(request: Request) -> HTTPResponse:
    query = parse_query(request, AdminAfterSaleQuery)
    found, total = await queries.get_all(user_id=None, query=query)
    return render_page(await presenters.after_sales_out(found), total=total, page=query)


@admin_bp.get("/after-sales/<after_sale_id:id>")
@doc(
    summary="One after-sale with its history",
    tag="admin-after-sales",
    response=AdminAfterSaleOut,
    secured=True,
    errors=(403, 404),
)
@admin_required(Permission.AFTER_SALES_READ)
async def get_one(request: Request, after_sale_id: int) -> HTTPResponse:
    found = await queries.get_any(after_sale_id=after_sale_id)
    return render(await presenters.admin_after_sale_out(found))


@admin_bp.post("/after-sales/<after_sale_id:id>/approve")
@doc(
    summary="Approve: a refund goes to WeChat Pay now; a return waits for the goods "
    "(409 return_address_not_set until the shop has one)",
    tag="admin-after-sales",
    response=AdminAfterSaleOut,
    secured=True,
    errors=(403, 404, 409, 503),
)
@admin_required(Permission.AFTER_SALES_WRITE)
async def approve(request: Request, after_sale_id: int) -> HTTPResponse:
    rt = runtime_of(request)
    await queries.get_any(after_sale_id=after_sale_id)
    outcome = await service.approve(rt, after_sale_id=after_sale_id, actor=request.ctx.staff)
    await payments.send_after_sale_refund(rt, refund_id=outcome.refund_id)
    found = await queries.get_any(after_sale_id=after_sale_id)
    return render(await presenters.admin_after_sale_out(found))


@admin_bp.post("/after-sales/<after_sale_id:id>/reject")
@doc(
    summary="Reject a pending after-sale, or an approved return whose goods never came",
    tag="admin-after-sales",
    body=AfterSaleRejectIn,
    response=AdminAfterSaleOut,
    secured=True,
    errors=(403, 404, 409),
)
@admin_required(Permission.AFTER_SALES_WRITE)
async def reject(request: Request, after_sale_id: int) -> HTTPResponse:
    body = parse_body(request, AfterSaleRejectIn)
    await queries.get_any(after_sale_id=after_sale_id)
    found = await service.reject(
        runtime_of(request),
        after_sale_id=after_sale_id,
        actor=request.ctx.staff,
        reason=body.reason,
    )
    return render(await presenters.admin_after_sale_out(found))


@admin_bp.post("/after-sales/<after_sale_id:id>/receive")
@doc(
    summary="The returned goods arrived: the refund goes to WeChat Pay; resellable units "
    "go back into stock",
    tag="admin-after-sales",
    body=ReceiveIn,
    response=AdminAfterSaleOut,
    secured=True,
    errors=(403, 404, 409, 503),
)
@admin_required(Permission.AFTER_SALES_WRITE)
async def receive(request: Request, after_sale_id: int) -> HTTPResponse:
    body = parse_body(request, ReceiveIn)
    rt = runtime_of(request)
    await queries.get_any(after_sale_id=after_sale_id)
    outcome = await service.receive(
        rt, after_sale_id=after_sale_id, actor=request.ctx.staff, resellable=body.resellable
    )
    await payments.send_after_sale_refund(rt, refund_id=outcome.refund_id)
    found = await queries.get_any(after_sale_id=after_sale_id)
    return render(await presenters.admin_after_sale_out(found))


@admin_bp.post("/orders/<order_id:id>/refund")
@doc(
    summary="Refund a paid order, whole or some units of its items, with a reason: "
    "an after-sale approved at once, its refund sent to WeChat Pay",
    description="The amount is the server's, as for a customer's after-sale; the order is "
    "refunded once every unit is. 409 invalid_order_state (not paid, shipped or completed), "
    "after_sale_quantity_exceeded, nothing_to_refund (every unit refunded or being refunded).",
    tag="admin-after-sales",
    body=StaffRefundIn,
    response=AdminAfterSaleOut,
    status=201,
    secured=True,
    errors=(403, 404, 409, 503),
)
@admin_required(Permission.REFUNDS_WRITE)
async def refund_order(request: Request, order_id: int) -> HTTPResponse:
    body = parse_body(request, StaffRefundIn)
    rt = runtime_of(request)
    order = await orders.get_any(order_id=order_id)
    lines = (
        None
        if body.items is None
        else [service.Line(line.order_item_id, line.quantity) for line in body.items]
    )
    outcome = await service.request(
        rt,
        order=order,
        kind=AfterSaleType.REFUND,
        lines=lines,
        reason=body.reason,
        images=[],
        actor=request.ctx.staff,
        approve=True,
    )
    await payments.send_after_sale_refund(rt, refund_id=outcome.refund_id)
    found = await queries.get_any(after_sale_id=outcome.after_sale.id)
    return render(await presenters.admin_after_sale_out(found), status=201)
