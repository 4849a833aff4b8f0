"""Cart, checkout and order models of the mini-program and admin APIs."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field, StringConstraints, model_validator

from mall.web import (
    LINE,
    ONE_LINE,
    Date,
    Id,
    PageQuery,
    Schema,
    at_least_one_field,
)

OrderStatusName = Literal[
    "pending_payment", "paid", "shipped", "completed", "cancelled", "refunding", "refunded"
]
# 1 to 128 printable ASCII characters, not starting or ending with a space (a UUID will do).
IDEMPOTENCY_KEY = r"^[!-~]([ -~]{0,126}[!-~])?$"
IDEMPOTENCY_HEADER: dict[str, Any] = {
    "type": "string",
    "pattern": IDEMPOTENCY_KEY,
    "description": "makes retries safe: the same key from the same customer gets the same "
    "order (Idempotent-Replayed: true), never a second one",
}
MAX_LINE_QUANTITY = 999
MAX_LINES = 50


class CartItemIn(Schema):
    sku_id: Id
    quantity: int = Field(ge=1, le=MAX_LINE_QUANTITY)


class CartItemPatch(Schema):
    """At least one field; a field left out (or null) keeps its value."""

    model_config = ConfigDict(json_schema_extra={"minProperties": 1})

    quantity: int | None = Field(None, ge=1, le=MAX_LINE_QUANTITY)
    selected: bool | None = None

    _not_empty = model_validator(mode="before")(at_least_one_field)


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
    """Exactly one of items (buy now) or cart_item_ids (the caller's cart lines)."""

    # Exactly one of the two is given (the other left out or null): a branch types its
    # field, so null does not match it.
    model_config = ConfigDict(
        json_schema_extra={
            "oneOf": [
                {"required": ["items"], "properties": {"items": {"type": "array"}}},
                {
                    "required": ["cart_item_ids"],
                    "properties": {"cart_item_ids": {"type": "array"}},
                },
            ]
        }
    )

    items: list[LineIn] | None = Field(
        None,
        min_length=1,
        max_length=MAX_LINES,
        description="the same SKU twice is one line (quantities add up, at most "
        f"{MAX_LINE_QUANTITY}: 422 too_many)",
    )
    cart_item_ids: list[Id] | None = Field(
        None,
        min_length=1,
        max_length=MAX_LINES,
        description="ids of the caller's cart lines (422 unknown_id names any that is not)",
    )
    address_id: Id = Field(description="one of the caller's addresses")
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
    freight_share: int = Field(description="this item's part of the order's freight (fen)")
    discount_share: int = Field(description="this item's part of the order's discount (fen)")
    adjust_share: int = Field(
        description="this item's part of staff's price adjustments (fen; negative: a reduction)"
    )
    paid_amount: int = Field(
        description="price x quantity + freight_share - discount_share + adjust_share: what a "
        "refund of the whole item gives back; the items' paid amounts sum to the order's "
        "pay_amount"
    )
    after_sale_quantity: int = Field(
        description="units under an open or refunded after-sale (quantity minus this is what "
        "can still be asked for)"
    )
    refunded_quantity: int = Field(description="units whose refund WeChat Pay confirmed")
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
    adjust_amount: int = Field(
        description="staff's price adjustments: pay_amount = goods_amount + freight_amount "
        "- discount_amount + adjust_amount"
    )
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


class PriceAdjustmentOut(Schema):
    old_pay_amount: int
    new_pay_amount: int
    old_out_trade_no: str
    new_out_trade_no: str
    reason: str
    actor: str
    created_at: datetime


class AdminOrderOut(OrderOut):
    user_id: int
    staff_remark: str = Field(description="staff's note; the customer never sees it")
    out_trade_no: str = Field(
        description="WeChat Pay's out_trade_no the order is paid under: order_no, or a new "
        "one after a price adjustment"
    )
    price_adjustments: list[PriceAdjustmentOut]
    history: list[HistoryOut]
    shipping_sync: ShippingSyncOut | None = Field(
        description="the upload of the shipping to WeChat (发货信息管理); null before shipping"
    )


class OrderQuery(PageQuery):
    status: OrderStatusName | None = None


class AdminOrderFilter(Schema):
    """Staff's order filters: the list's and the export's."""

    status: OrderStatusName | None = None
    order_no: str | None = Field(None, max_length=32)
    user_id: Id | None = None
    phone: str | None = Field(None, max_length=32)
    date_from: Date | None = Field(None, description="shop-local date (Asia/Shanghai)")
    date_to: Date | None = Field(
        None, description="inclusive, shop-local date (before date_from: 422, type range)"
    )


class AdminOrderQuery(PageQuery, AdminOrderFilter):
    pass


class RefundIn(Schema):
    reason: str = Field(min_length=1, max_length=255, pattern=LINE)


class ReviewIn(Schema):
    order_item_id: Id
    rating: int = Field(ge=1, le=5)
    content: str = Field("", max_length=1000)
    images: list[Annotated[str, StringConstraints(max_length=512)]] = Field(
        default_factory=list,
        max_length=9,
        description="URLs of images uploaded to this shop (anything else is 422 invalid_image)",
    )


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
        min_length=1,
        max_length=32,
        pattern=LINE,
        description="one of GET /api/admin/carriers (WeChat's codes)",
    )
    tracking_no: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9-]+$")


class RejectIn(Schema):
    reason: str = Field("", max_length=255, pattern=ONE_LINE)
