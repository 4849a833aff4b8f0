"""Server-side pricing of checkout lines: SKUs, freight and the best coupon."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson
from tortoise import connections

from mall.catalog import buyable
from mall.catalog.storage import ImageStorage
from mall.coupons import rules
from mall.errors import Conflict, NotFound, ValidationFailed
from mall.freight import calc
from mall.orders import allocation
from mall.orders.schemas import MAX_LINE_QUANTITY
from models import User, UserCoupon


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
    weight: int = 0  # grams per piece
    freight_template_id: int | None = None
    # The live flash-sale item the line buys from (its price and stock), if any.
    flash_item_id: int | None = None
    per_user_limit: int | None = None

    @property
    def amount(self) -> int:
        return self.price * self.quantity

    def freight_line(self) -> calc.Line:
        return calc.Line(
            product_id=self.product_id,
            template_id=self.freight_template_id,
            amount=self.amount,
            quantity=self.quantity,
            weight=self.weight,
        )

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

    def shares(self) -> list[allocation.Share]:
        """Each line's share of the freight and of the coupon's discount (allocation.py)."""
        template = self.coupon.template if self.coupon is not None else None
        return allocation.shares(
            amounts=[line.amount for line in self.lines],
            covered=[
                template is not None and rules.covers(template, line.coupon_line())
                for line in self.lines
            ],
            freight=self.freight_amount,
            discount=self.discount_amount,
        )


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


def _sku_snapshots(sku_ids: str) -> str:
    """SQL: each SKU of the bigint[] parameter `sku_ids` as one JSON object with what pricing
    needs of its product and category (one JSON array, '[]' for none)."""
    return f"""(
    SELECT coalesce(jsonb_agg(jsonb_build_object(
        'sku_id', s.id, 'product_id', p.id, 'category_id', p.category_id, 'title', p.title,
        'cover', p.cover, 'images', p.images, 'specs', s.specs, 'price', s.price,
        'stock', s.stock, 'weight', s.weight, 'freight_template_id', p.freight_template_id,
        'buyable', {buyable.sku_buyable("s", "p")},
        'flash', {live_flash_item("s.id")}
    )), '[]')::text
    FROM skus s
    JOIN products p ON p.id = s.product_id
    WHERE s.id = ANY({sku_ids}::bigint[])
)"""  # noqa: S608 (a parameter reference, never input)


def live_flash_item(sku_id: str) -> str:
    """SQL: the live flash-sale item of the SKU the expression names, as JSON (NULL: none).
    Live: in its window and not ended; a SKU is in at most one activity not ended."""
    return f"""(
    SELECT jsonb_build_object(
        'item_id', i.id, 'price', i.price, 'stock', i.stock,
        'per_user_limit', i.per_user_limit
    )
    FROM flash_sale_items i JOIN flash_sales f ON f.id = i.flash_sale_id
    WHERE i.sku_id = {sku_id} AND f.ended_at IS NULL AND f.starts_at <= now()
      AND now() < f.ends_at
    ORDER BY i.id LIMIT 1
)"""  # noqa: S608 (a column reference, never input)


# The users columns as the model knows them, read beside the checkout as u_<column>.
_USER_COLUMNS = tuple(sorted(User._meta.fields_db_projection.values()))
# Everything a checkout reads, in one round trip: the SKUs, the address, the order an
# earlier request with the same Idempotency-Key placed (NULL key: none), and the customer
# (placing an order checks them here rather than in a query of its own).
_CHECKOUT = f"""
SELECT
    {_sku_snapshots("$1")} AS skus,
    (SELECT row(a.name, a.phone, a.province, a.city, a.district, a.detail)
        FROM addresses a WHERE a.id = $2 AND a.user_id = $3) AS address,
    (SELECT k.order_id FROM idempotency_keys k
        WHERE k.user_id = $3 AND k.key = $4::text) AS replay_order_id,
    {", ".join(f'u."{column}" AS "u_{column}"' for column in _USER_COLUMNS)}
FROM (SELECT 1) AS one
LEFT JOIN users u ON u.id = $3
"""  # noqa: S608
ADDRESS_FIELDS = ("name", "phone", "province", "city", "district", "detail")


@dataclass(frozen=True)
class CheckoutRead:
    skus: list[dict[str, Any]]
    address: dict[str, str] | None
    replay_order_id: int | None
    user: User | None


async def read_checkout(
    *, user_id: int, sku_ids: list[int], address_id: int, idempotency_key: str | None
) -> CheckoutRead:
    """The SKUs, the user's address (None if not theirs), a replayed order if any, and the
    user (None if there is no such user)."""
    async with connections.get("default").acquire_connection() as conn:
        row = await conn.fetchrow(_CHECKOUT, sku_ids, address_id, user_id, idempotency_key)
    address = row["address"]
    user = None
    if row["u_id"] is not None:
        user = User._init_from_db(**{column: row[f"u_{column}"] for column in _USER_COLUMNS})
    return CheckoutRead(
        skus=orjson.loads(row["skus"]),
        address=dict(zip(ADDRESS_FIELDS, address, strict=True)) if address else None,
        replay_order_id=row["replay_order_id"],
        user=user,
    )


def priced_from(
    merged: Sequence[tuple[int, int]], snapshots: list[dict[str, Any]], *, images: ImageStorage
) -> list[PricedLine]:
    """Price merged lines from SKU_SNAPSHOTS rows; 404/409 for a SKU missing or off sale."""
    skus = {row["sku_id"]: row for row in snapshots}
    priced: list[PricedLine] = []
    for sku_id, quantity in merged:
        sku = skus.get(sku_id)
        if sku is None:
            raise NotFound(
                f"SKU {sku_id} not found", code="sku_not_found", details={"sku_id": sku_id}
            )
        if not sku["buyable"]:
            raise Conflict(
                f"SKU {sku_id} is not on sale", code="sku_unavailable", details={"sku_id": sku_id}
            )
        flash = sku.get("flash")
        priced.append(
            PricedLine(
                sku_id=sku_id,
                product_id=sku["product_id"],
                category_id=sku["category_id"],
                title=sku["title"],
                cover_url=cover_url(sku["cover"], sku["images"], images),
                specs=dict(sku["specs"] or {}),
                # While a flash sale of the SKU is live: its price, from its stock.
                price=flash["price"] if flash else sku["price"],
                quantity=quantity,
                stock=flash["stock"] if flash else sku["stock"],
                weight=sku["weight"],
                freight_template_id=sku["freight_template_id"],
                flash_item_id=flash["item_id"] if flash else None,
                per_user_limit=flash["per_user_limit"] if flash else None,
            )
        )
    return priced


def cover_url(cover: str, product_images: list[str] | None, images: ImageStorage) -> str:
    """The product's cover, or its first image, as a URL clients can load."""
    ref = cover or next(iter(product_images or []), "")
    return images.resolve(ref) if ref else ""


def apply_coupon(priced: Priced, coupon: UserCoupon | None, discount: int) -> None:
    """Take the coupon's discount, leaving at least 1 fen to pay (WeChat Pay's minimum)."""
    if coupon is None:
        priced.coupon, priced.discount_amount = None, 0
        return
    ceiling = priced.goods_amount + priced.freight_amount - 1
    priced.coupon, priced.discount_amount = coupon, max(0, min(discount, ceiling))
