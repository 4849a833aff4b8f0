"""Staff accounts, roles, customer bans and the audit log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from mall.admin import audit
from mall.admin.audit import Staff
from mall.admin.permissions import ALL_PERMISSIONS, DEFAULT_ROLES
from mall.admin.schemas import AdminUpdate, LogQuery, RoleIn, UserQuery
from mall.auth import service as auth_service
from mall.auth.tokens import Audience
from mall.config import Settings
from mall.errors import Conflict, Forbidden, NotFound, ValidationFailed
from models import Admin, AdminLog, Role, User


async def _roles(role_ids: list[int]) -> list[Role]:
    roles = await Role.filter(id__in=role_ids)
    missing = sorted(set(role_ids) - {r.id for r in roles})
    if missing:
        raise ValidationFailed(
            details=[
                {"field": "role_ids", "message": f"unknown roles: {missing}", "type": "unknown_id"}
            ]
        )
    return roles


def _permissions_of(admin_is_superuser: bool, roles: list[Role]) -> frozenset[str]:
    if admin_is_superuser:
        return ALL_PERMISSIONS
    return frozenset(p for role in roles for p in (role.permissions or []))


async def permissions_of(admin: Admin) -> frozenset[str]:
    """Every permission an admin holds (all of them for a superuser)."""
    await admin.fetch_related("roles")
    return _permissions_of(admin.is_superuser, list(admin.roles))


def _refuse(message: str, **details: object) -> Forbidden:
    return Forbidden(message, code="permission_denied", details=details or None)


def _ensure_within(staff: Staff, permissions: frozenset[str], what: str) -> None:
    """The subset rule: staff may only hand out or touch rights they hold themselves."""
    beyond = sorted(permissions - staff.permissions) if not staff.is_superuser else []
    if beyond:
        raise _refuse(f"{what} has permissions you do not hold", permissions=beyond)


async def _ensure_may_manage(staff: Staff, target: Admin) -> None:
    """Only a superuser manages superusers; anyone else only admins whose rights are a
    subset of their own."""
    if target.is_superuser and not staff.is_superuser:
        raise _refuse("Only a superuser can change a superuser")
    _ensure_within(staff, await permissions_of(target), "That admin")


async def create_admin(
    *,
    username: str,
    password: str,
    display_name: str = "",
    is_superuser: bool = False,
    role_ids: list[int] | None = None,
    staff: Staff | None = None,
) -> Admin:
    """A new staff account; 409 if the username is taken. `staff` is the admin creating it
    (None for the command line): it may grant only roles within its own permissions and
    create a superuser only if it is one."""
    roles = await _roles(role_ids or [])
    if staff is not None:
        if is_superuser and not staff.is_superuser:
            raise _refuse("Only a superuser can create a superuser")
        _ensure_within(staff, _permissions_of(False, roles), "A role you grant")
    password_hash = await auth_service.hash_password(password)
    try:
        async with in_transaction():
            admin = await Admin.create(
                username=username,
                password_hash=password_hash,
                display_name=display_name or username,
                is_superuser=is_superuser,
            )
            if roles:
                await admin.roles.add(*roles)
            if staff is not None:
                await audit.record(
                    staff,
                    "admin.create",
                    target_type="admin",
                    target_id=admin.id,
                    detail={
                        "username": username,
                        "role_ids": sorted(r.id for r in roles),
                        "is_superuser": is_superuser,
                    },
                )
    except IntegrityError:
        raise Conflict(f"Username {username!r} is taken", code="username_taken") from None
    return admin


async def ensure_default_roles() -> None:
    for name, (description, permissions) in DEFAULT_ROLES.items():
        await Role.get_or_create(
            name=name,
            defaults={"description": description, "permissions": sorted(permissions)},
        )


async def get_admin(*, admin_id: int) -> Admin:
    admin = await Admin.get_or_none(id=admin_id)
    if admin is None:
        raise NotFound("Admin not found", code="admin_not_found")
    return admin


async def get_all_admins(*, q: str | None, offset: int, limit: int) -> tuple[list[Admin], int]:
    query = Admin.all()
    if q:
        query = query.filter(Q(username__icontains=q) | Q(display_name__icontains=q))
    total = await query.count()
    return await query.order_by("id").offset(offset).limit(limit), total


async def update_admin(
    settings: Settings, redis: Any, *, staff: Staff, admin_id: int, data: AdminUpdate
) -> Admin:
    """Edit a staff account within the subset rule; deactivating one or changing its
    password ends its sessions at once."""
    actor = staff.admin
    # bcrypt takes a good part of a second: not while the row is locked.
    password_hash = await auth_service.hash_password(data.password) if data.password else None
    async with in_transaction():
        admin = await Admin.filter(id=admin_id).select_for_update().first()
        if admin is None:
            raise NotFound("Admin not found", code="admin_not_found")
        if admin.id == actor.id and (data.is_active is False or data.is_superuser is False):
            raise Conflict("You cannot deactivate or demote yourself", code="self_lockout")
        await _ensure_may_manage(staff, admin)
        if data.is_superuser and not staff.is_superuser:
            raise _refuse("Only a superuser can grant superuser")
        roles = await _roles(data.role_ids) if data.role_ids is not None else None
        if roles is not None:
            _ensure_within(staff, _permissions_of(False, roles), "A role you grant")
        if data.display_name is not None:
            admin.display_name = data.display_name
        if password_hash is not None:
            admin.password_hash = password_hash
        if data.is_active is not None:
            admin.is_active = data.is_active
        if data.is_superuser is not None:
            admin.is_superuser = data.is_superuser
        await admin.save()
        if roles is not None:
            await admin.roles.clear()
            if roles:
                await admin.roles.add(*roles)
        changed = data.model_dump(exclude_none=True, exclude={"password"})
        if data.password is not None:
            changed["password"] = "changed"
        await audit.record(
            staff, "admin.update", target_type="admin", target_id=admin.id, detail=changed
        )
    if data.is_active is False or data.password is not None:
        await auth_service.revoke_subject(
            settings, redis, subject=admin.id, audience=Audience.ADMIN
        )
    return admin


async def delete_admin(settings: Settings, redis: Any, *, staff: Staff, admin_id: int) -> None:
    """Delete a staff account within the subset rule (never oneself); its sessions end."""
    async with in_transaction():
        admin = await Admin.filter(id=admin_id).select_for_update().first()
        if admin is None:
            raise NotFound("Admin not found", code="admin_not_found")
        if admin.id == staff.admin.id:
            raise Conflict("You cannot delete yourself", code="self_lockout")
        await _ensure_may_manage(staff, admin)
        await audit.record(
            staff,
            "admin.delete",
            target_type="admin",
            target_id=admin_id,
            detail={"username": admin.username},
        )
        await admin.delete()
    await auth_service.revoke_subject(settings, redis, subject=admin_id, audience=Audience.ADMIN)


async def get_all_roles() -> list[Role]:
    return await Role.all().order_by("id")


async def get_role(*, role_id: int) -> Role:
    role = await Role.get_or_none(id=role_id)
    if role is None:
        raise NotFound("Role not found", code="role_not_found")
    return role


async def _ensure_may_edit_role(staff: Staff, role: Role) -> None:
    """A role an admin holds is changed only by a superuser (else it could grow its own
    rights); any other role only within the admin's own permissions."""
    if staff.is_superuser:
        return
    if await role.admins.filter(id=staff.admin.id).exists():
        raise _refuse("Only a superuser can change a role you hold", role_id=role.id)
    _ensure_within(staff, frozenset(role.permissions or []), "That role")


async def create_role(*, staff: Staff, data: RoleIn) -> Role:
    """A new role, with only permissions the acting admin holds."""
    _ensure_within(staff, frozenset(data.permissions), "The role")
    try:
        async with in_transaction():
            role = await Role.create(**data.model_dump())
            await audit.record(
                staff,
                "role.create",
                target_type="role",
                target_id=role.id,
                detail=data.model_dump(),
            )
    except IntegrityError:
        raise Conflict(f"Role {data.name!r} exists", code="role_name_taken") from None
    return role


async def update_role(*, staff: Staff, role_id: int, data: RoleIn) -> Role:
    """Replace a role within the subset rule (its old and new permissions both)."""
    try:
        async with in_transaction():
            role = await Role.filter(id=role_id).select_for_update().first()
            if role is None:
                raise NotFound("Role not found", code="role_not_found")
            await _ensure_may_edit_role(staff, role)
            _ensure_within(staff, frozenset(data.permissions), "The role")
            before = list(role.permissions or [])
            role.name, role.description = data.name, data.description
            role.permissions = data.permissions
            await role.save()
            await audit.record(
                staff,
                "role.update",
                target_type="role",
                target_id=role.id,
                detail={**data.model_dump(), "permissions_before": before},
            )
    except IntegrityError:
        raise Conflict(f"Role {data.name!r} exists", code="role_name_taken") from None
    return role


async def delete_role(*, staff: Staff, role_id: int) -> None:
    """Delete a role no admin holds, within the subset rule."""
    async with in_transaction():
        role = await Role.filter(id=role_id).select_for_update().first()
        if role is None:
            raise NotFound("Role not found", code="role_not_found")
        await _ensure_may_edit_role(staff, role)
        if await role.admins.all().exists():
            raise Conflict("The role is still assigned to admins", code="role_in_use")
        await audit.record(
            staff, "role.delete", target_type="role", target_id=role_id, detail={"name": role.name}
        )
        await role.delete()


async def get_all_users(*, query: UserQuery) -> tuple[list[User], int]:
    users = User.all()
    if query.q:
        users = users.filter(
            Q(nickname__icontains=query.q) | Q(phone__contains=query.q) | Q(openid=query.q)
        )
    if query.banned is not None:
        users = users.filter(banned=query.banned)
    if query.nickname_pending is not None:
        users = users.filter(nickname_pending__isnull=not query.nickname_pending)
    total = await users.count()
    items = await users.order_by("-id").offset(query.offset).limit(query.page_size)
    return items, total


async def set_banned(
    settings: Settings, redis: Any, *, staff: Staff, user_id: int, banned: bool, reason: str = ""
) -> User:
    """Ban or unban a customer; a ban ends every session of theirs at once."""
    async with in_transaction():
        user = await User.get_or_none(id=user_id)
        if user is None:
            raise NotFound("User not found", code="user_not_found")
        user.banned, user.banned_reason = banned, reason if banned else ""
        await User.filter(id=user.id).update(banned=user.banned, banned_reason=user.banned_reason)
        await audit.record(
            staff,
            "user.ban" if banned else "user.unban",
            target_type="user",
            target_id=user.id,
            detail={"reason": reason} if banned else {},
        )
    if banned:
        await auth_service.revoke_subject(settings, redis, subject=user.id, audience=Audience.USER)
    return user


async def decide_nickname(*, staff: Staff, user_id: int, approve: bool, nickname: str) -> User:
    """Approve (it becomes the nickname) or reject (it goes away) a held nickname; the one
    staff looked at must still be the one held (409 nickname_changed), and there must be
    one (409 nothing_pending)."""
    async with in_transaction():
        user = await User.filter(id=user_id).select_for_update().first()
        if user is None:
            raise NotFound("User not found", code="user_not_found")
        if user.nickname_pending is None:
            raise Conflict("No nickname is waiting for staff", code="nothing_pending")
        if user.nickname_pending != nickname:
            raise Conflict(
                "The customer has asked for another nickname since; look at it again",
                code="nickname_changed",
                details={"nickname_pending": user.nickname_pending},
            )
        if approve:
            user.nickname = nickname
        user.nickname_pending = None
        await User.filter(id=user.id).update(
            nickname=user.nickname, nickname_pending=user.nickname_pending
        )
        await audit.record(
            staff,
            "user.nickname_approve" if approve else "user.nickname_reject",
            target_type="user",
            target_id=user.id,
            detail={"nickname": nickname},
        )
    return user


async def get_logs(*, query: LogQuery) -> tuple[list[AdminLog], int]:
    logs = AdminLog.all()
    if query.admin_id is not None:
        logs = logs.filter(admin_id=query.admin_id)
    if query.action:
        logs = logs.filter(action=query.action)
    if query.since is not None:
        logs = logs.filter(created_at__gte=_aware(query.since))
    if query.until is not None:
        logs = logs.filter(created_at__lt=_aware(query.until))
    total = await logs.count()
    return await logs.order_by("-id").offset(query.offset).limit(query.page_size), total


def _aware(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValidationFailed(
            details=[
                {"field": "since/until", "message": "needs a UTC offset", "type": "naive_datetime"}
            ]
        )
    return moment
