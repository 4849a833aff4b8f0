"""Every Tortoise model, one module per domain, re-exported here."""

from models.admin import Admin, AdminLog, Role
from models.aftersales import (
    AfterSale,
    AfterSaleHistory,
    AfterSaleItem,
    AfterSaleState,
    AfterSaleType,
)
from models.catalog import Banner, Category, Product, Sku
from models.coupons import CouponState, CouponTemplate, UserCoupon
from models.events import OutboxEvent
from models.freight import FreightTemplate
from models.identity import Address, RefreshToken, User
from models.marketing import (
    Favorite,
    FlashSale,
    FlashSaleBuyer,
    FlashSaleItem,
    Group,
    GroupBuy,
    GroupMember,
    PinnedKeyword,
)
from models.order_changes import OrderPriceAdjustment
from models.orders import (
    CancelReason,
    CartItem,
    IdempotencyKey,
    Order,
    OrderHistory,
    OrderItem,
    OrderStatus,
    RefundRequest,
    RefundStatus,
    Review,
    Shipment,
)
from models.payments import Payment
from models.reconciliation import Reconciliation
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
    "AfterSale",
    "AfterSaleHistory",
    "AfterSaleItem",
    "AfterSaleState",
    "AfterSaleType",
    "Banner",
    "CancelReason",
    "CartItem",
    "Category",
    "CouponState",
    "CouponTemplate",
    "Favorite",
    "FlashSale",
    "FlashSaleBuyer",
    "FlashSaleItem",
    "FreightTemplate",
    "Group",
    "GroupBuy",
    "GroupMember",
    "IdempotencyKey",
    "Order",
    "OrderHistory",
    "OrderItem",
    "OrderPriceAdjustment",
    "OrderStatus",
    "OutboxEvent",
    "OutboxReader",
    "Payment",
    "PinnedKeyword",
    "Product",
    "Reconciliation",
    "RefreshToken",
    "RefundRequest",
    "RefundStatus",
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
