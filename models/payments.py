"""Money WeChat Pay confirmed as received."""

from typing import Any

from tortoise import fields
from tortoise.models import Model


class Payment(Model):
    id = fields.BigIntField(primary_key=True)
    order_id = fields.BigIntField(db_index=True)
    out_trade_no = fields.CharField(max_length=32, db_index=True)
    # WeChat's id of the transaction: a duplicate notification cannot record it twice.
    transaction_id = fields.CharField(max_length=64, unique=True)
    amount = fields.BigIntField()
    payer_openid = fields.CharField(max_length=64, default="")
    paid_at = fields.DatetimeField()
    # Set when the payment arrived for an order no longer awaiting it (refunded automatically).
    unexpected = fields.BooleanField(default=False)
    notification: fields.Field[dict[str, Any]] = fields.JSONField(default=dict)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "payments"
