"""After-sales requests and answers of the mini-program and admin APIs."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from mall.orders.schemas import MAX_LINE_QUANTITY, MAX_LINES, RefundOut
from mall.web import LINE, Date, Id, PageQuery, Schema

AfterSaleTypeName = Literal["refund", "return_refund"]
AfterSaleStateName = Literal[
    "pending", "approved", "returning", "refunding", "refunded", "rejected", "cancelled"
]


class AfterSaleLineIn(Schema):
    order_item_id: Id = Field(description="an item of this order")
    quantity: int = Field(ge=1, le=MAX_LINE_QUANTITY, description="units of it")


class AfterSaleIn(Schema):
    type: AfterSaleTypeName = Field(
        description="refund: money only (paid, shipped or completed orders); return_refund: "
        "the goods go back first (shipped or completed orders)"
    )
    items: list[AfterSaleLineIn] = Field(
        min_length=1,
        max_length=MAX_LINES,
        description="the same item twice is one line (quantities add up)",
    )
    reason: str = Field(min_length=1, max_length=255, pattern=LINE)
    images: list[Annotated[str, StringConstraints(max_length=512)]] = Field(
        default_factory=list,
        max_length=9,
        description="URLs of images uploaded to this shop (anything else is 422 invalid_image)",
    )


class ReturnIn(Schema):
    carrier_code: str = Field(
        min_length=1,
        max_length=32,
        pattern=LINE,
        description="one of WeChat's carrier codes (else 422 unknown_carrier)",
    )
    tracking_no: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9-]+$")


class AfterSaleRejectIn(Schema):
    reason: str = Field(min_length=1, max_length=255, pattern=LINE)


class ReceiveIn(Schema):
    resellable: bool = Field(description="true: the returned units go back into stock")


class StaffRefundIn(Schema):
    items: list[AfterSaleLineIn] | None = Field(
        None,
        min_length=1,
        max_length=MAX_LINES,
        description="left out or null: everything not yet refunded",
    )
    reason: str = Field(min_length=1, max_length=255, pattern=LINE)


class ReturnAddressOut(Schema):
    name: str
    phone: str
    address: str


class AfterSaleItemOut(Schema):
    order_item_id: int
    sku_id: int
    title: str
    specs: dict[str, str]
    quantity: int
    amount: int = Field(description="the refund for these units (fen)")


class AfterSaleOut(Schema):
    id: int
    order_id: int
    order_no: str
    type: AfterSaleTypeName
    state: AfterSaleStateName
    reason: str
    images: list[str]
    refund_amount: int = Field(
        description="computed by the server: the items' paid shares pro rata by quantity"
    )
    items: list[AfterSaleItemOut]
    return_address: ReturnAddressOut | None = Field(
        description="where to send the goods (a return_refund once approved)"
    )
    return_carrier_code: str | None
    return_tracking_no: str | None
    resellable: bool | None
    reject_reason: str | None
    refund: RefundOut | None = Field(description="the WeChat Pay refund, once there is one")
    created_at: datetime
    decided_at: datetime | None
    returned_at: datetime | None
    received_at: datetime | None
    refunded_at: datetime | None


class AfterSaleHistoryOut(Schema):
    from_state: str | None
    to_state: str
    actor: str
    note: str
    created_at: datetime


class AdminAfterSaleOut(AfterSaleOut):
    user_id: int
    requested_by: str
    history: list[AfterSaleHistoryOut]


class AfterSaleQuery(PageQuery):
    state: AfterSaleStateName | None = None
    type: AfterSaleTypeName | None = None
    order_id: Id | None = None


class AdminAfterSaleQuery(AfterSaleQuery):
    user_id: Id | None = None
    date_from: Date | None = Field(None, description="created on or after (Asia/Shanghai)")
    date_to: Date | None = Field(
        None, description="inclusive, shop-local date (before date_from: 422, type range)"
    )
