"""Request and response models of staff's order operations: edit, price, batch shipping."""

from __future__ import annotations

from typing import Literal

from pydantic import ConfigDict, Field, model_validator

from mall.account.schemas import PHONE_PATTERN
from mall.freight.regions import Province
from mall.web import LINE, Omittable, Schema, at_least_one_field

MAX_PAY_AMOUNT = 100_000_000_00  # fen: a million yuan


class OrderAddressIn(Schema):
    """Where the parcel goes (the fields of a customer's address)."""

    name: str = Field(min_length=1, max_length=64, pattern=LINE)
    phone: str = Field(pattern=PHONE_PATTERN, max_length=20)
    province: Province
    city: str = Field(min_length=1, max_length=64, pattern=LINE)
    district: str = Field(min_length=1, max_length=64, pattern=LINE)
    detail: str = Field(min_length=1, max_length=255, pattern=LINE)


class OrderPatch(Schema):
    """At least one field. The address can change until the order ships (409 naming the
    status after); the staff remark at any time."""

    model_config = ConfigDict(json_schema_extra={"minProperties": 1})

    staff_remark: Omittable[str] = Field(None, max_length=500, description="'' clears it")
    address: Omittable[OrderAddressIn] = None

    _not_empty = model_validator(mode="before")(at_least_one_field)


class AdjustPriceIn(Schema):
    pay_amount: int = Field(ge=1, le=MAX_PAY_AMOUNT, description="fen the customer pays now")
    reason: str = Field(min_length=1, max_length=255, pattern=LINE)


class RowError(Schema):
    code: str
    message: str
    details: object | None = None


class ShipRowOut(Schema):
    row: int = Field(description="the line of the file (1 is the first)")
    order_no: str
    order_id: int | None
    result: Literal["shipped", "failed"]
    error: RowError | None


class ShipBatchOut(Schema):
    shipped: int
    failed: int
    rows: list[ShipRowOut]
