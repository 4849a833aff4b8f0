"""The settings document of GET/PUT /api/admin/settings."""

from __future__ import annotations

from pydantic import Field

from mall.web import Schema


class ShopSettingsDoc(Schema):
    order_timeout_seconds: int = Field(1800, ge=1, le=7 * 24 * 3600)
    auto_confirm_days: int = Field(7, ge=1, le=60)
    low_stock_threshold: int = Field(10, ge=0, le=1_000_000)
    freight_flat: int = Field(800, ge=0, le=100_000_00, description="fen")
    free_shipping_threshold: int = Field(
        9900, ge=0, le=1_000_000_00, description="fen; 0 means freight always applies"
    )
