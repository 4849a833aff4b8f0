"""Cart, checkout and order models of the mini-program and admin APIs."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import Field, model_validator

from mall.web import Id, PageQuery, Schema

OrderStatusName = Literal[
    "pending_payment", "paid", "shipped", "completed", "cancelled", "refunding", "refunded"
]
MAX_LINE_QUANTITY = 999
MAX_LINES = 50


class CartItemIn(Schema):
    sku_id: Id
    quantity: int = Field(ge=1, le=MAX_LINE_QUANTITY)


class CartItemPatch(Schema):
    quantity: int | None = Field(None, ge=1, le=MAX_LINE_QUANTITY)
    selected: bool | None = None


class CartLineOut(Schema):
    id: int
    sku_id: int
    product_id: int
    title: str
    cover_url: str
    specs: dict[str, str]
    price: int
    quantity: int
    selected: bool
    stock: int
    available: bool


class CartOut(Schema):
    items: list[CartLineOut]
    selected_count: int
    selected_amount: int


class LineIn(Schema):
    sku_id: Id
    quantity: int = Field(ge=1, le=MAX_LINE_QUANTITY)


class CheckoutIn(Schema):
    items: list[LineIn] | None = Field(None, min_length=1, max_length=MAX_LINES)
    cart_item_ids: list[Id] | None = Field(None, min_length=1, max_length=MAX_LINES)
    address_id: Id
    coupon_id: Id | None = Field(None, description="one of the caller's claimed coupons")

    @model_validator(mode="after")
    def _one_source(self) -> CheckoutIn:
        if (self.items is None) == (self.cart_item_ids is None):
            raise ValueError("send exactly one of items or cart_item_ids")
        return self


class OrderIn(CheckoutIn):
    remark: str = Field("", max_length=200)


class PricedLineOut(Schema):
    sku_id: int
    product_id: int
    title: str
    cover_url: str
    specs: dict[str, str]
    price: int
    quantity: int
    amount: int


class UsableCouponOut(Schema):
    id: int
    name: str
    discount: int
    valid_until: datetime


class PreviewOut(Schema):
    items: list[PricedLineOut]
    goods_amount: int
    freight_amount: int
    discount_amount: int
    pay_amount: int
    coupon_id: int | None
    usable_coupons: list[UsableCouponOut]


class OrderItemOut(Schema):
    id: int
    sku_id: int
    product_id: int
    title: str
    specs: dict[str, str]
    cover_url: str
    price: int
    quantity: int
    reviewed: bool


class ShipmentOut(Schema):
    carrier: str
    carrier_code: str
    tracking_no: str
    created_at: datetime


class RefundOut(Schema):
    id: int
    out_refund_no: str
    reason: str
    amount: int
    status: str
    failure: str | None
    created_at: datetime
    decided_at: datetime | None


class OrderOut(Schema):
    id: int
    order_no: str
    status: OrderStatusName
    items: list[OrderItemOut]
    goods_amount: int
    freight_amount: int
    discount_amount: int
    pay_amount: int
    address: dict[str, Any]
    remark: str
    coupon_id: int | None
    created_at: datetime
    expires_at: datetime
    paid_at: datetime | None
    shipped_at: datetime | None
    completed_at: datetime | None
    cancelled_at: datetime | None
    cancel_reason: str | None
    shipment: ShipmentOut | None
    refund: RefundOut | None


class HistoryOut(Schema):
    from_status: str | None
    to_status: str
    actor: str
    note: str
    created_at: datetime


class ShippingSyncOut(Schema):
    state: Literal["pending", "synced", "failed"]
    error: str | None = None
    synced_at: datetime | None = None
    attempts: int
    next_attempt_at: datetime | None = None


class AdminOrderOut(OrderOut):
    user_id: int
    history: list[HistoryOut]
    shipping_sync: ShippingSyncOut | None = Field(
        description="the upload of the shipping to WeChat (发货信息管理); null before shipping"
    )


class OrderQuery(PageQuery):
    status: OrderStatusName | None = None


class AdminOrderQuery(PageQuery):
    status: OrderStatusName | None = None
    order_no: str | None = Field(None, max_length=32)
    user_id: Id | None = None
    phone: str | None = Field(None, max_length=32)
    date_from: date | None = Field(None, description="shop-local date (Asia/Shanghai)")
    date_to: date | None = Field(None, description="inclusive, shop-local date")


class RefundIn(Schema):
    reason: str = Field(min_length=1, max_length=255)


class ReviewIn(Schema):
    order_item_id: Id
    rating: int = Field(ge=1, le=5)
    content: str = Field("", max_length=1000)
    images: list[str] = Field(default_factory=list, max_length=9)


class ReviewOut(Schema):
    id: int
    order_item_id: int
    product_id: int
    rating: int
    content: str
    images: list[str]
    state: Literal["published", "held", "checking", "hidden", "rejected"] = Field(
        description="published, or waiting for WeChat's image check (checking) or staff (held)"
    )
    created_at: datetime


class ShipIn(Schema):
    carrier_code: str = Field(
        min_length=1, max_length=32, description="one of GET /api/admin/carriers (WeChat's codes)"
    )
    tracking_no: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9-]+$")


class RejectIn(Schema):
    reason: str = Field("", max_length=255)
