"""Flash-sale activities as staff write them and as customers see them."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field, model_validator

from mall.web import LINE, Id, PageQuery, Schema, Timestamp, inconsistent_error, range_error

MAX_FLASH_STOCK = 1_000_000


class FlashSaleItemIn(Schema):
    sku_id: Id
    price: int = Field(ge=1, le=100_000_000, description="fen, what the SKU sells at while live")
    stock: int = Field(
        ge=1, le=MAX_FLASH_STOCK, description="taken from the SKU's stock until the end"
    )
    per_user_limit: int = Field(ge=1, le=1000, description="units one customer may hold")


class FlashSaleIn(Schema):
    title: str = Field(min_length=1, max_length=64, pattern=LINE)
    starts_at: Timestamp
    ends_at: Timestamp
    items: list[FlashSaleItemIn] = Field(min_length=1, max_length=50)

    @model_validator(mode="after")
    def _consistent(self) -> FlashSaleIn:
        if self.starts_at >= self.ends_at:
            raise range_error("starts_at must be before ends_at")
        skus = [item.sku_id for item in self.items]
        if len(set(skus)) != len(skus):
            raise inconsistent_error("each SKU may appear once")
        return self


class FlashSaleItemOut(Schema):
    id: int
    sku_id: int
    product_id: int
    price: int
    stock: int = Field(description="activity stock left")
    initial_stock: int
    per_user_limit: int
    sold: int = Field(description="units in orders not cancelled")


class FlashSaleOut(Schema):
    id: int
    title: str
    starts_at: datetime
    ends_at: datetime
    status: Literal["upcoming", "live", "ended"]
    started_at: datetime | None
    ended_at: datetime | None
    items: list[FlashSaleItemOut]
    created_at: datetime


class FlashSaleAdminQuery(PageQuery):
    status: Literal["upcoming", "live", "ended"] | None = None


# --- what customers see ----------------------------------------------------------------------


class LiveItemOut(Schema):
    sku_id: int
    product_id: int
    title: str
    specs: dict[str, str]
    cover_url: str
    price: int = Field(description="the activity price, fen")
    original_price: int = Field(description="the SKU's own price, fen")
    stock: int = Field(description="activity stock left")
    per_user_limit: int


class PublicFlashSaleOut(Schema):
    id: int
    title: str
    starts_at: datetime
    ends_at: datetime
    status: Literal["upcoming", "live"]
    items: list[LiveItemOut]


class FlashSaleListOut(Schema):
    server_time: datetime = Field(description="the server's clock, for countdowns")
    items: list[PublicFlashSaleOut]


class ProductFlashSaleItem(Schema):
    sku_id: int
    price: int
    stock: int
    per_user_limit: int


class ProductFlashSale(Schema):
    """The live activity of a product, on its detail."""

    id: int
    title: str
    starts_at: datetime
    ends_at: datetime
    server_time: datetime
    items: list[ProductFlashSaleItem]
