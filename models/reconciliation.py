"""Daily payment reconciliation: WeChat Pay's trade bill of a shop day against our records."""

from typing import Any

from tortoise import fields
from tortoise.models import Model

from models.base import Timestamped


class Reconciliation(Timestamped, Model):
    id = fields.BigIntField(primary_key=True)
    # The shop day (Asia/Shanghai) the bill covers; running a day again replaces its result.
    bill_date = fields.DateField(unique=True)
    # done | failed (WeChat could not give the bill: `error`)
    state = fields.CharField(max_length=16)
    bill_payments = fields.IntField(default=0)
    bill_refunds = fields.IntField(default=0)
    shop_payments = fields.IntField(default=0)
    shop_refunds = fields.IntField(default=0)
    matched = fields.IntField(default=0)
    # [{"kind", "out_trade_no", "out_refund_no", "bill": {...} | null, "shop": {...} | null}]
    mismatches: fields.Field[list[dict[str, Any]]] = fields.JSONField(default=list)
    error = fields.CharField(max_length=255, null=True)

    class Meta:
        table = "reconciliations"
