"""Demo data for the quick start: the admin, default roles and a small shop."""

from __future__ import annotations

from mall.admin import service as admin_service
from mall.catalog import demo
from mall.runtime import Runtime


async def seed_demo(rt: Runtime, *, admin_password: str, admin_username: str = "admin") -> None:
    """Idempotent: running it again updates the admin's password and adds nothing twice."""
    await admin_service.ensure_default_roles()
    await admin_service.ensure_admin(username=admin_username, password=admin_password)
    await demo.seed_shop(rt)
