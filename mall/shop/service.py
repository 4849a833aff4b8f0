"""Read and change the shop settings; reads are cached briefly in each process."""

from __future__ import annotations

import time
from typing import Any

from tortoise.transactions import in_transaction

from mall.admin import service as admin_service
from mall.shop.schemas import ShopSettingsDoc
from models import Admin, ShopSettings

SETTINGS_ID = 1
# Settings change rarely and apply to new orders only; a short per-process cache keeps
# them off the order path's hot loop without letting a change go unseen for long.
CACHE_SECONDS = 2.0

_cached: tuple[float, ShopSettingsDoc] | None = None


def _doc(row: ShopSettings) -> ShopSettingsDoc:
    return ShopSettingsDoc(
        order_timeout_seconds=row.order_timeout_seconds,
        auto_confirm_days=row.auto_confirm_days,
        low_stock_threshold=row.low_stock_threshold,
        freight_flat=row.freight_flat,
        free_shipping_threshold=row.free_shipping_threshold,
    )


async def get() -> ShopSettingsDoc:
    """The current settings (defaults until staff change them)."""
    global _cached
    now = time.monotonic()
    if _cached is not None and now - _cached[0] < CACHE_SECONDS:
        return _cached[1]
    row, _ = await ShopSettings.get_or_create(id=SETTINGS_ID)
    doc = _doc(row)
    _cached = (now, doc)
    return doc


async def update(*, admin: Admin, changes: dict[str, Any], ip: str) -> ShopSettingsDoc:
    """Set the fields in `changes` (the others keep their values); the audit row, naming
    each changed field's old and new value, commits with the change."""
    global _cached
    async with in_transaction():
        await ShopSettings.get_or_create(id=SETTINGS_ID)
        row = await ShopSettings.select_for_update().get(id=SETTINGS_ID)
        before = _doc(row).model_dump()
        diff = {
            field: {"from": before[field], "to": value}
            for field, value in changes.items()
            if before[field] != value
        }
        if diff:
            await ShopSettings.filter(id=SETTINGS_ID).update(
                **{field: change["to"] for field, change in diff.items()}
            )
        await admin_service.record(
            admin=admin,
            action="settings.update",
            target_type="settings",
            target_id=SETTINGS_ID,
            detail={"changes": diff},
            ip=ip,
        )
    _cached = None
    return await get()


def forget_cache() -> None:
    """Drop the per-process copy (tests and the settings endpoint)."""
    global _cached
    _cached = None
