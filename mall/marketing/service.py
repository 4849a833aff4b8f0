"""Favorites (PostgreSQL: they last), the products behind footprints, and hot keywords
(staff-pinned ones first, then the most searched)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import orjson
import redis.asyncio as aioredis
from tortoise import connections
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from mall.admin import audit
from mall.admin.audit import Staff
from mall.catalog import buyable
from mall.catalog.storage import ImageStorage
from mall.errors import Conflict, NotFound
from mall.marketing import activity
from models import Favorite, PinnedKeyword


@dataclass(frozen=True)
class ProductBrief:
    """What a favorites or footprints line shows of its product."""

    product_id: int
    title: str
    cover_url: str
    min_price: int
    # Whether the storefront shows it now (off sale, archived or hidden: false).
    available: bool


_BRIEFS = f"""
SELECT p.id, p.title, p.cover, p.images, p.min_price, {buyable.product_shown()} AS shown
FROM products p WHERE p.id = ANY($1::bigint[])
"""  # noqa: S608 - no input in the text


async def product_briefs(
    product_ids: Sequence[int], storage: ImageStorage
) -> dict[int, ProductBrief]:
    """The products of these ids that exist, by id."""
    if not product_ids:
        return {}
    async with connections.get("default").acquire_connection() as conn:
        rows = await conn.fetch(_BRIEFS, sorted(set(product_ids)))
    briefs = {}
    for row in rows:
        cover = row["cover"] or next(iter(_images(row["images"])), "")
        briefs[int(row["id"])] = ProductBrief(
            product_id=int(row["id"]),
            title=row["title"],
            cover_url=storage.resolve(cover) if cover else "",
            min_price=int(row["min_price"]),
            available=bool(row["shown"]),
        )
    return briefs


def _images(value: object) -> list[str]:
    if isinstance(value, str):
        value = orjson.loads(value)
    return [str(v) for v in value] if isinstance(value, list) else []


def missing_product(product_id: int) -> ProductBrief:
    """A line whose product is gone from the database."""
    return ProductBrief(product_id=product_id, title="", cover_url="", min_price=0, available=False)


# --- favorites -------------------------------------------------------------------------------


async def add_favorite(*, user_id: int, product_id: int) -> None:
    """Keep a product the storefront shows (404 otherwise); keeping it twice is one."""
    if not await buyable.is_product_shown(product_id):
        raise NotFound("Product not found", code="product_not_found")
    async with connections.get("default").acquire_connection() as conn:
        await conn.execute(
            "INSERT INTO favorites (user_id, product_id, created_at) VALUES ($1, $2, now())"
            " ON CONFLICT (user_id, product_id) DO NOTHING",
            user_id,
            product_id,
        )


async def remove_favorite(*, user_id: int, product_id: int) -> None:
    """Forget a kept product (nothing to do if it was not kept)."""
    await Favorite.filter(user_id=user_id, product_id=product_id).delete()


async def favorites(
    *, user_id: int, offset: int, limit: int
) -> tuple[list[tuple[int, datetime]], int]:
    """A page of (product id, kept at), newest first, and how many there are."""
    query = Favorite.filter(user_id=user_id)
    rows = await query.order_by("-created_at", "-id").offset(offset).limit(limit)
    return [(row.product_id, row.created_at) for row in rows], await query.count()


async def is_favorite(*, user_id: int, product_id: int) -> bool:
    return await Favorite.exists(user_id=user_id, product_id=product_id)


# --- hot keywords ----------------------------------------------------------------------------


async def hot_keywords(
    redis: aioredis.Redis, *, now: datetime, limit: int
) -> list[tuple[str, bool]]:
    """(keyword, pinned): staff's pinned keywords first, then the most searched of the last
    days, each once, at most LIMIT in all."""
    pinned = [
        row.keyword for row in await PinnedKeyword.all().order_by("sort_order", "id").limit(limit)
    ]
    searched = await activity.most_searched(redis, now=now, limit=limit + len(pinned))
    found = [(keyword, True) for keyword in pinned]
    found += [(term, False) for term in searched if term not in pinned]
    return found[:limit]


async def pinned_keywords(*, offset: int, limit: int) -> tuple[list[PinnedKeyword], int]:
    query = PinnedKeyword.all()
    return await query.order_by("sort_order", "id").offset(offset).limit(limit), await query.count()


async def pin_keyword(*, keyword: str, sort_order: int, staff: Staff) -> PinnedKeyword:
    """Pin KEYWORD first among the hot keywords (409 if it is pinned already)."""
    try:
        async with in_transaction():
            pinned = await PinnedKeyword.create(keyword=keyword, sort_order=sort_order)
            await audit.record(
                staff,
                "keyword.pin",
                target_type="pinned_keyword",
                target_id=pinned.id,
                detail={"keyword": keyword, "sort_order": sort_order},
            )
    except IntegrityError:
        raise Conflict("This keyword is pinned already", code="keyword_pinned") from None
    return pinned


async def unpin_keyword(*, keyword_id: int, staff: Staff) -> None:
    """Unpin a keyword (404 if no such pin)."""
    async with in_transaction():
        pinned = await PinnedKeyword.filter(id=keyword_id).select_for_update().first()
        if pinned is None:
            raise NotFound("No such pinned keyword", code="pinned_keyword_not_found")
        await pinned.delete()
        await audit.record(
            staff,
            "keyword.unpin",
            target_type="pinned_keyword",
            target_id=keyword_id,
            detail={"keyword": pinned.keyword},
        )
