"""The settings document of GET/PUT/PATCH /api/admin/settings."""

from __future__ import annotations

from typing import Annotated

from pydantic import ConfigDict, Field, model_validator

from mall.web import Omittable, Schema, at_least_one_field

OrderTimeout = Annotated[int, Field(ge=1, le=7 * 24 * 3600, description="seconds")]
AutoConfirmDays = Annotated[int, Field(ge=1, le=60)]
LowStockThreshold = Annotated[int, Field(ge=0, le=1_000_000)]
FreightFlat = Annotated[int, Field(ge=0, le=100_000_00, description="fen")]
FreeShippingThreshold = Annotated[
    int, Field(ge=0, le=1_000_000_00, description="fen; 0 means freight always applies")
]


class ShopSettingsDoc(Schema):
    """The settings as they are (defaults until staff change them)."""

    order_timeout_seconds: OrderTimeout = 1800
    auto_confirm_days: AutoConfirmDays = 7
    low_stock_threshold: LowStockThreshold = 10
    freight_flat: FreightFlat = 800
    free_shipping_threshold: FreeShippingThreshold = 9900


class ShopSettingsIn(Schema):
    """PUT: the whole document, every field required (a field left out would otherwise
    silently go back to its default)."""

    order_timeout_seconds: OrderTimeout
    auto_confirm_days: AutoConfirmDays
    low_stock_threshold: LowStockThreshold
    freight_flat: FreightFlat
    free_shipping_threshold: FreeShippingThreshold


class ShopSettingsPatch(Schema):
    """PATCH: only the fields sent change; at least one, none null."""

    model_config = ConfigDict(json_schema_extra={"minProperties": 1})

    order_timeout_seconds: Omittable[OrderTimeout] = None
    auto_confirm_days: Omittable[AutoConfirmDays] = None
    low_stock_threshold: Omittable[LowStockThreshold] = None
    freight_flat: Omittable[FreightFlat] = None
    free_shipping_threshold: Omittable[FreeShippingThreshold] = None

    _not_empty = model_validator(mode="before")(at_least_one_field)
