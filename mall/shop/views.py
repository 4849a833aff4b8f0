"""GET/PUT /api/admin/settings."""

from __future__ import annotations

from sanic import Blueprint, Request
from sanic.response import HTTPResponse

from mall.admin.permissions import Permission
from mall.auth.guards import admin_required
from mall.context import runtime_of
from mall.shop.schemas import ShopSettingsDoc
from mall.web import doc, parse_body, render

bp = Blueprint("shop_settings")


@bp.get("/settings")
@doc(
    summary="Shop settings",
    tag="admin-settings",
    response=ShopSettingsDoc,
    secured=True,
    errors=(403,),
)
@admin_required(Permission.SETTINGS_READ)
async def get_settings(request: Request) -> HTTPResponse:
    return render(await runtime_of(request).shop.get())


@bp.put("/settings")
@doc(
    summary="Change shop settings (applies to new orders)",
    tag="admin-settings",
    body=ShopSettingsDoc,
    response=ShopSettingsDoc,
    secured=True,
    errors=(403,),
)
@admin_required(Permission.SETTINGS_WRITE)
async def put_settings(request: Request) -> HTTPResponse:
    body = parse_body(request, ShopSettingsDoc)
    updated = await runtime_of(request).shop.update(doc=body, staff=request.ctx.staff)
    return render(updated)
