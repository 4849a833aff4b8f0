"""Mini-program checkout and orders: /checkout/preview, /orders and their actions."""

from __future__ import annotations

from sanic import Blueprint, Request
from sanic.response import HTTPResponse

from mall.auth.guards import user_required, user_token_required
from mall.context import runtime_of
from mall.orders import checkout, lifecycle, placing, presenters, queries, refunds, reviews
from mall.orders.schemas import (
    IDEMPOTENCY_HEADER,
    CheckoutIn,
    OrderIn,
    OrderOut,
    OrderQuery,
    PreviewOut,
    RefundIn,
    ReviewIn,
    ReviewOut,
)
from mall.payments import service as payments
from mall.web import doc, parse_body, parse_query, render, render_page
from models import CancelReason

bp = Blueprint("orders")


@bp.post("/checkout/preview")
@doc(
    summary="Price a checkout server-side and list usable coupons, best first",
    tag="orders",
    body=CheckoutIn,
    response=PreviewOut,
    secured=True,
    errors=(404, 409),
)
@user_required
async def preview(request: Request) -> HTTPResponse:
    body = parse_body(request, CheckoutIn)
    rt = runtime_of(request)
    co = await checkout.checkout(
        user_id=request.ctx.user.id,
        body=body,
        images=rt.images,
        shop=await rt.shop.get(),
        require_stock=True,
    )
    return render(presenters.preview_out(co.priced))


@bp.post("/orders")
@doc(
    summary="Place an order (send an Idempotency-Key header to make retries safe)",
    tag="orders",
    body=OrderIn,
    optional_headers={"Idempotency-Key": IDEMPOTENCY_HEADER},
    response=OrderOut,
    status=201,
    secured=True,
    errors=(404, 409),
)
@user_token_required
async def create_order(request: Request) -> HTTPResponse:
    body = parse_body(request, OrderIn)
    key = checkout.validate_idempotency_key(request.headers.get("idempotency-key"))
    created = await placing.create(
        runtime_of(request), user_id=request.ctx.claims.subject, body=body, idempotency_key=key
    )
    response = render(presenters.created_out(created), status=201)
    if created.replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return response


@bp.get("/orders")
@doc(
    summary="The customer's orders, newest first",
    tag="orders",
    query=OrderQuery,
    page_of=OrderOut,
    secured=True,
)
@user_required
async def list_orders(request: Request) -> HTTPResponse:
    query = parse_query(request, OrderQuery)
    orders, total = await queries.get_all(
        user=request.ctx.user, status=query.status, offset=query.offset, limit=query.page_size
    )
    return render_page(await presenters.orders_out(orders), total=total, page=query)


@bp.get("/orders/<order_id:id>")
@doc(
    summary="One order (a pending one near expiry is checked with WeChat Pay)",
    tag="orders",
    response=OrderOut,
    secured=True,
    errors=(404,),
)
@user_required
async def get_order(request: Request, order_id: int) -> HTTPResponse:
    order = await queries.get(user=request.ctx.user, order_id=order_id)
    order = await payments.reconcile_if_due(runtime_of(request), order=order)
    return render(await presenters.order_out(order))


@bp.post("/orders/<order_id:id>/cancel")
@doc(
    summary="Cancel an unpaid order",
    tag="orders",
    response=OrderOut,
    secured=True,
    errors=(404, 409),
)
@user_required
async def cancel_order(request: Request, order_id: int) -> HTTPResponse:
    order = await queries.get(user=request.ctx.user, order_id=order_id)
    order = await lifecycle.cancel(
        runtime_of(request), order=order, reason=CancelReason.USER, actor=f"user:{order.user_id}"
    )
    return render(await presenters.order_out(order))


@bp.post("/orders/<order_id:id>/confirm")
@doc(
    summary="Confirm receipt of a shipped order",
    tag="orders",
    response=OrderOut,
    secured=True,
    errors=(404, 409),
)
@user_required
async def confirm_order(request: Request, order_id: int) -> HTTPResponse:
    order = await queries.get(user=request.ctx.user, order_id=order_id)
    order = await lifecycle.confirm_receipt(
        runtime_of(request), order=order, actor=f"user:{order.user_id}"
    )
    return render(await presenters.order_out(order))


@bp.post("/orders/<order_id:id>/refund")
@doc(
    summary="Ask for a refund (paid, shipped, or completed within 7 days)",
    tag="orders",
    body=RefundIn,
    response=OrderOut,
    secured=True,
    errors=(404, 409),
)
@user_required
async def request_refund(request: Request, order_id: int) -> HTTPResponse:
    body = parse_body(request, RefundIn)
    order = await queries.get(user=request.ctx.user, order_id=order_id)
    await refunds.request_refund(
        runtime_of(request), order=order, reason=body.reason, actor=f"user:{order.user_id}"
    )
    return render(await presenters.order_out(await queries.get_any(order_id=order.id)))


@bp.post("/orders/<order_id:id>/reviews")
@doc(
    summary="Review an item of a completed order (checked by WeChat; 422 content_rejected)",
    tag="orders",
    body=ReviewIn,
    response=ReviewOut,
    status=201,
    secured=True,
    errors=(404, 409),
)
@user_required
async def review_order(request: Request, order_id: int) -> HTTPResponse:
    body = parse_body(request, ReviewIn)
    order = await queries.get(user=request.ctx.user, order_id=order_id)
    created = await reviews.review(
        runtime_of(request), user=request.ctx.user, order=order, data=body
    )
    return render(ReviewOut.model_validate(created, from_attributes=True), status=201)
