"""Route guards: who is calling, and may they."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import wraps
from typing import Any, TypeVar

from sanic import Request
from tortoise import connections

from mall.admin.audit import Staff
from mall.admin.permissions import Permission
from mall.auth import service
from mall.auth.tokens import Audience, Claims
from mall.context import runtime_of
from mall.errors import Forbidden, Unauthorized
from models import Admin, User

Handler = TypeVar("Handler", bound=Callable[..., Awaitable[Any]])


def bearer_token(request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("Send Authorization: Bearer <access_token>", code="missing_token")
    return token.strip()


async def _user(user_id: int) -> User | None:
    """The user of a token: every customer request reads it (bans apply at once), so it is
    one cached statement rather than an ORM query built per request."""
    async with connections.get("default").acquire_connection() as conn:
        row = await conn.fetchrow("SELECT * FROM users WHERE id = $1", user_id)
    return User._init_from_db(**row) if row is not None else None


async def authenticate_user(request: Request, token: str) -> tuple[Claims, User]:
    rt = runtime_of(request)
    claims = await service.authenticate(rt.settings, rt.redis, token=token, audience=Audience.USER)
    return claims, service.active_user(await _user(claims.subject))


async def authenticate_admin(request: Request, token: str) -> tuple[Claims, Admin, set[str]]:
    rt = runtime_of(request)
    claims = await service.authenticate(rt.settings, rt.redis, token=token, audience=Audience.ADMIN)
    admin = await Admin.get_or_none(id=claims.subject).prefetch_related("roles")
    if admin is None:
        raise Unauthorized("Unknown admin", code="invalid_token")
    if not admin.is_active:
        raise Forbidden("This admin account is disabled", code="account_disabled")
    return claims, admin, _granted(admin)


def _granted(admin: Admin) -> set[str]:
    """The permissions of the admin's roles (prefetched)."""
    granted: set[str] = set()
    for role in admin.roles:
        granted.update(role.permissions or [])
    return granted


def require_permission(staff: Staff, permission: Permission) -> None:
    """403 `permission_denied` naming PERMISSION unless the admin holds it."""
    if not staff.may(permission.value):
        raise Forbidden(
            f"Requires permission {permission.value}",
            code="permission_denied",
            details={"permission": permission.value},
        )


async def current_staff(admin_id: int) -> Staff | None:
    """The admin as it is now with its role permissions (None if gone or disabled): for
    checks long after the token was accepted (an open socket's subscriptions)."""
    admin = await Admin.get_or_none(id=admin_id, is_active=True).prefetch_related("roles")
    return None if admin is None else Staff(admin=admin, permissions=frozenset(_granted(admin)))


def user_required(handler: Handler) -> Handler:
    """Sets request.ctx.user and request.ctx.claims for a mini-program customer."""

    @wraps(handler)
    async def guarded(request: Request, *args: Any, **kwargs: Any) -> Any:
        request.ctx.claims, request.ctx.user = await authenticate_user(
            request, bearer_token(request)
        )
        return await handler(request, *args, **kwargs)

    guarded.required_audience = Audience.USER  # type: ignore[attr-defined]
    return guarded  # type: ignore[return-value]


def user_token_required(handler: Handler) -> Handler:
    """Like user_required, but leaves reading the user to the handler (request.ctx.claims
    only): placing an order reads them in its checkout query and checks them with
    `service.active_user`, one round trip fewer on the busiest path."""

    @wraps(handler)
    async def guarded(request: Request, *args: Any, **kwargs: Any) -> Any:
        rt = runtime_of(request)
        request.ctx.claims = await service.authenticate(
            rt.settings, rt.redis, token=bearer_token(request), audience=Audience.USER
        )
        return await handler(request, *args, **kwargs)

    guarded.required_audience = Audience.USER  # type: ignore[attr-defined]
    return guarded  # type: ignore[return-value]


async def optional_user_id(request: Request) -> int | None:
    """The customer of a public route that reads a token when one is sent (None without
    one); a bad token is a 401 as anywhere else, so a client learns to refresh it."""
    if "authorization" not in request.headers:
        return None
    rt = runtime_of(request)
    claims = await service.authenticate(
        rt.settings, rt.redis, token=bearer_token(request), audience=Audience.USER
    )
    return claims.subject


def client_ip(request: Request) -> str:
    return request.remote_addr or request.ip or "unknown"


def admin_required(permission: Permission | None) -> Callable[[Handler], Handler]:
    """Sets request.ctx.staff (the admin, its granted permissions, its address) and
    request.ctx.admin; 403 unless a role (or superuser) grants `permission`."""

    def decorate(handler: Handler) -> Handler:
        @wraps(handler)
        async def guarded(request: Request, *args: Any, **kwargs: Any) -> Any:
            claims, admin, granted = await authenticate_admin(request, bearer_token(request))
            staff = Staff(admin=admin, permissions=frozenset(granted), ip=client_ip(request))
            if permission is not None:
                require_permission(staff, permission)
            request.ctx.claims, request.ctx.admin, request.ctx.staff = claims, admin, staff
            response = await handler(request, *args, **kwargs)
            # The handler returned: the changes it audited have committed, so their
            # admin.action events go out now (a failed request leaves nothing to send, or,
            # if it committed before failing, leaves it to the outbox sweeper).
            if staff.announced:
                await runtime_of(request).events.publish(staff.announced)
            return response

        # Read by the permission-matrix test (tests/admin/test_permission_matrix.py).
        guarded.required_audience = Audience.ADMIN  # type: ignore[attr-defined]
        guarded.required_permission = permission  # type: ignore[attr-defined]
        return guarded  # type: ignore[return-value]

    return decorate
