"""A review's state changes, with the product's rating count and sum kept in step.

Only published reviews count: moving into `published` adds the rating, moving out takes it
away, in the transaction of the move (the product row's UPDATE serializes concurrent ones).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from tortoise.expressions import F

from mall.runtime import Runtime
from models import Product, Review

log = logging.getLogger("mall.reviews")

PUBLISHED = "published"
STATES = ("published", "held", "checking", "hidden", "rejected")


async def move(review: Review, to: str, *, note: str | None = None) -> bool:
    """REVIEW (locked or just created by the caller's transaction) to state TO."""
    frm = review.state
    if frm == to:
        return False
    changes: dict[str, object] = {"state": to}
    if note is not None:
        changes["moderation_note"] = note[:255]
    if to == PUBLISHED and review.published_at is None:
        changes["published_at"] = datetime.now(UTC)
    won = await Review.filter(id=review.id, state=frm).update(**changes)
    if not won:
        return False
    if PUBLISHED in (frm, to):
        sign = 1 if to == PUBLISHED else -1
        await Product.filter(id=review.product_id).update(
            rating_count=F("rating_count") + sign, rating_sum=F("rating_sum") + sign * review.rating
        )
    for key, value in changes.items():
        setattr(review, key, value)
    return True


async def refresh_product(rt: Runtime, product_id: int) -> None:
    """Drop the cached product detail after its rating changed (after commit)."""
    try:
        await rt.catalog_cache.invalidate_product_details([product_id])
    except Exception:
        log.warning("could not drop cached product %s", product_id, exc_info=True)
