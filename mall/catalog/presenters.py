"""Turning catalogue records into the admin API's response models."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from mall.catalog.banners import is_active
from mall.catalog.schemas import (
    AdminBannerOut,
    AdminProductOut,
    AdminProductRow,
    AdminSkuOut,
    CategoryOut,
)
from mall.catalog.search import ProductRow
from mall.catalog.storage import ImageStorage
from mall.catalog.storefront import ordered_specs
from models import Banner, Category, Product, Sku


def category_out(category: Category, storage: ImageStorage) -> CategoryOut:
    return CategoryOut(
        id=category.id,
        name=category.name,
        parent_id=category.parent_id,
        icon=storage.resolve(category.icon) if category.icon else "",
        sort_order=category.sort_order,
        visible=category.visible,
        created_at=category.created_at,
        updated_at=category.updated_at,
    )


def admin_tree(
    categories: Sequence[Category], counts: dict[int, int], storage: ImageStorage
) -> list[dict[str, Any]]:
    """Every category as a tree (hidden ones too), with its direct live product count."""
    children: dict[int | None, list[Category]] = {}
    for category in categories:
        children.setdefault(category.parent_id, []).append(category)

    def node(category: Category) -> dict[str, Any]:
        out = category_out(category, storage).model_dump(mode="json")
        out["product_count"] = counts.get(category.id, 0)
        out["children"] = [node(child) for child in children.get(category.id, [])]
        return out

    return [node(root) for root in children.get(None, [])]


def product_out(product: Product, skus: Sequence[Sku], storage: ImageStorage) -> AdminProductOut:
    images = [storage.resolve(ref) for ref in product.images]
    cover = storage.resolve(product.cover) if product.cover else ""
    return AdminProductOut(
        id=product.id,
        title=product.title,
        subtitle=product.subtitle,
        category_id=product.category_id,
        description=product.description,
        images=images,
        cover=cover,
        cover_url=cover or next(iter(images), ""),
        on_sale=product.on_sale,
        freight_template_id=product.freight_template_id,
        sales=product.sales,
        min_price=product.min_price,
        max_price=product.max_price,
        stock=sum(sku.stock for sku in skus),
        skus=[
            AdminSkuOut(
                id=s.id,
                specs=ordered_specs(product, s),
                price=s.price,
                stock=s.stock,
                code=s.code,
                weight=s.weight,
            )
            for s in skus
        ],
        created_at=product.created_at,
        updated_at=product.updated_at,
    )


def product_row(row: ProductRow, stock: int, storage: ImageStorage) -> AdminProductRow:
    return AdminProductRow(
        id=row.id,
        title=row.title,
        subtitle=row.subtitle,
        category_id=row.category_id,
        cover_url=storage.resolve(row.cover),
        on_sale=row.on_sale,
        sales=row.sales,
        min_price=row.min_price,
        max_price=row.max_price,
        stock=stock,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def banner_out(banner: Banner, storage: ImageStorage, now: datetime) -> AdminBannerOut:
    return AdminBannerOut(
        id=banner.id,
        title=banner.title,
        image=storage.resolve(banner.image),
        link_type=banner.link_type,
        link=banner.link,
        position=banner.position,
        sort_order=banner.sort_order,
        enabled=banner.enabled,
        starts_at=banner.starts_at,
        ends_at=banner.ends_at,
        active=is_active(banner, now),
        created_at=banner.created_at,
        updated_at=banner.updated_at,
    )
