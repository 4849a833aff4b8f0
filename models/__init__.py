"""Every Tortoise model, one module per domain, re-exported here."""

from models.admin import Admin, AdminLog, Role
from models.catalog import Banner, Category, Product, Sku
from models.coupons import CouponTemplate, UserCoupon
from models.events import OutboxEvent
from models.identity import Address, RefreshToken, User
from models.orders import (
    CartItem,
    IdempotencyKey,
    Order,
    OrderHistory,
    OrderItem,
    RefundRequest,
    Review,
    Shipment,
)
from models.payments import Payment
from models.shop import ShopSettings
from models.wechat import (
    OutboxReader,
    ReviewMediaCheck,
    ShippingSync,
    SubscribeMessage,
    SubscriptionGrant,
)

__all__ = [
    "Address",
    "Admin",
    "AdminLog",
    "Banner",
    "CartItem",
    "Category",
    "CouponTemplate",
    "IdempotencyKey",
    "Order",
    "OrderHistory",
    "OrderItem",
    "OutboxEvent",
    "OutboxReader",
    "Payment",
    "Product",
    "RefreshToken",
    "RefundRequest",
    "Review",
    "ReviewMediaCheck",
    "Role",
    "Shipment",
    "ShippingSync",
    "ShopSettings",
    "Sku",
    "SubscribeMessage",
    "SubscriptionGrant",
    "User",
    "UserCoupon",
]
