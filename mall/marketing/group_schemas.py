"""Group-buy offers as staff write them, and groups as customers see them."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field, model_validator

from mall.orders.schemas import OrderOut
from mall.web import Id, Schema, Timestamp, inconsistent_error, range_error


class GroupBuySkuIn(Schema):
    sku_id: Id
    price: int = Field(ge=1, le=100_000_000, description="fen, the group price")


class GroupBuyIn(Schema):
    product_id: Id
    skus: list[GroupBuySkuIn] = Field(min_length=1, max_length=100)
    group_size: int = Field(ge=2, le=100)
    expires_in_hours: int = Field(ge=1, le=720, description="a group left unfilled this long fails")
    starts_at: Timestamp
    ends_at: Timestamp

    @model_validator(mode="after")
    def _consistent(self) -> GroupBuyIn:
        if self.starts_at >= self.ends_at:
            raise range_error("starts_at must be before ends_at")
        if len({s.sku_id for s in self.skus}) != len(self.skus):
            raise inconsistent_error("each SKU may appear once")
        return self


class GroupBuySkuOut(Schema):
    sku_id: int
    price: int


class GroupBuyOut(Schema):
    id: int
    product_id: int
    skus: list[GroupBuySkuOut]
    group_size: int
    expires_in_hours: int
    starts_at: datetime
    ends_at: datetime
    ended_at: datetime | None
    created_at: datetime


class GroupOut(Schema):
    id: int
    group_buy_id: int
    product_id: int
    size: int
    members: int = Field(description="places taken (members with an order)")
    paid: int = Field(description="members who have paid")
    status: Literal["open", "completed", "failed"]
    expires_at: datetime
    joined: bool = Field(description="the caller is a member")


class GroupOrderOut(Schema):
    group: GroupOut
    order: OrderOut
