"""GET/PUT/PATCH /api/admin/settings: PUT replaces the whole document, PATCH changes only
the fields sent."""

from __future__ import annotations

from sanic import Blueprint, Request
from sanic.response import HTTPResponse

from mall.admin.permissions import Permission
from mall.auth.guards import admin_required
from mall.auth.views import client_ip
from mall.shop import service
from mall.shop.schemas import ShopSettingsDoc, ShopSettingsIn, ShopSettingsPatch
from mall.web import doc, parse_body, render

bp = Blueprint("shop_settings")


@bp.get("/settings")
@doc(
    summary="Shop settings",
    tag="admin-settings",
    response=ShopSettingsDoc,
    secured=True,
)
@admin_required(Permission.SETTINGS_READ)
async def get_settings(request: Request) -> HTTPResponse:
    return render(await service.get())


@bp.put("/settings")
@doc(
    summary="Replace the shop settings: every field required (applies to new orders)",
    tag="admin-settings",
    body=ShopSettingsIn,
    response=ShopSettingsDoc,
    secured=True,
)
@admin_required(Permission.SETTINGS_WRITE)
async def put_settings(request: Request) -> HTTPResponse:
    body = parse_body(request, ShopSettingsIn)
    updated = await service.update(
        admin=request.ctx.admin, changes=body.model_dump(), ip=client_ip(request)
    )
    return render(updated)


@bp.patch("/settings")
@doc(
    summary="Change some shop settings: only the fields sent (applies to new orders)",
    tag="admin-settings",
    body=ShopSettingsPatch,
    response=ShopSettingsDoc,
    secured=True,
)
@admin_required(Permission.SETTINGS_WRITE)
async def patch_settings(request: Request) -> HTTPResponse:
    body = parse_body(request, ShopSettingsPatch)
    updated = await service.update(
        admin=request.ctx.admin,
        changes=body.model_dump(exclude_unset=True),
        ip=client_ip(request),
    )
    return render(updated)
