"""Demo data for the quick start: the admin, default roles and a small shop."""

from __future__ import annotations

from mall import resources
from mall.admin import service as admin_service
from mall.catalog import demo, storage
from mall.catalog.cache import CatalogCache
from mall.config import Settings


async def seed_demo(
    *, admin_password: str, admin_username: str = "admin", settings: Settings | None = None
) -> None:
    """Idempotent: running it again updates the admin's password and adds nothing twice."""
    settings = settings or Settings()
    await admin_service.ensure_default_roles()
    await admin_service.ensure_admin(username=admin_username, password=admin_password)
    redis = resources.redis_client(settings)
    images = storage.from_settings(settings)
    try:
        # Through the catalog service, so a running shop's cache learns of the new data.
        cache = CatalogCache(redis, ttl=settings.catalog_cache_ttl)
        await demo.seed_shop(cache=cache, storage=images)
    finally:
        await images.aclose()
        await redis.aclose()
