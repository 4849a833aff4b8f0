"""The settings document of GET/PUT /api/admin/settings."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, ConfigDict, Field, model_validator

from mall.notify.fields import KEY_PATTERN, LITERAL, SOURCES
from mall.web import LINE, Omittable, Schema, at_least_one_field, key_error

OrderTimeout = Annotated[int, Field(ge=1, le=7 * 24 * 3600, description="seconds")]
AutoConfirmDays = Annotated[int, Field(ge=1, le=60)]
LowStockThreshold = Annotated[int, Field(ge=0, le=1_000_000)]
FreightFlat = Annotated[int, Field(ge=0, le=100_000_00, description="fen")]
FreeShippingThreshold = Annotated[
    int, Field(ge=0, le=1_000_000_00, description="fen; 0 means freight always applies")
]
ExpiringNotice = Annotated[
    int,
    Field(
        ge=60,
        le=24 * 3600,
        description="order_expiring goes out this long before an unpaid order expires",
    ),
]
FlashSaleTimeout = Annotated[
    int,
    Field(
        ge=1,
        le=7 * 24 * 3600,
        description="seconds an unpaid order with a flash-sale line lives (its stock is wanted)",
    ),
]


AfterSaleDays = Annotated[
    int,
    Field(
        ge=1,
        le=365,
        description="after-sales may be asked for until this many days after completion",
    ),
]


class ReturnAddress(Schema):
    """Where customers send returned goods (shown to them once staff approve a return)."""

    name: str = Field(min_length=1, max_length=64, pattern=LINE)
    phone: str = Field(min_length=1, max_length=32, pattern=r"^[0-9+() -]+$")
    address: str = Field(min_length=1, max_length=255, pattern=LINE)


def _template_key(key: str) -> str:
    # A key: OpenAPI 3.0 cannot state its rules, so its refusal has a type of its own.
    if not KEY_PATTERN.match(key):
        raise key_error(f"{key!r} is not a template data key such as thing1 or amount2")
    return key


TemplateKey = Annotated[str, AfterValidator(_template_key)]


def _source_pattern(kind: str) -> str:
    """A source of the event, or fixed text: '=' and 1 to 40 characters."""
    names = "|".join(re.escape(source) for source in SOURCES[kind])
    return rf"^(?:{names}|{re.escape(LITERAL)}[^\x00]{{1,40}})$"


_FIELDS_HELP = (
    "template data key (thing1, amount2, ...; else 422, type invalid_key) -> a source of "
    "the event or =fixed text (1-40 characters)"
)


class TemplateConfig(Schema):
    """One subscription template: its id in the mini-program admin and what fills each field."""

    template_id: str = Field(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9_-]+$")
    fields: dict[str, str] = Field(min_length=1, max_length=20, description=_FIELDS_HELP)


class OrderPaidTemplate(TemplateConfig):
    fields: dict[TemplateKey, Annotated[str, Field(pattern=_source_pattern("order_paid"))]] = Field(
        min_length=1, max_length=20, description=_FIELDS_HELP
    )


class OrderShippedTemplate(TemplateConfig):
    fields: dict[TemplateKey, Annotated[str, Field(pattern=_source_pattern("order_shipped"))]] = (
        Field(min_length=1, max_length=20, description=_FIELDS_HELP)
    )


class RefundResultTemplate(TemplateConfig):
    fields: dict[TemplateKey, Annotated[str, Field(pattern=_source_pattern("refund_result"))]] = (
        Field(min_length=1, max_length=20, description=_FIELDS_HELP)
    )


class OrderExpiringTemplate(TemplateConfig):
    fields: dict[TemplateKey, Annotated[str, Field(pattern=_source_pattern("order_expiring"))]] = (
        Field(min_length=1, max_length=20, description=_FIELDS_HELP)
    )


class SubscribeTemplates(Schema):
    """Subscription message templates per event (leave one out to send none for it)."""

    order_paid: OrderPaidTemplate | None = None
    order_shipped: OrderShippedTemplate | None = None
    refund_result: RefundResultTemplate | None = None
    order_expiring: OrderExpiringTemplate | None = None


class ShopSettingsDoc(Schema):
    """The settings as they are (defaults until staff change them)."""

    order_timeout_seconds: OrderTimeout = 1800
    auto_confirm_days: AutoConfirmDays = 7
    low_stock_threshold: LowStockThreshold = 10
    freight_flat: FreightFlat = 800
    free_shipping_threshold: FreeShippingThreshold = 9900
    subscribe_templates: SubscribeTemplates = Field(default_factory=SubscribeTemplates)
    order_expiring_notice_seconds: ExpiringNotice = 300
    after_sale_days: AfterSaleDays = 7
    return_address: ReturnAddress | None = Field(
        None, description="null until set; return_refund requests cannot be approved without it"
    )
    flash_sale_timeout_seconds: FlashSaleTimeout = 300


class ShopSettingsIn(Schema):
    """PUT: the whole document. The five settings of the first API are required (one left
    out would otherwise silently go back to its default); the two added for WeChat may be
    left out by clients written before them, and then stay as they are."""

    order_timeout_seconds: OrderTimeout
    auto_confirm_days: AutoConfirmDays
    low_stock_threshold: LowStockThreshold
    freight_flat: FreightFlat
    free_shipping_threshold: FreeShippingThreshold
    subscribe_templates: Omittable[SubscribeTemplates] = Field(
        None, description="left out: unchanged"
    )
    order_expiring_notice_seconds: Omittable[ExpiringNotice] = Field(
        None, description="left out: unchanged"
    )
    after_sale_days: Omittable[AfterSaleDays] = Field(None, description="left out: unchanged")
    return_address: ReturnAddress | None = Field(
        None, description="left out: unchanged; null: none"
    )
    flash_sale_timeout_seconds: Omittable[FlashSaleTimeout] = Field(
        None, description="left out: unchanged"
    )


class ShopSettingsPatch(Schema):
    """PATCH: only the fields sent change; at least one, none null but return_address."""

    model_config = ConfigDict(json_schema_extra={"minProperties": 1})

    order_timeout_seconds: Omittable[OrderTimeout] = None
    auto_confirm_days: Omittable[AutoConfirmDays] = None
    low_stock_threshold: Omittable[LowStockThreshold] = None
    freight_flat: Omittable[FreightFlat] = None
    free_shipping_threshold: Omittable[FreeShippingThreshold] = None
    subscribe_templates: Omittable[SubscribeTemplates] = None
    order_expiring_notice_seconds: Omittable[ExpiringNotice] = None
    after_sale_days: Omittable[AfterSaleDays] = None
    return_address: ReturnAddress | None = Field(None, description="null: none")
    flash_sale_timeout_seconds: Omittable[FlashSaleTimeout] = None

    _not_empty = model_validator(mode="before")(at_least_one_field)
