"""Coupon template (admin) and claimed coupon (customer) models."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import ConfigDict, Field, model_validator

from mall.web import LINE, Id, PageQuery, Schema, Timestamp, range_error

# The rules between fields, stated in the document as well as checked here.
_TEMPLATE_RULES: dict[str, Any] = {
    "allOf": [
        {
            "oneOf": [
                {
                    "required": ["kind", "amount_off"],
                    "properties": {"kind": {"enum": ["fixed"]}, "amount_off": {"minimum": 1}},
                },
                {
                    "required": ["kind", "percent_off"],
                    "properties": {"kind": {"enum": ["percent"]}, "percent_off": {"minimum": 1}},
                },
            ]
        },
        # exactly one of the two is given (not null): a branch types its field, so null
        # does not match it
        {
            "oneOf": [
                {"required": ["valid_days"], "properties": {"valid_days": {"type": "integer"}}},
                {"required": ["valid_until"], "properties": {"valid_until": {"type": "string"}}},
            ]
        },
        {
            "anyOf": [
                {"properties": {"scope": {"enum": ["all"]}}},
                {"required": ["scope", "scope_ids"], "properties": {"scope_ids": {"minItems": 1}}},
            ]
        },
    ]
}


class CouponTemplateIn(Schema):
    """fixed needs amount_off >= 1, percent needs percent_off >= 1; exactly one of
    valid_days or valid_until; a scope other than all needs scope_ids."""

    model_config = ConfigDict(json_schema_extra=_TEMPLATE_RULES)

    name: str = Field(min_length=1, max_length=64, pattern=LINE)
    kind: Literal["fixed", "percent"]
    amount_off: int = Field(0, ge=0, le=100_000_00, description="fen, for kind=fixed")
    percent_off: int = Field(0, ge=0, le=99, description="percent, for kind=percent")
    max_discount: int | None = Field(None, ge=1, le=100_000_00, description="cap, fen")
    threshold: int = Field(0, ge=0, le=100_000_000, description="minimum covered amount, fen")
    valid_from: Timestamp | None = Field(
        None, description="before valid_until (else 422, type range)"
    )
    # Exactly one of these two is given; the other is left out or null.
    valid_until: Timestamp | None = None
    valid_days: int | None = Field(None, ge=1, le=3650, description="days after claim")
    total_limit: int | None = Field(None, ge=1, le=10_000_000)
    per_user_limit: int = Field(1, ge=1, le=100)
    scope: Literal["all", "categories", "products"] = "all"
    scope_ids: list[Id] = Field(
        default_factory=list,
        max_length=500,
        description="category or product ids, for a scope other than all",
    )
    active: bool = True

    @model_validator(mode="after")
    def _consistent(self) -> CouponTemplateIn:
        if self.kind == "fixed" and self.amount_off <= 0:
            raise ValueError("a fixed coupon needs amount_off > 0")
        if self.kind == "percent" and self.percent_off <= 0:
            raise ValueError("a percent coupon needs percent_off > 0")
        if (self.valid_days is None) == (self.valid_until is None):
            raise ValueError("give either valid_days or valid_until")
        if self.valid_from and self.valid_until and self.valid_from >= self.valid_until:
            raise range_error("valid_from must be before valid_until")
        if self.scope != "all" and not self.scope_ids:
            raise ValueError("a scoped coupon needs scope_ids")
        return self


class CouponTemplateOut(Schema):
    id: int
    name: str
    kind: str
    amount_off: int
    percent_off: int
    max_discount: int | None
    threshold: int
    valid_from: datetime | None
    valid_until: datetime | None
    valid_days: int | None
    total_limit: int | None
    per_user_limit: int
    issued_count: int
    scope: str
    scope_ids: list[int]
    active: bool


class ClaimableOut(Schema):
    id: int
    name: str
    kind: str
    amount_off: int
    percent_off: int
    max_discount: int | None
    threshold: int
    valid_until: datetime | None
    valid_days: int | None
    scope: str
    remaining: int | None
    claimed: int
    per_user_limit: int


class ClaimableList(Schema):
    items: list[ClaimableOut]


class UserCouponOut(Schema):
    id: int
    template_id: int
    name: str
    kind: str
    amount_off: int
    percent_off: int
    max_discount: int | None
    threshold: int
    scope: str
    state: Literal["claimed", "locked", "used", "expired"]
    valid_from: datetime
    valid_until: datetime
    order_id: int | None


class MyCouponQuery(PageQuery):
    state: Literal["claimed", "locked", "used", "expired", "usable"] | None = None


class CouponUsageOut(Schema):
    """How a template's coupons stand now (GET /api/admin/coupons/<id>/usage)."""

    template_id: int
    issued: int = Field(description="claimed by customers, ever")
    unused: int = Field(description="claimed, still valid, not in an order")
    locked: int = Field(description="held by an unpaid order")
    used: int
    expired: int
    orders: int = Field(description="orders paid with one (not cancelled or refunded)")
    discount_amount: int = Field(description="fen those orders were given off")
