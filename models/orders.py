"""Carts, orders with their items, shipments, refunds, reviews and idempotency keys, and
the states an order and a refund move through (their API strings)."""

from enum import StrEnum
from typing import Any

from tortoise import fields
from tortoise.models import Model

from models.base import Timestamped


class OrderStatus(StrEnum):
    """pending_payment -> paid | cancelled; paid -> shipped | refunding; shipped ->
    completed | refunding; refunding -> refunded | back where it came from."""

    PENDING_PAYMENT = "pending_payment"
    PAID = "paid"
    SHIPPED = "shipped"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    REFUNDING = "refunding"
    REFUNDED = "refunded"


class CancelReason(StrEnum):
    USER = "user"
    TIMEOUT = "timeout"
    ADMIN = "admin"


class RefundStatus(StrEnum):
    """requested -> refunding -> refunded | failed (approved again: refunding); requested ->
    rejected."""

    REQUESTED = "requested"
    REJECTED = "rejected"
    REFUNDING = "refunding"
    REFUNDED = "refunded"
    FAILED = "failed"


class CartItem(Timestamped, Model):
    id = fields.BigIntField(primary_key=True)
    user_id = fields.BigIntField()
    sku_id = fields.BigIntField()
    quantity = fields.IntField()
    selected = fields.BooleanField(default=True)

    class Meta:
        table = "cart_items"
        unique_together = (("user_id", "sku_id"),)


class Order(Timestamped, Model):
    id = fields.BigIntField(primary_key=True)
    order_no = fields.CharField(max_length=32, unique=True)
    user_id = fields.BigIntField(db_index=True)
    status = fields.CharField(max_length=24, db_index=True)
    goods_amount = fields.BigIntField()
    freight_amount = fields.BigIntField()
    discount_amount = fields.BigIntField()
    pay_amount = fields.BigIntField()
    address: fields.Field[dict[str, Any]] = fields.JSONField()
    remark = fields.CharField(max_length=255, default="")
    # Staff's own note on the order; the customer never sees it.
    staff_remark = fields.CharField(max_length=500, default="")
    user_coupon_id = fields.BigIntField(null=True)
    # WeChat Pay's out_trade_no when it is no longer order_no (a price adjustment closed
    # the first one); null means order_no.
    out_trade_no = fields.CharField(max_length=32, null=True, unique=True)
    # Staff's price adjustments of the unpaid order, in total: pay_amount = goods_amount +
    # freight_amount - discount_amount + adjust_amount.
    adjust_amount = fields.BigIntField(default=0)
    # The JSAPI prepay for this order, reused while the order can still be paid.
    prepay_id = fields.CharField(max_length=64, null=True)
    expires_at = fields.DatetimeField(db_index=True)
    paid_at = fields.DatetimeField(null=True)
    shipped_at = fields.DatetimeField(null=True)
    completed_at = fields.DatetimeField(null=True)
    cancelled_at = fields.DatetimeField(null=True)
    cancel_reason = fields.CharField(max_length=16, null=True)
    refunded_at = fields.DatetimeField(null=True)
    # Where a refund request came from, so a rejected one can go back there.
    refund_from_status = fields.CharField(max_length=24, null=True)
    # Stock and coupon go back exactly once; this flips in the same UPDATE that does it.
    stock_restored = fields.BooleanField(default=False)

    class Meta:
        table = "orders"


class OrderItem(Model):
    id = fields.BigIntField(primary_key=True)
    order: fields.ForeignKeyRelation[Order] = fields.ForeignKeyField(
        "models.Order", related_name="items", on_delete=fields.CASCADE
    )
    sku_id = fields.BigIntField(db_index=True)
    product_id = fields.BigIntField(db_index=True)
    title = fields.CharField(max_length=200)
    specs: fields.Field[dict[str, str]] = fields.JSONField(default=dict)
    cover_url = fields.CharField(max_length=512, default="")
    price = fields.BigIntField()
    quantity = fields.IntField()
    # This item's part of the order's freight and discount (largest remainder, summing
    # exactly to the order's amounts): what it paid is price x quantity + freight_share -
    # discount_share, and a refund of it never gives back more (mall/orders/allocation.py).
    freight_share = fields.BigIntField(default=0)
    discount_share = fields.BigIntField(default=0)
    # Its part of staff's price adjustments of the unpaid order (negative: a reduction),
    # so the items' paid amounts still sum to the order's pay_amount.
    adjust_share = fields.BigIntField(default=0)
    # Units (and their refund) under after-sales that are open or refunded; withdrawn or
    # refused ones give theirs back. refunded_quantity: the units whose money is back.
    after_sale_quantity = fields.IntField(default=0)
    after_sale_amount = fields.BigIntField(default=0)
    refunded_quantity = fields.IntField(default=0)
    reviewed = fields.BooleanField(default=False)
    # The flash-sale item the line was bought from (its price and stock), if any.
    flash_sale_item_id = fields.BigIntField(null=True)

    @property
    def paid_amount(self) -> int:
        return (
            self.price * self.quantity
            + self.freight_share
            - self.discount_share
            + self.adjust_share
        )

    class Meta:
        table = "order_items"


class OrderHistory(Model):
    id = fields.BigIntField(primary_key=True)
    order: fields.ForeignKeyRelation[Order] = fields.ForeignKeyField(
        "models.Order", related_name="history", on_delete=fields.CASCADE
    )
    from_status = fields.CharField(max_length=24, null=True)
    to_status = fields.CharField(max_length=24)
    actor = fields.CharField(max_length=64)
    note = fields.CharField(max_length=255, default="")
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "order_history"


class Shipment(Model):
    id = fields.BigIntField(primary_key=True)
    order: fields.OneToOneRelation[Order] = fields.OneToOneField(
        "models.Order", related_name="shipment", on_delete=fields.CASCADE
    )
    # The carrier's name as WeChat's carrier list spells it, and its code there.
    carrier = fields.CharField(max_length=64)
    carrier_code = fields.CharField(max_length=32, default="")
    tracking_no = fields.CharField(max_length=64)
    # WeChat's token for this parcel (trace_waybill), which the tracking component opens.
    waybill_token = fields.CharField(max_length=255, null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "shipments"


class RefundRequest(Timestamped, Model):
    id = fields.BigIntField(primary_key=True)
    order: fields.ForeignKeyRelation[Order] = fields.ForeignKeyField(
        "models.Order", related_name="refunds", on_delete=fields.CASCADE
    )
    out_refund_no = fields.CharField(max_length=64, unique=True)
    reason = fields.CharField(max_length=255)
    amount = fields.BigIntField()
    # RefundStatus
    status = fields.CharField(max_length=16, db_index=True)
    from_status = fields.CharField(max_length=24)
    decided_by = fields.CharField(max_length=64, null=True)
    decided_at = fields.DatetimeField(null=True)
    refund_id = fields.CharField(max_length=64, null=True)
    failure = fields.CharField(max_length=255, null=True)
    # A refund of a payment that arrived after the order was cancelled: the order stays
    # cancelled (its stock already went back) and only the money moves.
    automatic = fields.BooleanField(default=False)
    payment_id = fields.BigIntField(null=True)
    # The after-sale this refund pays out (its amount is the after-sale's refund_amount).
    after_sale_id = fields.BigIntField(null=True, db_index=True)

    class Meta:
        table = "refund_requests"


class Review(Model):
    id = fields.BigIntField(primary_key=True)
    order_item_id = fields.BigIntField(unique=True)
    order_id = fields.BigIntField(db_index=True)
    user_id = fields.BigIntField()
    product_id = fields.BigIntField(db_index=True)
    rating = fields.SmallIntField()
    content = fields.CharField(max_length=1000, default="")
    images: fields.Field[list[str]] = fields.JSONField(default=list)
    # published | held (staff decide) | checking (images with WeChat) | hidden | rejected
    state = fields.CharField(max_length=16, default="published", db_index=True)
    # Why it is not published, for staff: msgSecCheck's label, an image verdict, a note.
    moderation_note = fields.CharField(max_length=255, default="")
    reply = fields.CharField(max_length=500, null=True)
    replied_at = fields.DatetimeField(null=True)
    published_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "reviews"


class IdempotencyKey(Model):
    id = fields.BigIntField(primary_key=True)
    user_id = fields.BigIntField()
    key = fields.CharField(max_length=128)
    order_id = fields.BigIntField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True, db_index=True)

    class Meta:
        table = "idempotency_keys"
        unique_together = (("user_id", "key"),)
