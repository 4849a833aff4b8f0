"""Login, refresh, logout and phone binding for customers; password login for staff."""

from __future__ import annotations

from sanic import Blueprint, Request
from sanic.response import HTTPResponse, empty

from mall.admin.presenters import admin_out
from mall.auth import service
from mall.auth.guards import admin_required, client_ip, user_required
from mall.auth.presenters import user_out
from mall.auth.schemas import (
    AdminLoginIn,
    AdminOut,
    AdminTokensOut,
    PhoneIn,
    RefreshIn,
    TokensOut,
    UserOut,
    UserTokensOut,
    WeChatLoginIn,
)
from mall.auth.tokens import Audience
from mall.context import runtime_of
from mall.web import doc, parse_body, render

bp = Blueprint("auth", url_prefix="/auth")
admin_auth_bp = Blueprint("admin_auth", url_prefix="/auth")


@bp.post("/wechat/login")
@doc(
    summary="Log in with a wx.login() code",
    tag="auth",
    body=WeChatLoginIn,
    response=UserTokensOut,
    errors=(403, 429, 502),
)
async def wechat_login(request: Request) -> HTTPResponse:
    body = parse_body(request, WeChatLoginIn)
    ctx = runtime_of(request)
    user, pair = await service.wechat_login(
        ctx.settings, ctx.redis, ctx.wechat, code=body.code, ip=client_ip(request)
    )
    return render(
        UserTokensOut(
            access_token=pair.access_token,
            refresh_token=pair.refresh_token,
            expires_in=pair.expires_in,
            user=user_out(user),
        )
    )


@bp.post("/refresh")
@doc(
    summary="Rotate a refresh token for a new pair",
    tag="auth",
    body=RefreshIn,
    response=TokensOut,
    errors=(401, 403),
)
async def refresh(request: Request) -> HTTPResponse:
    body = parse_body(request, RefreshIn)
    ctx = runtime_of(request)
    _, pair = await service.rotate(
        ctx.settings, ctx.redis, token=body.refresh_token, audience=Audience.USER
    )
    return render(
        TokensOut(
            access_token=pair.access_token,
            refresh_token=pair.refresh_token,
            expires_in=pair.expires_in,
        )
    )


@bp.post("/logout")
@doc(
    summary="Log out: the access token stops working at once", tag="auth", status=204, secured=True
)
@user_required
async def logout(request: Request) -> HTTPResponse:
    ctx = runtime_of(request)
    await service.logout(ctx.settings, ctx.redis, claims=request.ctx.claims)
    return empty()


@bp.post("/phone")
@doc(
    summary="Bind the phone number from a getPhoneNumber code",
    tag="auth",
    body=PhoneIn,
    response=UserOut,
    secured=True,
    errors=(403, 429, 502),
)
@user_required
async def bind_phone(request: Request) -> HTTPResponse:
    body = parse_body(request, PhoneIn)
    user = await service.bind_phone(
        runtime_of(request).wechat, user=request.ctx.user, code=body.code
    )
    return render(user_out(user))


@admin_auth_bp.post("/login")
@doc(
    summary="Staff login with username and password",
    tag="admin-auth",
    body=AdminLoginIn,
    response=AdminTokensOut,
    errors=(401, 403, 429),
)
async def admin_login(request: Request) -> HTTPResponse:
    body = parse_body(request, AdminLoginIn)
    ctx = runtime_of(request)
    admin, pair = await service.admin_login(
        ctx.settings,
        ctx.redis,
        username=body.username,
        password=body.password,
        ip=client_ip(request),
    )
    return render(
        AdminTokensOut(
            access_token=pair.access_token,
            refresh_token=pair.refresh_token,
            expires_in=pair.expires_in,
            admin=await admin_out(admin),
        )
    )


@admin_auth_bp.post("/refresh")
@doc(
    summary="Rotate a staff refresh token",
    tag="admin-auth",
    body=RefreshIn,
    response=TokensOut,
    errors=(401, 403),
)
async def admin_refresh(request: Request) -> HTTPResponse:
    body = parse_body(request, RefreshIn)
    ctx = runtime_of(request)
    _, pair = await service.rotate(
        ctx.settings, ctx.redis, token=body.refresh_token, audience=Audience.ADMIN
    )
    return render(
        TokensOut(
            access_token=pair.access_token,
            refresh_token=pair.refresh_token,
            expires_in=pair.expires_in,
        )
    )


@admin_auth_bp.post("/logout")
@doc(summary="Staff logout", tag="admin-auth", status=204, secured=True)
@admin_required(None)
async def admin_logout(request: Request) -> HTTPResponse:
    ctx = runtime_of(request)
    await service.logout(ctx.settings, ctx.redis, claims=request.ctx.claims)
    return empty()


@admin_auth_bp.get("/me")
@doc(
    summary="The logged-in staff member with their permissions",
    tag="admin-auth",
    response=AdminOut,
    secured=True,
)
@admin_required(None)
async def admin_me(request: Request) -> HTTPResponse:
    return render(await admin_out(request.ctx.admin))
