"""Admin changes to products with their SKUs, and to stock.

Each change is one transaction. After commit it publishes its events and invalidates the
cache entries it affects, so the storefront shows it on the next read.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson
from tortoise import connections
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from mall.admin import audit
from mall.admin.audit import Staff
from mall.admin.permissions import Permission
from mall.catalog import categories
from mall.catalog.categories import children_of, invalid, subtree_ids
from mall.catalog.schemas import (
    MAX_STOCK,
    AdminProductQuery,
    ProductIn,
    SkuIn,
    Sort,
)
from mall.catalog.search import ProductFilter, ProductRow, find_products, keywords_of
from mall.catalog.storage import ImageStorage
from mall.errors import Conflict, Forbidden, NotFound
from mall.orders import stock as moves
from mall.orders.stock import StockChange
from mall.runtime import Runtime
from models import Category, FreightTemplate, Product, Sku

DEFERRED_SKU_CONSTRAINTS = "skus_live_specs_unique, skus_live_code_unique"


# --- products ------------------------------------------------------------------------------


async def get_product(*, product_id: int, lock: bool = False) -> Product:
    """A live (not archived) product; with lock=True its row is locked (in a transaction)."""
    query = Product.filter(id=product_id, archived_at=None)
    product = await (query.select_for_update() if lock else query).first()
    if product is None:
        raise NotFound("Product not found", code="product_not_found")
    return product


async def get_live_skus(*, product_id: int) -> list[Sku]:
    """A product's SKUs that are not archived, oldest first."""
    return await Sku.filter(product_id=product_id, archived_at=None).order_by("id")


async def get_all_products(
    *, query: AdminProductQuery, low_stock_threshold: int
) -> tuple[list[ProductRow], int]:
    """The admin's product list: on and off sale, filtered, newest first."""
    category_ids = None
    if query.category_id is not None:
        await categories.get(category_id=query.category_id)
        category_ids = subtree_ids(children_of(await Category.all()), query.category_id)
    product_filter = ProductFilter(
        keywords=keywords_of(query.q),
        category_ids=category_ids,
        on_sale=query.on_sale,
        stock_below=low_stock_threshold if query.low_stock else None,
    )
    return await find_products(
        product_filter, sort=Sort.NEWEST, offset=query.offset, limit=query.page_size
    )


async def _require_category(category_id: int) -> None:
    if not await Category.filter(id=category_id).exists():
        raise invalid("category_id", f"unknown category {category_id}", "unknown_id")


async def _require_freight_template(template_id: int | None) -> None:
    if template_id is not None and not await FreightTemplate.filter(id=template_id).exists():
        raise invalid(
            "freight_template_id", f"unknown freight template {template_id}", "unknown_id"
        )


async def create_product(rt: Runtime, *, data: ProductIn, staff: Staff | None) -> Product:
    """A product with its SKUs in one go; 422 for an unknown category."""
    await _require_category(data.category_id)
    await _require_freight_template(data.freight_template_id)
    for index, sku in enumerate(data.skus):
        if sku.id is not None:
            raise invalid(f"skus.{index}.id", "a new product has no SKU ids yet", "unknown_id")
    try:
        async with in_transaction() as conn:
            product = await Product.create(
                **_product_fields(rt.images, data), freight_template_id=data.freight_template_id
            )
            skus = [
                await Sku.create(
                    product_id=product.id,
                    specs=sku.specs,
                    price=sku.price,
                    stock=sku.stock or 0,
                    code=sku.code,
                    weight=sku.weight or 0,
                )
                for sku in data.skus
            ]
            await _refresh_price_range(conn, product)
            await conn.execute_script(f"SET CONSTRAINTS {DEFERRED_SKU_CONSTRAINTS} IMMEDIATE")
            await audit.record(
                staff,
                "product.create",
                target_type="product",
                target_id=product.id,
                detail={
                    "title": product.title,
                    "category_id": data.category_id,
                    "on_sale": data.on_sale,
                    "skus": [
                        {"id": s.id, "specs": s.specs, "price": s.price, "stock": s.stock}
                        for s in skus
                    ],
                },
            )
    except IntegrityError as exc:
        raise _integrity_error(exc) from None
    await rt.catalog_cache.invalidate_products([product.id])
    return product


def _product_fields(storage: ImageStorage, data: ProductIn) -> dict[str, Any]:
    return {
        "category_id": data.category_id,
        "title": data.title,
        "subtitle": data.subtitle,
        "description": data.description,
        "images": [storage.ref_of(url) for url in data.images],
        "spec_names": list(data.skus[0].specs),
        "cover": storage.ref_of(data.cover) if data.cover else "",
        "on_sale": data.on_sale,
    }


async def _refresh_price_range(conn: Any, product: Product) -> None:
    """Recompute min/max price from the live SKUs (the caller holds the product's lock)."""
    rows = await conn.execute_query_dict(
        "UPDATE products SET min_price = r.lo, max_price = r.hi FROM ("
        "  SELECT COALESCE(MIN(price), 0) AS lo, COALESCE(MAX(price), 0) AS hi FROM skus"
        "  WHERE product_id = $1 AND archived_at IS NULL) r"
        " WHERE id = $1 RETURNING min_price, max_price",
        [product.id],
    )
    product.min_price, product.max_price = rows[0]["min_price"], rows[0]["max_price"]


def _integrity_error(exc: IntegrityError) -> Exception:
    text = str(exc)
    if "skus_live_specs_unique" in text:
        return Conflict("Another live SKU of this product has these specs", code="duplicate_specs")
    if "skus_live_code_unique" in text:
        return Conflict("Another live SKU has this code", code="sku_code_taken")
    if "category_id" in text:
        return invalid("category_id", "unknown category", "unknown_id")
    return exc


@dataclass(frozen=True)
class ProductEdit:
    """What an edit did to the SKUs, for the audit log."""

    added: list[int]
    removed: list[int]
    prices: dict[int, tuple[int, int]]
    stock: dict[int, tuple[int, int]]


async def update_product(
    rt: Runtime, *, product_id: int, data: ProductIn, staff: Staff
) -> tuple[Product, ProductEdit]:
    """Replace a product and its SKU list.

    Incoming SKUs match existing ones by id, else by specs (an archived match comes back);
    live SKUs left out are archived, refused with 409 while an unpaid order holds them.
    Changing an existing SKU's stock needs the stock permission as well.
    """
    may_set_stock = staff.may(Permission.STOCK_WRITE)
    low_stock_threshold = (await rt.shop.get()).low_stock_threshold
    await _require_category(data.category_id)
    await _require_freight_template(data.freight_template_id)
    try:
        async with in_transaction() as conn:
            product = await get_product(product_id=product_id, lock=True)
            existing = await Sku.filter(product_id=product.id).select_for_update().order_by("id")
            plan = _match_skus(existing, data)
            now = datetime.now(UTC)
            removed = [s.id for s in existing if s.archived_at is None and s not in plan.values()]
            held = await skus_in_pending_orders(removed)
            if held:
                raise Conflict(
                    "Unpaid orders still hold these SKUs",
                    code="sku_in_use",
                    details={"sku_ids": held},
                )
            edit = ProductEdit(added=[], removed=removed, prices={}, stock={})
            changes: list[StockChange] = []
            for index, incoming in enumerate(data.skus):
                target = plan.get(index)
                if target is None or target.archived_at is not None:
                    sku = await _add_or_revive(target, product.id, incoming, now)
                    edit.added.append(sku.id)
                    if sku.stock:
                        changes.append(_created(product, sku))
                    continue
                fields: dict[str, Any] = {
                    "specs": incoming.specs,
                    "price": incoming.price,
                    "code": incoming.code,
                    "updated_at": now,
                }
                if incoming.weight is not None:
                    fields["weight"] = incoming.weight
                if incoming.price != target.price:
                    edit.prices[target.id] = (target.price, incoming.price)
                if incoming.stock is not None and incoming.stock != target.stock:
                    if not may_set_stock:
                        raise Forbidden(
                            "Changing stock requires permission stock.write",
                            code="permission_denied",
                            details={"permission": "stock.write"},
                        )
                    edit.stock[target.id] = (target.stock, incoming.stock)
                    changes.append(await _move_stock(conn, product, target, incoming.stock))
                await Sku.filter(id=target.id).update(**fields)
            if removed:
                await Sku.filter(id__in=removed).update(archived_at=now, updated_at=now)
            for key, value in _product_fields(rt.images, data).items():
                setattr(product, key, value)
            if "freight_template_id" in data.model_fields_set:
                product.freight_template_id = data.freight_template_id
            await product.save()
            await _refresh_price_range(conn, product)
            await conn.execute_script(f"SET CONSTRAINTS {DEFERRED_SKU_CONSTRAINTS} IMMEDIATE")
            recorded = await moves.record_events(
                conn, changes, reason="admin", low_stock_threshold=low_stock_threshold
            )
            await audit.record(
                staff,
                "product.update",
                target_type="product",
                target_id=product.id,
                detail={
                    "title": product.title,
                    "category_id": data.category_id,
                    "on_sale": data.on_sale,
                    "added_skus": edit.added,
                    "removed_skus": edit.removed,
                    "prices": {str(sku_id): change for sku_id, change in edit.prices.items()},
                    "stock": {str(sku_id): change for sku_id, change in edit.stock.items()},
                },
            )
    except IntegrityError as exc:
        raise _integrity_error(exc) from None
    await rt.events.publish(recorded)
    await rt.catalog_cache.invalidate_products([product.id])
    return product, edit


def _match_skus(existing: Sequence[Sku], data: ProductIn) -> dict[int, Sku]:
    """Incoming SKU index -> the existing SKU it edits (by id first, then by specs)."""
    by_id = {sku.id: sku for sku in existing}
    plan: dict[int, Sku] = {}
    for index, incoming in enumerate(data.skus):
        if incoming.id is not None:
            if incoming.id not in by_id:
                raise invalid(
                    f"skus.{index}.id", f"SKU {incoming.id} is not of this product", "unknown_id"
                )
            plan[index] = by_id[incoming.id]
    claimed = {sku.id for sku in plan.values()}
    # Live SKUs before archived ones, so specs match the SKU customers see.
    unclaimed = sorted(
        (sku for sku in existing if sku.id not in claimed), key=lambda s: s.archived_at is not None
    )
    for index, incoming in enumerate(data.skus):
        if incoming.id is None:
            wanted = frozenset(incoming.specs.items())
            for sku in unclaimed:
                if frozenset(sku.specs.items()) == wanted:
                    plan[index] = sku
                    unclaimed.remove(sku)
                    break
    return plan


async def _add_or_revive(
    target: Sku | None, product_id: int, incoming: SkuIn, now: datetime
) -> Sku:
    stock = incoming.stock or 0
    if target is None:
        return await Sku.create(
            product_id=product_id,
            specs=incoming.specs,
            price=incoming.price,
            stock=stock,
            code=incoming.code,
            weight=incoming.weight or 0,
        )
    await Sku.filter(id=target.id).update(
        specs=incoming.specs,
        price=incoming.price,
        stock=stock,
        code=incoming.code,
        weight=incoming.weight or 0,
        archived_at=None,
        updated_at=now,
    )
    target.stock, target.archived_at = stock, None
    return target


async def skus_in_pending_orders(sku_ids: Sequence[int]) -> list[int]:
    """Which of these SKUs an order awaiting payment references (their removal is refused)."""
    if not sku_ids:
        return []
    rows = await connections.get("default").execute_query_dict(
        "SELECT DISTINCT i.sku_id FROM order_items i JOIN orders o ON o.id = i.order_id "
        "WHERE o.status = 'pending_payment' AND i.sku_id = ANY($1::bigint[]) ORDER BY 1",
        [list(sku_ids)],
    )
    return [int(r["sku_id"]) for r in rows]


async def set_on_sale(rt: Runtime, *, product_id: int, on_sale: bool, staff: Staff) -> Product:
    """Put a product on or off sale (the storefront shows it or 404s at once)."""
    async with in_transaction():
        product = await get_product(product_id=product_id, lock=True)
        product.on_sale = on_sale
        await product.save(update_fields=["on_sale", "updated_at"])
        await audit.record(
            staff,
            "product.on_sale" if on_sale else "product.off_sale",
            target_type="product",
            target_id=product.id,
            detail={"title": product.title},
        )
    await rt.catalog_cache.invalidate_products([product.id])
    return product


async def archive_product(rt: Runtime, *, product_id: int, staff: Staff) -> None:
    """Remove a product: off sale, archived with its SKUs (orders keep pointing at them)."""
    async with in_transaction():
        product = await get_product(product_id=product_id, lock=True)
        live = await Sku.filter(product_id=product.id, archived_at=None).values_list(
            "id", flat=True
        )
        held = await skus_in_pending_orders(live)  # type: ignore[arg-type]
        if held:
            raise Conflict(
                "Unpaid orders still hold SKUs of this product",
                code="sku_in_use",
                details={"sku_ids": held},
            )
        now = datetime.now(UTC)
        await Sku.filter(product_id=product.id, archived_at=None).update(
            archived_at=now, updated_at=now
        )
        await Product.filter(id=product.id).update(on_sale=False, archived_at=now, updated_at=now)
        await audit.record(
            staff,
            "product.delete",
            target_type="product",
            target_id=product.id,
            detail={"title": product.title},
        )
    await rt.catalog_cache.invalidate_products([product.id])


# --- stock -----------------------------------------------------------------------------------


def _created(product: Product, sku: Sku) -> StockChange:
    """A SKU that starts (or starts again) with stock: a change from zero."""
    return StockChange(
        product_id=product.id,
        sku_id=sku.id,
        title=product.title,
        specs=dict(sku.specs),
        previous=0,
        stock=sku.stock,
    )


async def _move_stock(conn: Any, product: Product, sku: Sku, new: int) -> StockChange:
    """Move a SKU (its row locked by the caller) to `new` through the stock functions
    orders and refunds use."""
    line = moves.Line(sku.id, abs(new - sku.stock), product.title, dict(sku.specs))
    if new == sku.stock:
        return StockChange(product.id, sku.id, product.title, dict(sku.specs), new, new)
    moved = await (moves.give if new > sku.stock else moves.take)(conn, [line])
    return moved[0]


@dataclass(frozen=True)
class LowStockSku:
    sku_id: int
    product_id: int
    title: str
    cover: str
    specs: dict[str, str]
    price: int
    stock: int


LOW_STOCK_WHERE = """
    s.archived_at IS NULL AND p.archived_at IS NULL AND p.on_sale AND s.stock < $1
"""


async def get_low_stock_skus(
    *, threshold: int, offset: int, limit: int
) -> tuple[list[LowStockSku], int]:
    """Live SKUs of products on sale whose stock is below the threshold, emptiest first:
    the SKUs the overview's low-stock figure counts."""
    conn = connections.get("default")
    (count,) = await conn.execute_query_dict(
        f"SELECT count(*) AS n FROM skus s JOIN products p ON p.id = s.product_id "  # noqa: S608
        f"WHERE {LOW_STOCK_WHERE}",
        [threshold],
    )
    rows = await conn.execute_query_dict(
        f"""
        SELECT s.id AS sku_id, s.product_id, p.title, p.cover, p.images, s.specs, s.price,
               s.stock
        FROM skus s JOIN products p ON p.id = s.product_id
        WHERE {LOW_STOCK_WHERE}
        ORDER BY s.stock, s.id
        OFFSET $2 LIMIT $3
        """,  # noqa: S608
        [threshold, offset, limit],
    )
    return [_low_stock_sku(row) for row in rows], int(count["n"])


def _low_stock_sku(row: dict[str, Any]) -> LowStockSku:
    specs, images = row["specs"], row["images"]
    # asyncpg hands jsonb over as text unless a codec is set
    specs = orjson.loads(specs) if isinstance(specs, str) else specs
    images = orjson.loads(images) if isinstance(images, str) else images
    return LowStockSku(
        sku_id=row["sku_id"],
        product_id=row["product_id"],
        title=row["title"],
        cover=row["cover"] or next(iter(images or []), ""),
        specs=dict(specs or {}),
        price=row["price"],
        stock=row["stock"],
    )


async def change_stock(
    rt: Runtime,
    *,
    sku_id: int,
    stock: int | None = None,
    delta: int | None = None,
    staff: Staff,
    reason: str,
) -> StockChange:
    """Set a live SKU's stock, or add `delta` to it; never below zero (409), events, the
    audit entry (who and why) and cache invalidation included."""
    low_stock_threshold = (await rt.shop.get()).low_stock_threshold
    async with in_transaction() as conn:
        sku = await Sku.filter(id=sku_id, archived_at=None).select_for_update().first()
        if sku is None:
            raise NotFound("SKU not found", code="sku_not_found")
        previous = sku.stock
        new = stock if stock is not None else previous + (delta or 0)
        if new < 0:
            raise Conflict(
                f"Stock is {previous}; it cannot go below zero",
                code="insufficient_stock",
                details={"sku_id": sku.id, "stock": previous, "delta": delta},
            )
        if new > MAX_STOCK:
            raise Conflict(f"Stock is limited to {MAX_STOCK}", code="stock_limit")
        product = await Product.get(id=sku.product_id)
        change = await _move_stock(conn, product, sku, new)
        recorded = await moves.record_events(
            conn, [change], reason="admin", low_stock_threshold=low_stock_threshold
        )
        moved = {"delta": delta} if delta is not None else {}
        await audit.record(
            staff,
            "sku.stock_adjust" if delta is not None else "sku.stock_set",
            target_type="sku",
            target_id=sku.id,
            detail={
                "product_id": change.product_id,
                "previous": change.previous,
                "stock": change.stock,
                "reason": reason,
                **moved,
            },
        )
    await rt.events.publish(recorded)
    await rt.catalog_cache.invalidate_products([change.product_id])
    return change
