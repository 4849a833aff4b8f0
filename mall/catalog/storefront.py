"""What the mini-program sees: on-sale products in visible categories, served from cache.

Every read returns the JSON body to send; on a miss it is rendered from the database
once and cached (see mall.catalog.cache). What shows is decided by mall.catalog.buyable,
the rule the cart and checkout use too: a category shows only if it and every category
above it are visible; a product shows only if it is on sale and its category shows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson

from mall.catalog import buyable
from mall.catalog import cache as catalog_cache
from mall.catalog.cache import ABSENT, BANNERS, LISTS, CatalogCache
from mall.catalog.schemas import (
    MAX_STOREFRONT_RESULTS,
    BannerList,
    BannerOut,
    ProductCard,
    ProductDetail,
    ProductQuery,
    SkuOut,
    SpecOption,
)
from mall.catalog.search import ProductFilter, find_products, keywords_of, stock_totals
from mall.catalog.storage import ImageStorage
from mall.errors import NotFound
from models import Banner, Category, Product, Sku


def _json(value: Any) -> str:
    return orjson.dumps(value).decode()


@dataclass(frozen=True)
class VisibleTree:
    """The storefront's categories: each visible id with the visible ids below it."""

    below: dict[int, list[int]]

    @classmethod
    def parse(cls, tree_json: str) -> VisibleTree:
        below: dict[int, list[int]] = {}

        def walk(node: dict[str, Any]) -> list[int]:
            ids = [node["id"]]
            for child in node["children"]:
                ids.extend(walk(child))
            below[node["id"]] = ids
            return ids

        for root in orjson.loads(tree_json):
            walk(root)
        return cls(below)

    def shows(self, category_id: int) -> bool:
        return category_id in self.below


# --- categories ------------------------------------------------------------------------------


async def category_tree(cache: CatalogCache, storage: ImageStorage) -> str:
    """GET /categories: the visible tree, siblings by sort_order then id."""
    return await cache.tree(lambda: _render_tree(storage))


async def visible_tree(cache: CatalogCache, storage: ImageStorage) -> VisibleTree:
    """Which categories the storefront shows, from the cached tree."""
    return VisibleTree.parse(await category_tree(cache, storage))


async def _render_tree(storage: ImageStorage) -> str:
    shown = await buyable.shown_category_ids()
    categories = await Category.filter(id__in=shown).order_by("sort_order", "id")
    children: dict[int | None, list[Category]] = {}
    for category in categories:
        children.setdefault(category.parent_id, []).append(category)

    def node(category: Category) -> dict[str, Any]:
        return {
            "id": category.id,
            "name": category.name,
            "icon_url": storage.resolve(category.icon) if category.icon else "",
            "children": [node(child) for child in children.get(category.id, [])],
        }

    return _json([node(root) for root in children.get(None, [])])


# --- products --------------------------------------------------------------------------------


async def product_page(cache: CatalogCache, storage: ImageStorage, query: ProductQuery) -> str:
    """GET /products: one page of product cards, cached briefly per query."""
    keywords = keywords_of(query.q)
    part = catalog_cache.digest(
        query.category_id, " ".join(keywords), query.sort, query.page, query.page_size
    )

    async def render() -> str:
        tree = await visible_tree(cache, storage)
        if query.category_id is not None and not tree.shows(query.category_id):
            raise NotFound("Category not found", code="category_not_found")
        ids = tree.below[query.category_id] if query.category_id else list(tree.below)
        # Only the first MAX_STOREFRONT_RESULTS matches are paged: past them a page is
        # empty, and the query never reads further.
        offset = min(query.offset, MAX_STOREFRONT_RESULTS)
        # buyable.product_shown, with the shown categories taken from the tree.
        rows, total = await find_products(
            ProductFilter(keywords=keywords, category_ids=ids, on_sale=True),
            sort=query.sort,
            offset=offset,
            limit=min(query.page_size, MAX_STOREFRONT_RESULTS - offset),
            count_up_to=MAX_STOREFRONT_RESULTS,
        )
        stock = await stock_totals([row.id for row in rows])
        cards = [
            ProductCard(
                id=row.id,
                title=row.title,
                subtitle=row.subtitle,
                cover_url=storage.resolve(row.cover),
                min_price=row.min_price,
                max_price=row.max_price,
                sales=row.sales,
                stock=stock.get(row.id, 0),
            ).model_dump()
            for row in rows
        ]
        return _json(
            {"items": cards, "total": total, "page": query.page, "page_size": query.page_size}
        )

    return await cache.versioned(LISTS, part, render, ttl=cache.list_ttl)


async def product_detail(cache: CatalogCache, storage: ImageStorage, product_id: int) -> str:
    """GET /products/<id>: the product with its live SKUs; 404 unless the storefront shows it."""

    async def render() -> str:
        if not await buyable.is_product_shown(product_id):
            return ABSENT
        product = await Product.get_or_none(id=product_id)
        category_id = product.category_id if product else None
        if product is None or category_id is None:  # changed meanwhile
            return ABSENT
        skus = await Sku.filter(product_id=product.id, archived_at=None).order_by("id")
        return render_detail(product, category_id, skus, storage).model_dump_json()

    body = await cache.product(product_id, render)
    if body == ABSENT:
        raise NotFound("Product not found", code="product_not_found")
    return body


def render_detail(
    product: Product, category_id: int, skus: Sequence[Sku], storage: ImageStorage
) -> ProductDetail:
    """The storefront's product detail, image references resolved to URLs."""
    images = [storage.resolve(ref) for ref in product.images]
    return ProductDetail(
        id=product.id,
        title=product.title,
        subtitle=product.subtitle,
        description=product.description,
        images=images,
        cover_url=storage.resolve(product.cover) if product.cover else next(iter(images), ""),
        category_id=category_id,
        min_price=product.min_price,
        max_price=product.max_price,
        sales=product.sales,
        stock=sum(sku.stock for sku in skus),
        skus=[
            SkuOut(id=s.id, specs=ordered_specs(product, s), price=s.price, stock=s.stock)
            for s in skus
        ],
        spec_options=spec_options(product, skus),
        rating_count=product.rating_count,
        rating_avg=rating_avg(product.rating_count, product.rating_sum),
        updated_at=product.updated_at,
        # Added per request: the customer's own, and what is live now.
        is_favorite=None,
        flash_sale=None,
    )


def rating_avg(count: int, total: int) -> float | None:
    """The average of COUNT ratings summing to TOTAL, to one decimal (None without any)."""
    return round(total / count, 1) if count else None


def ordered_specs(product: Product, sku: Sku) -> dict[str, str]:
    """A SKU's specs in the merchant's order of spec names."""
    return {name: sku.specs[name] for name in product.spec_names if name in sku.specs}


def spec_options(product: Product, skus: Sequence[Sku]) -> list[SpecOption]:
    """Spec names in the merchant's order, values in SKU order: the SKU picker's rows."""
    options: dict[str, list[str]] = {name: [] for name in product.spec_names}
    for sku in skus:
        for name, value in sku.specs.items():
            values = options.setdefault(name, [])
            if value not in values:
                values.append(value)
    return [SpecOption(name=name, values=values) for name, values in options.items() if values]


# --- banners ---------------------------------------------------------------------------------


async def active_banners(
    cache: CatalogCache, storage: ImageStorage, *, position: str | None, now: datetime
) -> BannerList:
    """GET /banners: enabled banners inside their window now, by sort_order then id.

    The cache holds every enabled banner with its window, and the window is applied on
    each read, so a banner appears and disappears on the second."""

    async def render() -> str:
        banners = await Banner.filter(enabled=True).order_by("sort_order", "id")
        return _json(
            [
                {
                    "out": BannerOut(
                        id=b.id,
                        title=b.title,
                        image_url=storage.resolve(b.image),
                        link_type=b.link_type,
                        link=b.link,
                        position=b.position,
                    ).model_dump(),
                    "starts_at": b.starts_at.timestamp() if b.starts_at else None,
                    "ends_at": b.ends_at.timestamp() if b.ends_at else None,
                }
                for b in banners
            ]
        )

    entries = orjson.loads(await cache.versioned(BANNERS, "enabled", render, ttl=cache.ttl))
    moment = now.timestamp()
    return BannerList(
        items=[
            BannerOut(**entry["out"])
            for entry in entries
            if (entry["starts_at"] is None or entry["starts_at"] <= moment)
            and (entry["ends_at"] is None or moment < entry["ends_at"])
            and (position is None or entry["out"]["position"] == position)
        ]
    )
