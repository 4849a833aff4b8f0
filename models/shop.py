"""Shop-wide settings staff change at run time (one row)."""

from typing import Any

from tortoise import fields
from tortoise.models import Model


class ShopSettings(Model):
    id = fields.IntField(primary_key=True)
    order_timeout_seconds = fields.IntField(default=1800)
    auto_confirm_days = fields.IntField(default=7)
    low_stock_threshold = fields.IntField(default=10)
    freight_flat = fields.IntField(default=800)
    free_shipping_threshold = fields.IntField(default=9900)
    # Subscription message templates per event: {"order_paid": {"template_id", "fields"}}.
    subscribe_templates: fields.Field[dict[str, Any]] = fields.JSONField(default=dict)
    # order_expiring goes out this long before an unpaid order expires.
    order_expiring_notice_seconds = fields.IntField(default=300)
    # After-sales may be asked for until this many days after an order's completion.
    after_sale_days = fields.IntField(default=7)
    # Where customers send returned goods: {"name", "phone", "address"}; null: not set.
    return_address: fields.Field[dict[str, Any] | None] = fields.JSONField(null=True)
    # Unpaid orders with a flash-sale line expire this soon (their stock is wanted).
    flash_sale_timeout_seconds = fields.IntField(default=300)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "shop_settings"
