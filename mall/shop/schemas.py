"""The settings document of GET/PUT /api/admin/settings."""

from __future__ import annotations

from pydantic import Field, field_validator

from mall.notify.fields import KEY_PATTERN, LITERAL, SOURCES
from mall.web import Schema


class TemplateConfig(Schema):
    """One subscription template: its id in the mini-program admin and what fills each field."""

    template_id: str = Field(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9_-]+$")
    fields: dict[str, str] = Field(
        min_length=1,
        max_length=20,
        description="template data key (thing1, amount2, ...) -> a source of the event "
        "(order_no, order_amount, goods, ...) or =fixed text",
    )


def _check_fields(kind: str, fields: dict[str, str]) -> dict[str, str]:
    allowed = SOURCES[kind]
    for key, source in fields.items():
        if not KEY_PATTERN.match(key):
            raise ValueError(f"{key!r} is not a template data key such as thing1 or amount2")
        if source.startswith(LITERAL):
            if not 2 <= len(source) <= 41:
                raise ValueError(f"{key}: fixed text is 1-40 characters after '='")
        elif source not in allowed:
            raise ValueError(f"{key}: {source!r} is not one of {', '.join(allowed)} or =text")
    return fields


class SubscribeTemplates(Schema):
    """Subscription message templates per event (leave one out to send none for it)."""

    order_paid: TemplateConfig | None = None
    order_shipped: TemplateConfig | None = None
    refund_result: TemplateConfig | None = None
    order_expiring: TemplateConfig | None = None

    @field_validator("order_paid", "order_shipped", "refund_result", "order_expiring")
    @classmethod
    def _sources(cls, value: TemplateConfig | None, info: object) -> TemplateConfig | None:
        if value is not None:
            _check_fields(str(getattr(info, "field_name", "")), value.fields)
        return value


class ShopSettingsDoc(Schema):
    order_timeout_seconds: int = Field(1800, ge=1, le=7 * 24 * 3600)
    auto_confirm_days: int = Field(7, ge=1, le=60)
    low_stock_threshold: int = Field(10, ge=0, le=1_000_000)
    freight_flat: int = Field(800, ge=0, le=100_000_00, description="fen")
    free_shipping_threshold: int = Field(
        9900, ge=0, le=1_000_000_00, description="fen; 0 means freight always applies"
    )
    subscribe_templates: SubscribeTemplates = Field(
        default_factory=SubscribeTemplates,
        description="left out of a PUT: unchanged",
    )
    order_expiring_notice_seconds: int = Field(
        300,
        ge=60,
        le=24 * 3600,
        description="order_expiring goes out this long before an unpaid order expires; "
        "left out of a PUT: unchanged",
    )
