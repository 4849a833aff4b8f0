"""What a customer may see and buy: the one definition, used by the storefront, the cart
and checkout pricing (and so by every order placed).

A category is *shown* when it and every category above it are visible. A product is
*shown* when it is on sale, not archived, and its category is shown. A SKU is *buyable*
when it is not archived and its product is shown. Stock is a separate question (a SKU
out of stock is still buyable, just not now in that quantity).

The rule is SQL, spliced into the queries that need it, so the storefront's listings, the
cart and the checkout statement decide in the database, in the same statement that reads
the rows. The storefront's product listing applies it as "a product on sale, not archived,
in one of the shown categories", with the shown categories read once per cached tree
(built by `category_shown`), which lets the planner use the on-sale indexes.
"""

from __future__ import annotations

from collections.abc import Iterable

from tortoise import connections

# Deeper than any real tree; bounds the walk should a cycle ever slip into the data.
MAX_CATEGORY_DEPTH = 32


def category_shown(category_id: str) -> str:
    """SQL boolean: the category the expression names and all its ancestors are visible
    (false for NULL or a category that does not exist). The expression must not use the
    aliases `up` and `chain`, which the walk uses."""
    return f"""coalesce((
    WITH RECURSIVE chain(id, parent_id, visible, depth) AS (
        SELECT up.id, up.parent_id, up.visible, 1 FROM categories up WHERE up.id = {category_id}
        UNION ALL
        SELECT up.id, up.parent_id, up.visible, chain.depth + 1
        FROM categories up JOIN chain ON up.id = chain.parent_id
        WHERE chain.depth < {MAX_CATEGORY_DEPTH}
    )
    SELECT bool_and(chain.visible) FROM chain
), false)"""  # noqa: S608 - `category_id` is a column or parameter reference of ours


def product_on_sale(product: str = "p") -> str:
    """SQL boolean: the product (table alias) is on sale and not archived."""
    return f"({product}.on_sale AND {product}.archived_at IS NULL)"


def product_shown(product: str = "p") -> str:
    """SQL boolean: the product (table alias) is on sale, live, in a shown category."""
    return f"({product_on_sale(product)} AND {category_shown(f'{product}.category_id')})"


def sku_buyable(sku: str = "s", product: str = "p") -> str:
    """SQL boolean: the SKU (alias; its product joined as `product`) can be bought."""
    return f"({sku}.archived_at IS NULL AND {product_shown(product)})"


_BUYABLE_SKUS = f"""
SELECT s.id FROM skus s JOIN products p ON p.id = s.product_id
WHERE s.id = ANY($1::bigint[]) AND {sku_buyable()}
"""  # noqa: S608 - no input in the text

_SHOWN_PRODUCT = f"SELECT {product_shown()} AS shown FROM products p WHERE p.id = $1"  # noqa: S608

_SHOWN_CATEGORIES = f"SELECT c.id FROM categories c WHERE {category_shown('c.id')}"  # noqa: S608


async def buyable_skus(sku_ids: Iterable[int]) -> set[int]:
    """Which of these SKUs can be bought now."""
    ids = sorted(set(sku_ids))
    if not ids:
        return set()
    async with connections.get("default").acquire_connection() as conn:
        rows = await conn.fetch(_BUYABLE_SKUS, ids)
    return {int(row["id"]) for row in rows}


async def is_product_shown(product_id: int) -> bool:
    """Whether the storefront shows this product."""
    async with connections.get("default").acquire_connection() as conn:
        shown = await conn.fetchval(_SHOWN_PRODUCT, product_id)
    return bool(shown)


async def shown_category_ids() -> set[int]:
    """Every category the storefront shows."""
    async with connections.get("default").acquire_connection() as conn:
        rows = await conn.fetch(_SHOWN_CATEGORIES)
    return {int(row["id"]) for row in rows}
