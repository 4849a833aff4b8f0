"""Admin changes to banners; the storefront applies their windows on every read."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tortoise.transactions import in_transaction

from mall.admin import audit
from mall.admin.audit import Staff
from mall.catalog.cache import CatalogCache
from mall.catalog.schemas import AdminBannerQuery, BannerIn, LinkType
from mall.catalog.storage import ImageStorage
from mall.errors import NotFound, ValidationFailed
from models import Banner, Category, Product


def is_active(banner: Banner, now: datetime) -> bool:
    """Enabled and inside its window (either end may be open)."""
    return (
        banner.enabled
        and (banner.starts_at is None or banner.starts_at <= now)
        and (banner.ends_at is None or now < banner.ends_at)
    )


async def get_all(*, query: AdminBannerQuery) -> tuple[list[Banner], int]:
    """Every banner (disabled and out-of-window ones too), by position and sort order."""
    banners = Banner.all()
    if query.position:
        banners = banners.filter(position=query.position)
    total = await banners.count()
    items = (
        await banners.order_by("position", "sort_order", "id")
        .offset(query.offset)
        .limit(query.page_size)
    )
    return items, total


async def get(*, banner_id: int) -> Banner:
    """One banner; 404 when unknown."""
    banner = await Banner.get_or_none(id=banner_id)
    if banner is None:
        raise NotFound("Banner not found", code="banner_not_found")
    return banner


async def _check_link(data: BannerIn) -> None:
    """A banner must not point at a product or category that does not exist."""
    if data.link_type == LinkType.PRODUCT:
        found = await Product.filter(id=int(data.link), archived_at=None).exists()
    elif data.link_type == LinkType.CATEGORY:
        found = await Category.filter(id=int(data.link)).exists()
    else:
        return
    if not found:
        raise ValidationFailed(
            details=[
                {
                    "field": "link",
                    "message": f"unknown {data.link_type.value} {data.link}",
                    "type": "unknown_id",
                }
            ]
        )


def _fields(storage: ImageStorage, data: BannerIn) -> dict[str, Any]:
    return {**data.model_dump(), "image": storage.ref_of(data.image)}


async def create(
    *, cache: CatalogCache, storage: ImageStorage, data: BannerIn, staff: Staff | None
) -> Banner:
    """A new banner; shown in the storefront once enabled and inside its window."""
    await _check_link(data)
    async with in_transaction():
        banner = await Banner.create(**_fields(storage, data))
        await audit.record(
            staff,
            "banner.create",
            target_type="banner",
            target_id=banner.id,
            detail=data.model_dump(mode="json"),
        )
    await cache.invalidate_banners()
    return banner


async def update(
    *, cache: CatalogCache, storage: ImageStorage, banner_id: int, data: BannerIn, staff: Staff
) -> Banner:
    """Replace a banner."""
    banner = await get(banner_id=banner_id)
    await _check_link(data)
    banner.update_from_dict(_fields(storage, data))
    async with in_transaction():
        await banner.save()
        await audit.record(
            staff,
            "banner.update",
            target_type="banner",
            target_id=banner.id,
            detail=data.model_dump(mode="json"),
        )
    await cache.invalidate_banners()
    return banner


async def delete(*, cache: CatalogCache, banner_id: int, staff: Staff) -> None:
    """Remove a banner."""
    banner = await get(banner_id=banner_id)
    async with in_transaction():
        await audit.record(staff, "banner.delete", target_type="banner", target_id=banner_id)
        await banner.delete()
    await cache.invalidate_banners()
