"""Recording what a customer reads, after the read: footprints and searches.

The read answers first; these writes run in the process's background writes
(Runtime.after_response), so a slow or failing Redis never slows or fails the read."""

from __future__ import annotations

from datetime import UTC, datetime

from mall.marketing import activity
from mall.runtime import Runtime


def product_viewed(rt: Runtime, *, user_id: int, product_id: int) -> None:
    """A customer opened a product: their footprint for today."""
    rt.after_response.spawn(
        activity.record_view(
            rt.redis,
            user_id=user_id,
            product_id=product_id,
            at=datetime.now(UTC),
            limit=rt.settings.footprints_limit,
        ),
        what="footprint",
    )


def searched(rt: Runtime, *, user_id: int | None, keywords: list[str], first_page: bool) -> None:
    """Someone searched: counted for the hot keywords (once per search, on its first page)
    and, for a logged-in customer, remembered in their history."""
    term = activity.search_term(keywords)
    if not term:
        return
    at = datetime.now(UTC)

    async def record() -> None:
        if first_page:
            await activity.count_search(rt.redis, term=term, at=at)
        if user_id is not None:
            await activity.record_search(
                rt.redis, user_id=user_id, term=term, at=at, limit=rt.settings.search_history_limit
            )

    rt.after_response.spawn(record(), what="search")
