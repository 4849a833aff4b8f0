"""Staff accounts, roles, customer bans and the audit log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from mall import events
from mall.admin.permissions import DEFAULT_ROLES
from mall.admin.schemas import AdminUpdate, LogQuery, RoleIn, UserQuery
from mall.auth import service as auth_service
from mall.auth.tokens import Audience
from mall.config import Settings
from mall.errors import Conflict, NotFound, ValidationFailed
from models import Admin, AdminLog, OutboxEvent, Role, User


async def record(
    *,
    admin: Admin | None,
    action: str,
    target_type: str = "",
    target_id: Any = "",
    detail: dict[str, Any] | None = None,
    ip: str = "",
) -> OutboxEvent:
    """Append to the audit log: who did what to which record, and from where.

    With it, in the same transaction, an admin.action event on the admin channel, so every
    open console shows the change; publish the returned event once the caller commits.
    """
    async with in_transaction():
        entry = await AdminLog.create(
            admin_id=admin.id if admin else None,
            admin_username=admin.username if admin else "system",
            action=action,
            target_type=target_type,
            target_id=str(target_id),
            detail=detail or {},
            ip=ip,
        )
        # What changed, not how: the detail (old values, reasons) stays in the log, which
        # needs logs.read; every admin's socket reads the admin channel.
        return await events.record(
            channel=events.ADMIN_CHANNEL,
            name=events.EventName.ADMIN_ACTION,
            data={
                "log_id": entry.id,
                "action": action,
                "target_type": target_type,
                "target_id": entry.target_id,
                "admin_id": entry.admin_id,  # type: ignore[attr-defined]
                "admin_username": entry.admin_username,
            },
        )


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


async def create_admin(
    *,
    username: str,
    password: str,
    display_name: str = "",
    is_superuser: bool = False,
    role_ids: list[int] | None = None,
) -> Admin:
    """A new staff account; 409 if the username is taken."""
    roles = await _roles(role_ids or [])
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
    except IntegrityError:
        raise Conflict(f"Username {username!r} is taken", code="username_taken") from None
    return admin


async def ensure_admin(*, username: str, password: str) -> Admin:
    """Create the superuser or reset its password (the quick start's seeded admin)."""
    admin = await Admin.get_or_none(username=username)
    if admin is None:
        return await create_admin(username=username, password=password, is_superuser=True)
    if not await auth_service.verify_password(password, admin.password_hash):
        admin.password_hash = await auth_service.hash_password(password)
    admin.is_active = True
    admin.is_superuser = True
    await admin.save()
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
    settings: Settings, redis: Any, *, actor: Admin, admin_id: int, data: AdminUpdate
) -> Admin:
    """Edit a staff account; deactivating one ends its sessions at once."""
    admin = await get_admin(admin_id=admin_id)
    if admin.id == actor.id and (data.is_active is False or data.is_superuser is False):
        raise Conflict("You cannot deactivate or demote yourself", code="self_lockout")
    if data.display_name is not None:
        admin.display_name = data.display_name
    if data.password is not None:
        admin.password_hash = await auth_service.hash_password(data.password)
    if data.is_active is not None:
        admin.is_active = data.is_active
    if data.is_superuser is not None:
        admin.is_superuser = data.is_superuser
    async with in_transaction():
        await admin.save()
        if data.role_ids is not None:
            roles = await _roles(data.role_ids)
            await admin.roles.clear()
            if roles:
                await admin.roles.add(*roles)
    if data.is_active is False or data.password is not None:
        await auth_service.revoke_subject(
            settings, redis, subject=admin.id, audience=Audience.ADMIN
        )
    return admin


async def delete_admin(settings: Settings, redis: Any, *, actor: Admin, admin_id: int) -> None:
    admin = await get_admin(admin_id=admin_id)
    if admin.id == actor.id:
        raise Conflict("You cannot delete yourself", code="self_lockout")
    await auth_service.revoke_subject(settings, redis, subject=admin.id, audience=Audience.ADMIN)
    await admin.delete()


async def get_all_roles() -> list[Role]:
    return await Role.all().order_by("id")


async def get_role(*, role_id: int) -> Role:
    role = await Role.get_or_none(id=role_id)
    if role is None:
        raise NotFound("Role not found", code="role_not_found")
    return role


async def create_role(*, data: RoleIn) -> Role:
    try:
        return await Role.create(**data.model_dump())
    except IntegrityError:
        raise Conflict(f"Role {data.name!r} exists", code="role_name_taken") from None


async def update_role(*, role_id: int, data: RoleIn) -> Role:
    role = await get_role(role_id=role_id)
    role.name, role.description, role.permissions = data.name, data.description, data.permissions
    try:
        await role.save()
    except IntegrityError:
        raise Conflict(f"Role {data.name!r} exists", code="role_name_taken") from None
    return role


async def delete_role(*, role_id: int) -> None:
    role = await get_role(role_id=role_id)
    if await role.admins.all().exists():
        raise Conflict("The role is still assigned to admins", code="role_in_use")
    await role.delete()


async def get_all_users(*, query: UserQuery) -> tuple[list[User], int]:
    users = User.all()
    if query.q:
        users = users.filter(
            Q(nickname__icontains=query.q) | Q(phone__contains=query.q) | Q(openid=query.q)
        )
    if query.banned is not None:
        users = users.filter(banned=query.banned)
    total = await users.count()
    items = await users.order_by("-id").offset(query.offset).limit(query.page_size)
    return items, total


async def set_banned(
    settings: Settings, redis: Any, *, user_id: int, banned: bool, reason: str = ""
) -> User:
    """Ban or unban a customer; a ban ends every session of theirs at once."""
    user = await User.get_or_none(id=user_id)
    if user is None:
        raise NotFound("User not found", code="user_not_found")
    user.banned, user.banned_reason = banned, reason if banned else ""
    await User.filter(id=user.id).update(banned=user.banned, banned_reason=user.banned_reason)
    if banned:
        await auth_service.revoke_subject(settings, redis, subject=user.id, audience=Audience.USER)
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
