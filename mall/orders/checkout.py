"""Checkout: the server prices the lines, reads the address, applies the chosen coupon.

Used by the preview (POST /checkout/preview) and, with stock required, by placing an
order (mall/orders/placing.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from mall.auth import service as auth
from mall.catalog.storage import ImageStorage
from mall.coupons import service as coupons
from mall.errors import Conflict, NotFound, ValidationFailed
from mall.freight import service as freight
from mall.orders import pricing
from mall.orders.errors import OrderError, flash_sale_limit, insufficient_stock
from mall.orders.schemas import IDEMPOTENCY_KEY, CheckoutIn
from mall.shop.schemas import ShopSettingsDoc
from models import CartItem, IdempotencyKey, User, UserCoupon


@dataclass
class Checkout:
    priced: pricing.Priced
    address: dict[str, Any]
    cart_item_ids: list[int]
    user: User | None = None
    replay_order_id: int | None = None


def _replay_of(order_id: int) -> Checkout:
    empty = pricing.Priced(lines=[], goods_amount=0, freight_amount=0)
    return Checkout(priced=empty, address={}, cart_item_ids=[], replay_order_id=order_id)


async def _lines(*, user_id: int, body: CheckoutIn) -> tuple[list[tuple[int, int]], list[int]]:
    if body.items is not None:
        return [(line.sku_id, line.quantity) for line in body.items], []
    ids = list(dict.fromkeys(body.cart_item_ids or []))
    cart = await CartItem.filter(id__in=ids, user_id=user_id)
    missing = sorted(set(ids) - {c.id for c in cart})
    if missing:
        raise NotFound(
            "Cart items not found",
            code=OrderError.CART_ITEM_NOT_FOUND,
            details={"cart_item_ids": missing},
        )
    return [(c.sku_id, c.quantity) for c in cart], ids


def _ensure_stock_read(lines: list[pricing.PricedLine]) -> None:
    """409 naming the first SKU whose stock, as priced, is short, or a line past its flash
    sale's per-customer limit on its own (no lock: a pre-check)."""
    for line in lines:
        if line.per_user_limit is not None and line.quantity > line.per_user_limit:
            raise flash_sale_limit(
                {"sku_id": line.sku_id, "per_user_limit": line.per_user_limit, "bought": 0}
            )
        if line.quantity > line.stock:
            raise insufficient_stock(
                sku_id=line.sku_id, requested=line.quantity, available=line.stock
            )


async def order_of_key(*, user_id: int, key: str | None) -> int | None:
    """The order an earlier request with this Idempotency-Key placed, if there is one."""
    if key is None:
        return None
    seen = await IdempotencyKey.get_or_none(user_id=user_id, key=key)
    return seen.order_id if seen is not None else None


async def checkout(
    *,
    user_id: int,
    body: CheckoutIn,
    images: ImageStorage,
    shop: ShopSettingsDoc,
    require_stock: bool,
    list_coupons: bool = True,
    idempotency_key: str | None = None,
) -> Checkout:
    """Price the lines server-side, pick up the address, and apply the chosen coupon.

    The customer is read in the same query (401 if gone, 403 if banned). `list_coupons=False`
    (placing an order) looks at coupons only when one was chosen. With an Idempotency-Key
    whose order exists, that order's id is all that comes back.
    """
    try:
        lines, cart_ids = await _lines(user_id=user_id, body=body)
    except NotFound:
        # The cart lines an earlier request with this key ordered are gone: a replay.
        earlier = await order_of_key(user_id=user_id, key=idempotency_key)
        if earlier is None:
            raise
        return _replay_of(earlier)
    merged = pricing.merge_lines(lines)
    read = await pricing.read_checkout(
        user_id=user_id,
        sku_ids=[sku_id for sku_id, _ in merged],
        address_id=body.address_id,
        idempotency_key=idempotency_key,
    )
    user = auth.active_user(read.user)
    if read.replay_order_id is not None:
        return _replay_of(read.replay_order_id)
    priced_lines = pricing.priced_from(merged, read.skus, images=images)
    if require_stock:
        _ensure_stock_read(priced_lines)
    if read.address is None:
        raise NotFound("Address not found", code=OrderError.ADDRESS_NOT_FOUND)
    freight_amount = await freight.quote(
        lines=[line.freight_line() for line in priced_lines],
        province=read.address["province"],
        shop=shop,
    )
    goods = sum(line.amount for line in priced_lines)
    priced = pricing.Priced(lines=priced_lines, goods_amount=goods, freight_amount=freight_amount)
    if list_coupons or body.coupon_id is not None:
        priced.usable = await coupons.usable_for(user=user, lines=priced.coupon_lines())
    if body.coupon_id is not None:
        chosen = next((pair for pair in priced.usable if pair[0].id == body.coupon_id), None)
        if chosen is None:
            owned = await UserCoupon.filter(id=body.coupon_id, user_id=user.id).exists()
            if not owned:
                raise NotFound("Coupon not found", code=OrderError.COUPON_NOT_FOUND)
            raise Conflict(
                "The coupon does not apply to this order", code=OrderError.COUPON_UNAVAILABLE
            )
        pricing.apply_coupon(priced, *chosen)
    return Checkout(priced=priced, address=read.address, cart_item_ids=cart_ids, user=user)


def validate_idempotency_key(raw: str | None) -> str | None:
    """The Idempotency-Key header, trimmed; 422 unless 1-128 printable ASCII characters."""
    if raw is None:
        return None
    key = raw.strip()
    if not re.fullmatch(IDEMPOTENCY_KEY, key):
        raise ValidationFailed(
            details=[
                {
                    "field": "Idempotency-Key",
                    "message": "1-128 printable characters",
                    "type": "header",
                }
            ]
        )
    return key
