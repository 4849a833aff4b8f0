"""Server-side pricing of checkout lines: SKUs, freight and the best coupon."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from mall.catalog.storage import ImageStorage
from mall.coupons import rules
from mall.errors import Conflict, NotFound, ValidationFailed
from mall.orders.schemas import MAX_LINE_QUANTITY
from mall.shop.schemas import ShopSettingsDoc
from models import Category, Product, Sku, UserCoupon


@dataclass(frozen=True)
class PricedLine:
    sku_id: int
    product_id: int
    category_id: int | None
    title: str
    cover_url: str
    specs: dict[str, str]
    price: int
    quantity: int
    stock: int

    @property
    def amount(self) -> int:
        return self.price * self.quantity

    def coupon_line(self) -> rules.Line:
        return rules.Line(self.sku_id, self.product_id, self.category_id, self.amount)


@dataclass
class Priced:
    lines: list[PricedLine]
    goods_amount: int
    freight_amount: int
    discount_amount: int = 0
    coupon: UserCoupon | None = None
    usable: list[tuple[UserCoupon, int]] = field(default_factory=list)

    @property
    def pay_amount(self) -> int:
        return self.goods_amount + self.freight_amount - self.discount_amount

    def coupon_lines(self) -> list[rules.Line]:
        return [line.coupon_line() for line in self.lines]


def merge_lines(lines: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """Same SKU twice is one line; quantities add up (and stay within the per-line cap)."""
    merged: dict[int, int] = {}
    for sku_id, quantity in lines:
        merged[sku_id] = merged.get(sku_id, 0) + quantity
    for sku_id, quantity in merged.items():
        if quantity > MAX_LINE_QUANTITY:
            raise ValidationFailed(
                details=[
                    {
                        "field": "quantity",
                        "message": f"at most {MAX_LINE_QUANTITY} of SKU {sku_id}",
                        "type": "too_many",
                    }
                ]
            )
    return sorted(merged.items())


async def price_lines(
    lines: Sequence[tuple[int, int]], *, images: ImageStorage
) -> list[PricedLine]:
    """Current price and snapshot data of each SKU (the cover as an absolute URL, since the
    order keeps it); every SKU must be on sale now."""
    merged = merge_lines(lines)
    # One query: each SKU with its product and the product's category (for visibility).
    skus = {
        s.id: s
        for s in await Sku.filter(id__in=[sku_id for sku_id, _ in merged]).select_related(
            "product__category"
        )
    }
    priced: list[PricedLine] = []
    for sku_id, quantity in merged:
        sku = skus.get(sku_id)
        product: Product | None = sku.product if sku else None
        if sku is None or product is None:
            raise NotFound(
                f"SKU {sku_id} not found", code="sku_not_found", details={"sku_id": sku_id}
            )
        category: Category | None = product.category
        if (
            sku.archived_at is not None
            or product.archived_at is not None
            or not product.on_sale
            or (category is not None and not category.visible)
        ):
            raise Conflict(
                f"SKU {sku_id} is not on sale", code="sku_unavailable", details={"sku_id": sku_id}
            )
        priced.append(
            PricedLine(
                sku_id=sku.id,
                product_id=product.id,
                category_id=product.category_id,
                title=product.title,
                cover_url=cover_url(product, images),
                specs=dict(sku.specs or {}),
                price=sku.price,
                quantity=quantity,
                stock=sku.stock,
            )
        )
    return priced


def cover_url(product: Product, images: ImageStorage) -> str:
    """The product's cover, or its first image, as a URL clients can load."""
    ref = product.cover or next(iter(product.images or []), "")
    return images.resolve(ref) if ref else ""


def freight_for(goods_amount: int, settings: ShopSettingsDoc) -> int:
    """Flat freight, waived at or above the free-shipping threshold (0 = never waived)."""
    if settings.free_shipping_threshold and goods_amount >= settings.free_shipping_threshold:
        return 0
    return settings.freight_flat


def apply_coupon(priced: Priced, coupon: UserCoupon | None, discount: int) -> None:
    """Take the coupon's discount, leaving at least 1 fen to pay (WeChat Pay's minimum)."""
    if coupon is None:
        priced.coupon, priced.discount_amount = None, 0
        return
    ceiling = priced.goods_amount + priced.freight_amount - 1
    priced.coupon, priced.discount_amount = coupon, max(0, min(discount, ceiling))
