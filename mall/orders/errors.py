"""Every error code an order operation can answer with, and the helpers that build them."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from mall.errors import Conflict, NotFound


class OrderError(StrEnum):
    """Order, checkout, payment and refund refusals (API error codes)."""

    ORDER_NOT_FOUND = "order_not_found"
    ORDER_ITEM_NOT_FOUND = "order_item_not_found"
    CART_ITEM_NOT_FOUND = "cart_item_not_found"
    ADDRESS_NOT_FOUND = "address_not_found"
    COUPON_NOT_FOUND = "coupon_not_found"
    REFUND_NOT_FOUND = "refund_not_found"
    INVALID_ORDER_STATE = "invalid_order_state"
    INSUFFICIENT_STOCK = "insufficient_stock"
    COUPON_UNAVAILABLE = "coupon_unavailable"
    IDEMPOTENCY_CONFLICT = "idempotency_conflict"
    ORDER_EXPIRED = "order_expired"
    REFUND_WINDOW_CLOSED = "refund_window_closed"
    NO_REFUND_REQUEST = "no_refund_request"
    ALREADY_REVIEWED = "already_reviewed"
    PRICE_CHANGED = "price_changed"
    ORDER_CHANGED = "order_changed"
    FLASH_SALE_LIMIT = "flash_sale_limit"
    FLASH_SALE_OVER = "flash_sale_over"


def state_conflict(status: str, action: str) -> Conflict:
    """409 for an action the order's current state does not allow; names that state."""
    return Conflict(
        f"Cannot {action} an order that is {status}",
        code=OrderError.INVALID_ORDER_STATE,
        details={"status": status},
    )


def insufficient_stock(*, sku_id: int, requested: int, available: int) -> Conflict:
    """409 naming the SKU that is short, what was asked and what is left."""
    return Conflict(
        f"Not enough stock for SKU {sku_id}",
        code=OrderError.INSUFFICIENT_STOCK,
        details={"sku_id": sku_id, "requested": requested, "available": available},
    )


def flash_sale_limit(detail: dict[str, Any]) -> Conflict:
    """409: the customer's orders would hold more of a flash-sale SKU than its limit."""
    return Conflict(
        "The flash sale allows no more of this SKU per customer",
        code=OrderError.FLASH_SALE_LIMIT,
        details=detail,
    )


def order_not_found() -> NotFound:
    """404 for a missing order, and for someone else's (indistinguishable by design)."""
    return NotFound("Order not found", code=OrderError.ORDER_NOT_FOUND)
