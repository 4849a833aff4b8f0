"""Admin API: staff, roles, customers and the audit log; each route names its permission."""

from __future__ import annotations

from sanic import Blueprint, Request
from sanic.response import HTTPResponse, empty

from mall.admin import service
from mall.admin.permissions import ALL_PERMISSIONS, Permission
from mall.admin.presenters import admin_out
from mall.admin.schemas import (
    AdminCreate,
    AdminQuery,
    AdminUpdate,
    BanIn,
    LogOut,
    LogQuery,
    NicknameDecision,
    RoleIn,
    RoleList,
    RoleOut,
    UserAdminOut,
    UserQuery,
)
from mall.auth.guards import admin_required
from mall.auth.schemas import AdminOut
from mall.context import runtime_of
from mall.web import doc, parse_body, parse_query, render, render_page
from models import Role

bp = Blueprint("admin")

P = Permission


def role_out(role: Role) -> RoleOut:
    return RoleOut.model_validate(role, from_attributes=True)


@bp.get("/admins")
@doc(
    summary="List staff accounts",
    tag="admin-staff",
    query=AdminQuery,
    page_of=AdminOut,
    secured=True,
    errors=(403,),
)
@admin_required(P.ADMINS_READ)
async def list_admins(request: Request) -> HTTPResponse:
    query = parse_query(request, AdminQuery)
    admins, total = await service.get_all_admins(
        q=query.q, offset=query.offset, limit=query.page_size
    )
    return render_page([await admin_out(a) for a in admins], total=total, page=query)


@bp.post("/admins")
@doc(
    summary="Create a staff account",
    tag="admin-staff",
    body=AdminCreate,
    response=AdminOut,
    status=201,
    secured=True,
    errors=(403, 409),
)
@admin_required(P.ADMINS_WRITE)
async def create_admin(request: Request) -> HTTPResponse:
    data = parse_body(request, AdminCreate)
    admin = await service.create_admin(
        username=data.username,
        password=data.password,
        display_name=data.display_name,
        is_superuser=data.is_superuser,
        role_ids=data.role_ids,
        staff=request.ctx.staff,
    )
    return render(await admin_out(admin), status=201)


@bp.get("/admins/<admin_id:id>")
@doc(
    summary="One staff account",
    tag="admin-staff",
    response=AdminOut,
    secured=True,
    errors=(403, 404),
)
@admin_required(P.ADMINS_READ)
async def get_admin(request: Request, admin_id: int) -> HTTPResponse:
    return render(await admin_out(await service.get_admin(admin_id=admin_id)))


@bp.patch("/admins/<admin_id:id>")
@doc(
    summary="Edit a staff account (roles, password, active)",
    tag="admin-staff",
    body=AdminUpdate,
    response=AdminOut,
    secured=True,
    errors=(403, 404, 409),
)
@admin_required(P.ADMINS_WRITE)
async def update_admin(request: Request, admin_id: int) -> HTTPResponse:
    data = parse_body(request, AdminUpdate)
    rt = runtime_of(request)
    admin = await service.update_admin(
        rt.settings, rt.redis, staff=request.ctx.staff, admin_id=admin_id, data=data
    )
    return render(await admin_out(admin))


@bp.delete("/admins/<admin_id:id>")
@doc(
    summary="Delete a staff account",
    tag="admin-staff",
    status=204,
    secured=True,
    errors=(403, 404, 409),
)
@admin_required(P.ADMINS_WRITE)
async def delete_admin(request: Request, admin_id: int) -> HTTPResponse:
    rt = runtime_of(request)
    await service.delete_admin(rt.settings, rt.redis, staff=request.ctx.staff, admin_id=admin_id)
    return empty()


@bp.get("/roles")
@doc(
    summary="Roles and the permission catalogue",
    tag="admin-staff",
    response=RoleList,
    secured=True,
    errors=(403,),
)
@admin_required(P.ROLES_READ)
async def list_roles(request: Request) -> HTTPResponse:
    roles = await service.get_all_roles()
    return render(
        RoleList(items=[role_out(r) for r in roles], all_permissions=sorted(ALL_PERMISSIONS))
    )


@bp.post("/roles")
@doc(
    summary="Create a role",
    tag="admin-staff",
    body=RoleIn,
    response=RoleOut,
    status=201,
    secured=True,
    errors=(403, 409),
)
@admin_required(P.ROLES_WRITE)
async def create_role(request: Request) -> HTTPResponse:
    data = parse_body(request, RoleIn)
    role = await service.create_role(staff=request.ctx.staff, data=data)
    return render(role_out(role), status=201)


@bp.get("/roles/<role_id:id>")
@doc(summary="One role", tag="admin-staff", response=RoleOut, secured=True, errors=(403, 404))
@admin_required(P.ROLES_READ)
async def get_role(request: Request, role_id: int) -> HTTPResponse:
    return render(role_out(await service.get_role(role_id=role_id)))


@bp.put("/roles/<role_id:id>")
@doc(
    summary="Replace a role",
    tag="admin-staff",
    body=RoleIn,
    response=RoleOut,
    secured=True,
    errors=(403, 404, 409),
)
@admin_required(P.ROLES_WRITE)
async def update_role(request: Request, role_id: int) -> HTTPResponse:
    data = parse_body(request, RoleIn)
    role = await service.update_role(staff=request.ctx.staff, role_id=role_id, data=data)
    return render(role_out(role))


@bp.delete("/roles/<role_id:id>")
@doc(
    summary="Delete a role that no admin holds",
    tag="admin-staff",
    status=204,
    secured=True,
    errors=(403, 404, 409),
)
@admin_required(P.ROLES_WRITE)
async def delete_role(request: Request, role_id: int) -> HTTPResponse:
    await service.delete_role(staff=request.ctx.staff, role_id=role_id)
    return empty()


@bp.get("/users")
@doc(
    summary="Customers",
    tag="admin-users",
    query=UserQuery,
    page_of=UserAdminOut,
    secured=True,
    errors=(403,),
)
@admin_required(P.USERS_READ)
async def list_users(request: Request) -> HTTPResponse:
    query = parse_query(request, UserQuery)
    users, total = await service.get_all_users(query=query)
    items = [UserAdminOut.model_validate(u, from_attributes=True) for u in users]
    return render_page(items, total=total, page=query)


@bp.post("/users/<user_id:id>/ban")
@doc(
    summary="Ban a customer: their tokens stop working at once",
    tag="admin-users",
    body=BanIn,
    response=UserAdminOut,
    secured=True,
    errors=(403, 404),
)
@admin_required(P.USERS_BAN)
async def ban_user(request: Request, user_id: int) -> HTTPResponse:
    data = parse_body(request, BanIn)
    rt = runtime_of(request)
    user = await service.set_banned(
        rt.settings,
        rt.redis,
        staff=request.ctx.staff,
        user_id=user_id,
        banned=True,
        reason=data.reason,
    )
    return render(UserAdminOut.model_validate(user, from_attributes=True))


@bp.post("/users/<user_id:id>/unban")
@doc(
    summary="Lift a ban", tag="admin-users", response=UserAdminOut, secured=True, errors=(403, 404)
)
@admin_required(P.USERS_BAN)
async def unban_user(request: Request, user_id: int) -> HTTPResponse:
    rt = runtime_of(request)
    user = await service.set_banned(
        rt.settings, rt.redis, staff=request.ctx.staff, user_id=user_id, banned=False
    )
    return render(UserAdminOut.model_validate(user, from_attributes=True))


@bp.post("/users/<user_id:id>/nickname")
@doc(
    summary="Approve or reject a customer's held nickname",
    description="A nickname WeChat's content check held for a person to look at "
    "(nickname_pending): approved, it becomes the customer's nickname; rejected, it goes "
    "away and the old one stays. 409 nothing_pending when none is held; 409 "
    "nickname_changed when the customer has held another one since.",
    tag="admin-users",
    body=NicknameDecision,
    response=UserAdminOut,
    secured=True,
    errors=(403, 404, 409),
)
@admin_required(P.REVIEWS_WRITE)
async def decide_nickname(request: Request, user_id: int) -> HTTPResponse:
    data = parse_body(request, NicknameDecision)
    user = await service.decide_nickname(
        staff=request.ctx.staff, user_id=user_id, approve=data.approve, nickname=data.nickname
    )
    return render(UserAdminOut.model_validate(user, from_attributes=True))


@bp.get("/logs")
@doc(
    summary="Audit log: who did what, when",
    tag="admin-staff",
    query=LogQuery,
    page_of=LogOut,
    secured=True,
    errors=(403,),
)
@admin_required(P.LOGS_READ)
async def list_logs(request: Request) -> HTTPResponse:
    query = parse_query(request, LogQuery)
    logs, total = await service.get_logs(query=query)
    return render_page(
        [LogOut.model_validate(entry, from_attributes=True) for entry in logs],
        total=total,
        page=query,
    )
