"""GET/PUT/PATCH /api/admin/settings: PUT replaces the whole document, PATCH changes only
the fields sent."""

from __future__ import annotations

from sanic import Blueprint, Request
from sanic.response import HTTPResponse

from mall.admin.permissions import Permission
from mall.auth.guards import admin_required
from mall.context import runtime_of
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
    return render(await runtime_of(request).shop.get())


@bp.put("/settings")
@doc(
    summary="Replace the shop settings: every field of the first API required, the "
    "WeChat ones unchanged when left out (applies to new orders)",
    tag="admin-settings",
    body=ShopSettingsIn,
    response=ShopSettingsDoc,
    secured=True,
)
@admin_required(Permission.SETTINGS_WRITE)
async def put_settings(request: Request) -> HTTPResponse:
    body = parse_body(request, ShopSettingsIn)
    shop = runtime_of(request).shop
    changes = body.model_dump(exclude_unset=True)
    return render(await shop.update(changes=changes, staff=request.ctx.staff))


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
    shop = runtime_of(request).shop
    changes = body.model_dump(exclude_unset=True)
    return render(await shop.update(changes=changes, staff=request.ctx.staff))
