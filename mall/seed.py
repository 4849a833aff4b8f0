"""Demo data for the quick start: the admin, default roles and a small shop."""

from __future__ import annotations

from enum import StrEnum

from mall.admin import service as admin_service
from mall.auth import service as auth_service
from mall.catalog import demo
from mall.errors import Conflict
from mall.runtime import Runtime
from models import Admin


class SeededAdmin(StrEnum):
    """What seeding did about the admin account."""

    CREATED = "created"
    KEPT = "kept"  # it existed, and the password given still opens it
    KEPT_OTHER_PASSWORD = "kept_other_password"  # it existed with a password of its own


async def seed_demo(
    rt: Runtime, *, admin_password: str, admin_username: str = "admin"
) -> SeededAdmin:
    """Idempotent: adds nothing twice, and never changes an existing admin (its password
    may have been changed since; seeding again must not reset it)."""
    await admin_service.ensure_default_roles()
    seeded = await seed_admin(username=admin_username, password=admin_password)
    await demo.seed_shop(rt)
    return seeded


async def seed_admin(*, username: str, password: str) -> SeededAdmin:
    """The superuser USERNAME with PASSWORD (which must meet the policy) if it is missing."""
    existing = await Admin.get_or_none(username=username)
    if existing is None:
        try:
            await admin_service.create_admin(
                username=username, password=password, is_superuser=True
            )
            return SeededAdmin.CREATED
        except Conflict:  # created meanwhile by another seed
            existing = await Admin.get(username=username)
    if await auth_service.verify_password(password, existing.password_hash):
        return SeededAdmin.KEPT
    return SeededAdmin.KEPT_OTHER_PASSWORD
