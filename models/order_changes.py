"""Staff's changes to an order beyond its state: price adjustments of an unpaid order."""

from tortoise import fields
from tortoise.models import Model


class OrderPriceAdjustment(Model):
    """One price change of an unpaid order. The WeChat trade under the old price was
    closed and a new out_trade_no took its place, so a payment that still reaches the old
    one (WeChat's race) is found here, and refunded."""

    id = fields.BigIntField(primary_key=True)
    order: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Order", related_name="price_adjustments", on_delete=fields.CASCADE
    )
    old_pay_amount = fields.BigIntField()
    new_pay_amount = fields.BigIntField()
    old_out_trade_no = fields.CharField(max_length=32, unique=True)
    new_out_trade_no = fields.CharField(max_length=32, unique=True)
    reason = fields.CharField(max_length=255)
    actor = fields.CharField(max_length=64)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "order_price_adjustments"
