"""Turning staff records into response models."""

from __future__ import annotations

from mall.admin.permissions import ALL_PERMISSIONS
from mall.auth.schemas import AdminOut, RoleBrief
from models import Admin


async def admin_out(admin: Admin) -> AdminOut:
    await admin.fetch_related("roles")
    roles = list(admin.roles)
    if admin.is_superuser:
        permissions = sorted(ALL_PERMISSIONS)
    else:
        permissions = sorted({p for role in roles for p in (role.permissions or [])})
    return AdminOut(
        id=admin.id,
        username=admin.username,
        display_name=admin.display_name,
        is_active=admin.is_active,
        is_superuser=admin.is_superuser,
        roles=[RoleBrief(id=r.id, name=r.name) for r in sorted(roles, key=lambda r: r.id)],
        permissions=permissions,
    )
