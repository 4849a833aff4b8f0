"""Group buys: customers open and join groups (/api/v1), staff offer them (/api/admin)."""

from __future__ import annotations

from sanic import Blueprint, Request
from sanic.response import HTTPResponse, empty

from mall.admin.permissions import Permission
from mall.auth.guards import admin_required, user_token_required
from mall.context import runtime_of
from mall.marketing import group_buys
from mall.marketing.group_schemas import (
    GroupBuyIn,
    GroupBuyOut,
    GroupBuySkuOut,
    GroupOrderOut,
    GroupOut,
)
from mall.orders import presenters
from mall.orders.schemas import OrderIn
from mall.web import PageQuery, doc, parse_body, parse_query, render, render_page
from models import Group, GroupBuy, GroupMember

bp = Blueprint("group_buys")
admin_bp = Blueprint("admin_group_buys")


def _offer_out(offer: GroupBuy) -> GroupBuyOut:
    return GroupBuyOut(
        id=offer.id,
        product_id=offer.product_id,
        skus=[GroupBuySkuOut(sku_id=int(k), price=int(v)) for k, v in sorted(offer.prices.items())],
        group_size=offer.group_size,
        expires_in_hours=offer.expires_in_hours,
        starts_at=offer.starts_at,
        ends_at=offer.ends_at,
        ended_at=offer.ended_at,
        created_at=offer.created_at,
    )


async def _group_out(group: Group, user_id: int) -> GroupOut:
    return GroupOut(
        id=group.id,
        group_buy_id=group.group_buy_id,
        product_id=await group_buys.product_of(group),
        size=group.size,
        members=group.members,
        paid=group.paid,
        status=group.status,  # type: ignore[arg-type]
        expires_at=group.expires_at,
        joined=await GroupMember.exists(group_id=group.id, user_id=user_id),
    )


async def _joined_out(joined: group_buys.Joined, user_id: int) -> HTTPResponse:
    body = GroupOrderOut(
        group=await _group_out(joined.group, user_id),
        order=presenters.created_out(joined.created),
    )
    return render(body, status=201)


@bp.post("/group-buys/<group_buy_id:id>/groups")
@doc(
    summary="Open a group: order at the group price and be its first member",
    tag="marketing",
    body=OrderIn,
    response=GroupOrderOut,
    status=201,
    secured=True,
    errors=(404, 409),
)
@user_token_required
async def open_group(request: Request, group_buy_id: int) -> HTTPResponse:
    body = parse_body(request, OrderIn)
    user_id = request.ctx.claims.subject
    joined = await group_buys.open_group(
        runtime_of(request), group_buy_id=group_buy_id, user_id=user_id, body=body
    )
    return await _joined_out(joined, user_id)


@bp.post("/groups/<group_id:id>/join")
@doc(
    summary="Join an open group: order at its price (409 group_full, already_joined, group_closed)",
    tag="marketing",
    body=OrderIn,
    response=GroupOrderOut,
    status=201,
    secured=True,
    errors=(404, 409),
)
@user_token_required
async def join_group(request: Request, group_id: int) -> HTTPResponse:
    body = parse_body(request, OrderIn)
    user_id = request.ctx.claims.subject
    joined = await group_buys.join(
        runtime_of(request), group_id=group_id, user_id=user_id, body=body
    )
    return await _joined_out(joined, user_id)


@bp.get("/groups/<group_id:id>")
@doc(
    summary="A group: its size, places taken, members paid, status (shareable)",
    tag="marketing",
    response=GroupOut,
    secured=True,
    errors=(404,),
)
@user_token_required
async def get_group(request: Request, group_id: int) -> HTTPResponse:
    group = await group_buys.group_of(group_id=group_id)
    return render(await _group_out(group, request.ctx.claims.subject))


@admin_bp.get("/group-buys")
@doc(
    summary="Group-buy offers, newest first",
    tag="admin-marketing",
    query=PageQuery,
    page_of=GroupBuyOut,
    secured=True,
    errors=(403,),
)
@admin_required(Permission.MARKETING_READ)
async def list_offers(request: Request) -> HTTPResponse:
    query = parse_query(request, PageQuery)
    offers, total = await group_buys.get_all(offset=query.offset, limit=query.page_size)
    return render_page([_offer_out(o) for o in offers], total=total, page=query)


@admin_bp.post("/group-buys")
@doc(
    summary="Offer a product's SKUs at group prices",
    tag="admin-marketing",
    body=GroupBuyIn,
    response=GroupBuyOut,
    status=201,
    secured=True,
    errors=(403,),
)
@admin_required(Permission.MARKETING_WRITE)
async def create_offer(request: Request) -> HTTPResponse:
    data = parse_body(request, GroupBuyIn)
    return render(
        _offer_out(await group_buys.create(data=data, staff=request.ctx.staff)), status=201
    )


@admin_bp.get("/group-buys/<group_buy_id:id>")
@doc(
    summary="One group-buy offer",
    tag="admin-marketing",
    response=GroupBuyOut,
    secured=True,
    errors=(403, 404),
)
@admin_required(Permission.MARKETING_READ)
async def get_offer(request: Request, group_buy_id: int) -> HTTPResponse:
    return render(_offer_out(await group_buys.get(group_buy_id=group_buy_id)))


@admin_bp.delete("/group-buys/<group_buy_id:id>")
@doc(
    summary="End a group-buy offer: no new groups (open ones run their course)",
    tag="admin-marketing",
    status=204,
    secured=True,
    errors=(403, 404, 409),
)
@admin_required(Permission.MARKETING_WRITE)
async def end_offer(request: Request, group_buy_id: int) -> HTTPResponse:
    await group_buys.end(group_buy_id=group_buy_id, staff=request.ctx.staff)
    return empty()
