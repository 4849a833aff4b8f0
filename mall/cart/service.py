"""The cart: one line per SKU, quantities checked against stock and the per-line cap."""

from __future__ import annotations

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F
from tortoise.transactions import in_transaction

from mall.catalog import buyable
from mall.errors import Conflict, NotFound
from mall.orders.schemas import MAX_LINE_QUANTITY, CartItemIn, CartItemPatch
from models import CartItem, Product, Sku, User

MAX_CART_LINES = 100


async def _buyable_sku(sku_id: int) -> Sku:
    """The SKU if it can be bought (mall.catalog.buyable); 404 if it or its product is gone,
    409 `sku_unavailable` if it is off sale or hidden from the storefront."""
    sku = await Sku.get_or_none(id=sku_id, archived_at=None)
    product = await Product.get_or_none(id=sku.product_id, archived_at=None) if sku else None
    if sku is None or product is None:
        raise NotFound(f"SKU {sku_id} not found", code="sku_not_found", details={"sku_id": sku_id})
    if sku.id not in await buyable.buyable_skus([sku.id]):
        raise Conflict(
            f"SKU {sku_id} is not on sale", code="sku_unavailable", details={"sku_id": sku_id}
        )
    return sku


def _check_quantity(sku: Sku, quantity: int) -> None:
    if quantity > MAX_LINE_QUANTITY:
        raise Conflict(
            f"At most {MAX_LINE_QUANTITY} per item",
            code="quantity_limit",
            details={"sku_id": sku.id, "max": MAX_LINE_QUANTITY},
        )
    if quantity > sku.stock:
        raise Conflict(
            f"Not enough stock for SKU {sku.id}",
            code="insufficient_stock",
            details={"sku_id": sku.id, "requested": quantity, "available": sku.stock},
        )


async def get_all(*, user: User) -> list[CartItem]:
    return await CartItem.filter(user_id=user.id).order_by("-updated_at", "-id")


async def add(*, user: User, data: CartItemIn) -> CartItem:
    """Add to the cart; the same SKU again adds to its line."""
    sku = await _buyable_sku(data.sku_id)
    async with in_transaction():
        await User.filter(id=user.id).select_for_update().first()
        line = await CartItem.get_or_none(user_id=user.id, sku_id=sku.id)
        if line is None:
            if await CartItem.filter(user_id=user.id).count() >= MAX_CART_LINES:
                raise Conflict(f"At most {MAX_CART_LINES} lines in a cart", code="cart_full")
            _check_quantity(sku, data.quantity)
            try:
                return await CartItem.create(user_id=user.id, sku_id=sku.id, quantity=data.quantity)
            except IntegrityError:
                raise Conflict("Try again", code="cart_conflict") from None
        _check_quantity(sku, line.quantity + data.quantity)
        await CartItem.filter(id=line.id).update(
            quantity=F("quantity") + data.quantity, selected=True
        )
        return await CartItem.get(id=line.id)


async def get(*, user: User, item_id: int) -> CartItem:
    item = await CartItem.get_or_none(id=item_id, user_id=user.id)
    if item is None:
        raise NotFound("Cart item not found", code="cart_item_not_found")
    return item


async def update(*, user: User, item_id: int, data: CartItemPatch) -> CartItem:
    item = await get(user=user, item_id=item_id)
    if data.quantity is not None:
        _check_quantity(await _buyable_sku(item.sku_id), data.quantity)
        item.quantity = data.quantity
    if data.selected is not None:
        item.selected = data.selected
    await item.save()
    return item


async def delete(*, user: User, item_id: int) -> None:
    item = await get(user=user, item_id=item_id)
    await item.delete()
