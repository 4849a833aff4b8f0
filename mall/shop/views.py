"""GET/PUT /api/admin/settings."""

from __future__ import annotations

from sanic import Blueprint, Request
from sanic.response import HTTPResponse

from mall.admin.permissions import Permission
from mall.admin.views import audit
from mall.auth.guards import admin_required
from mall.shop import service
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
    return render(await service.get())


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
    before = await service.get()
    updated = await service.update(doc=body)
    await audit(
        request,
        "settings.update",
        "settings",
        1,
        before=before.model_dump(),
        after=updated.model_dump(),
    )
    return render(updated)
