"""Read and change the shop settings; reads are cached briefly in each process."""

from __future__ import annotations

import time
from typing import Any

from tortoise.transactions import in_transaction

from mall.admin import audit
from mall.admin.audit import Staff
from mall.shop.schemas import ReturnAddress, ShopSettingsDoc, SubscribeTemplates
from models import ShopSettings

SETTINGS_ID = 1
# Settings change rarely and apply to new orders only; a short per-process cache keeps
# them off the order path's hot loop without letting a change go unseen for long.
CACHE_SECONDS = 2.0


def _doc(row: ShopSettings) -> ShopSettingsDoc:
    return ShopSettingsDoc(
        order_timeout_seconds=row.order_timeout_seconds,
        auto_confirm_days=row.auto_confirm_days,
        low_stock_threshold=row.low_stock_threshold,
        freight_flat=row.freight_flat,
        free_shipping_threshold=row.free_shipping_threshold,
        subscribe_templates=SubscribeTemplates.model_validate(row.subscribe_templates or {}),
        order_expiring_notice_seconds=row.order_expiring_notice_seconds,
        after_sale_days=row.after_sale_days,
        return_address=ReturnAddress.model_validate(row.return_address)
        if row.return_address
        else None,
        flash_sale_timeout_seconds=row.flash_sale_timeout_seconds,
    )


class ShopSettingsStore:
    """The shop settings of one process (on its runtime), read through a short cache."""

    def __init__(self, cache_seconds: float = CACHE_SECONDS) -> None:
        self.cache_seconds = cache_seconds
        self._cached: tuple[float, ShopSettingsDoc] | None = None

    async def get(self) -> ShopSettingsDoc:
        """The current settings (defaults until staff change them)."""
        now = time.monotonic()
        if self._cached is not None and now - self._cached[0] < self.cache_seconds:
            return self._cached[1]
        row, _ = await ShopSettings.get_or_create(id=SETTINGS_ID)
        doc = _doc(row)
        self._cached = (now, doc)
        return doc

    async def update(self, *, changes: dict[str, Any], staff: Staff) -> ShopSettingsDoc:
        """Set the fields in `changes` (the others keep their values). The audit row names
        each changed field's old and new value and commits with the change; new orders use
        the settings at once in this process."""
        async with in_transaction():
            await ShopSettings.get_or_create(id=SETTINGS_ID)
            row = await ShopSettings.filter(id=SETTINGS_ID).select_for_update().first()
            assert row is not None
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
            await audit.record(
                staff,
                "settings.update",
                target_type="settings",
                target_id=SETTINGS_ID,
                detail={"changes": diff},
            )
        self.forget()
        return await self.get()

    def forget(self) -> None:
        """Drop the per-process copy (tests and the settings endpoint)."""
        self._cached = None
