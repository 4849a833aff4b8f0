"""After-sales requests: a refund (or a return and refund) of some units of an order's items,
with their own states beside the order's."""

from enum import StrEnum
from typing import Any

from tortoise import fields
from tortoise.models import Model

from models.base import Timestamped


class AfterSaleType(StrEnum):
    REFUND = "refund"
    RETURN_REFUND = "return_refund"


class AfterSaleState(StrEnum):
    """pending -> refunding (refund) | approved (return_refund) | rejected | cancelled;
    approved -> returning (the customer sent the goods back) -> refunding (staff received
    them) -> refunded (WeChat Pay confirmed the money back)."""

    PENDING = "pending"
    APPROVED = "approved"
    RETURNING = "returning"
    REFUNDING = "refunding"
    REFUNDED = "refunded"
    REJECTED = "rejected"
    CANCELLED = "cancelled"


class AfterSale(Timestamped, Model):
    id = fields.BigIntField(primary_key=True)
    order: fields.ForeignKeyRelation[Any] = fields.ForeignKeyField(
        "models.Order", related_name="after_sales", on_delete=fields.CASCADE
    )
    user_id = fields.BigIntField(db_index=True)
    # AfterSaleType, AfterSaleState
    type = fields.CharField(max_length=16, db_index=True)
    state = fields.CharField(max_length=16, db_index=True)
    reason = fields.CharField(max_length=255)
    images: fields.Field[list[str]] = fields.JSONField(default=list)
    # Computed by the server from the items' paid shares; never sent by a client.
    refund_amount = fields.BigIntField()
    # Who asked: the customer ("user:7") or staff ("admin:li").
    requested_by = fields.CharField(max_length=64)
    # The shop's return address as it was when staff approved a return.
    return_address: fields.Field[dict[str, Any] | None] = fields.JSONField(null=True)
    return_carrier_code = fields.CharField(max_length=32, null=True)
    return_tracking_no = fields.CharField(max_length=64, null=True)
    resellable = fields.BooleanField(null=True)
    reject_reason = fields.CharField(max_length=255, null=True)
    # Stock goes back for the units of a refund the shop never shipped (set when asked).
    restock_on_refund = fields.BooleanField(default=False)
    decided_at = fields.DatetimeField(null=True)
    returned_at = fields.DatetimeField(null=True)
    received_at = fields.DatetimeField(null=True)
    refunded_at = fields.DatetimeField(null=True)

    class Meta:
        table = "after_sales"


class AfterSaleItem(Model):
    id = fields.BigIntField(primary_key=True)
    after_sale: fields.ForeignKeyRelation[AfterSale] = fields.ForeignKeyField(
        "models.AfterSale", related_name="items", on_delete=fields.CASCADE
    )
    order_item_id = fields.BigIntField(db_index=True)
    quantity = fields.IntField()
    amount = fields.BigIntField()

    class Meta:
        table = "after_sale_items"


class AfterSaleHistory(Model):
    id = fields.BigIntField(primary_key=True)
    after_sale: fields.ForeignKeyRelation[AfterSale] = fields.ForeignKeyField(
        "models.AfterSale", related_name="history", on_delete=fields.CASCADE
    )
    from_state = fields.CharField(max_length=16, null=True)
    to_state = fields.CharField(max_length=16)
    actor = fields.CharField(max_length=64)
    note = fields.CharField(max_length=255, default="")
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "after_sale_history"
