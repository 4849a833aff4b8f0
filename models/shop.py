"""Shop-wide settings staff change at run time (one row)."""

from tortoise import fields
from tortoise.models import Model


class ShopSettings(Model):
    id = fields.IntField(primary_key=True)
    order_timeout_seconds = fields.IntField(default=1800)
    auto_confirm_days = fields.IntField(default=7)
    low_stock_threshold = fields.IntField(default=10)
    freight_flat = fields.IntField(default=800)
    free_shipping_threshold = fields.IntField(default=9900)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "shop_settings"
