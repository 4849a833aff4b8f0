"""Read and change the shop settings; reads are cached briefly in each process."""

from __future__ import annotations

import time

from mall.shop.schemas import ShopSettingsDoc, SubscribeTemplates
from models import ShopSettings

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
        subscribe_templates=SubscribeTemplates.model_validate(row.subscribe_templates or {}),
        order_expiring_notice_seconds=row.order_expiring_notice_seconds,
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


async def update(*, doc: ShopSettingsDoc) -> ShopSettingsDoc:
    """Replace the settings; new orders use them at once in this process. The settings added
    for WeChat stay as they are when a PUT leaves them out (clients written before them)."""
    global _cached
    await ShopSettings.get_or_create(id=SETTINGS_ID)
    keep_unless_sent = {"subscribe_templates", "order_expiring_notice_seconds"}
    changes = doc.model_dump(exclude=keep_unless_sent - doc.model_fields_set)
    await ShopSettings.filter(id=SETTINGS_ID).update(**changes)
    _cached = None
    return await get()


def forget_cache() -> None:
    """Drop the per-process copy (tests and the settings endpoint)."""
    global _cached
    _cached = None
