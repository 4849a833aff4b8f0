"""Admin changes to the category tree; the storefront shows a category only if it and
every category above it are visible."""

from __future__ import annotations

from collections.abc import Iterable

from tortoise.functions import Count
from tortoise.transactions import in_transaction

from mall.admin import audit
from mall.admin.audit import Staff
from mall.catalog.cache import CatalogCache
from mall.catalog.schemas import CategoryIn
from mall.catalog.storage import ImageStorage
from mall.errors import Conflict, NotFound, ValidationFailed
from models import Category, Product

MAX_DEPTH = 4
# pg_advisory_xact_lock key: category tree edits run one at a time, so two concurrent
# moves cannot build a cycle between them.
TREE_LOCK = 0x63617467  # "catg"


def invalid(field: str, message: str, kind: str) -> ValidationFailed:
    """A 422 naming one field, in the shape parse_body gives."""
    return ValidationFailed(details=[{"field": field, "message": message, "type": kind}])


async def get_all() -> tuple[list[Category], dict[int, int]]:
    """Every category (hidden ones too) and how many live products each holds directly."""
    categories = await Category.all().order_by("sort_order", "id")
    rows = (
        await Product.filter(archived_at=None, category_id__not_isnull=True)
        .annotate(n=Count("id"))
        .group_by("category_id")
        .values("category_id", "n")
    )
    return categories, {int(row["category_id"]): int(row["n"]) for row in rows}


async def get(*, category_id: int) -> Category:
    """One category, hidden or not; 404 when unknown."""
    category = await Category.get_or_none(id=category_id)
    if category is None:
        raise NotFound("Category not found", code="category_not_found")
    return category


def children_of(categories: Iterable[Category]) -> dict[int | None, list[int]]:
    """Parent id (None for the roots) -> its children's ids."""
    children: dict[int | None, list[int]] = {}
    for category in categories:
        children.setdefault(category.parent_id, []).append(category.id)
    return children


def subtree_ids(children: dict[int | None, list[int]], root: int) -> list[int]:
    """root and every category below it."""
    found, stack = [], [root]
    while stack:
        node = stack.pop()
        found.append(node)
        stack.extend(children.get(node, []))
    return found


async def _check_placement(*, name: str, parent_id: int | None, moving: int | None = None) -> None:
    """Parent exists, no cycle, depth within MAX_DEPTH, name free among siblings."""
    categories = await Category.all()
    by_id = {c.id: c for c in categories}
    children = children_of(categories)
    if parent_id is not None and parent_id not in by_id:
        raise invalid("parent_id", f"unknown category {parent_id}", "unknown_id")
    depth, node = 0, parent_id
    while node is not None:
        if node == moving:
            raise invalid("parent_id", "a category cannot move below itself", "category_cycle")
        depth += 1
        node = by_id[node].parent_id
    height = 1 if moving is None else _height(children, moving)
    if depth + height > MAX_DEPTH:
        raise invalid("parent_id", f"categories nest at most {MAX_DEPTH} levels", "too_deep")
    for sibling in children.get(parent_id, []):
        if sibling != moving and by_id[sibling].name == name:
            raise Conflict(f"A sibling category is named {name!r}", code="category_name_taken")


def _height(children: dict[int | None, list[int]], root: int) -> int:
    return 1 + max((_height(children, child) for child in children.get(root, [])), default=0)


async def create(
    *, cache: CatalogCache, storage: ImageStorage, data: CategoryIn, staff: Staff | None
) -> Category:
    """A new category, shown in the storefront's tree at once if visible."""
    async with in_transaction() as conn:
        await conn.execute_query("SELECT pg_advisory_xact_lock($1)", [TREE_LOCK])
        await _check_placement(name=data.name, parent_id=data.parent_id)
        category = await Category.create(
            name=data.name,
            parent_id=data.parent_id,
            icon=storage.ref_of(data.icon) if data.icon else "",
            sort_order=data.sort_order,
            visible=data.visible,
        )
        await audit.record(
            staff,
            "category.create",
            target_type="category",
            target_id=category.id,
            detail=data.model_dump(),
        )
    await cache.invalidate_tree()
    return category


async def update(
    *, cache: CatalogCache, storage: ImageStorage, category_id: int, data: CategoryIn, staff: Staff
) -> Category:
    """Rename, move, reorder, hide or show a category (hiding hides its whole subtree)."""
    async with in_transaction() as conn:
        await conn.execute_query("SELECT pg_advisory_xact_lock($1)", [TREE_LOCK])
        category = await get(category_id=category_id)
        await _check_placement(name=data.name, parent_id=data.parent_id, moving=category.id)
        moved = category.parent_id != data.parent_id
        shown_changed = category.visible != data.visible or moved
        category.name = data.name
        category.parent_id = data.parent_id
        category.icon = storage.ref_of(data.icon) if data.icon else ""
        category.sort_order = data.sort_order
        category.visible = data.visible
        await category.save()
        affected: list[int] = []
        if shown_changed:
            # Whether a product shows depends on every category above it.
            children = children_of(await Category.all())
            affected = await Product.filter(
                category_id__in=subtree_ids(children, category.id), archived_at=None
            ).values_list("id", flat=True)  # type: ignore[assignment]
        await audit.record(
            staff,
            "category.update",
            target_type="category",
            target_id=category.id,
            detail=data.model_dump(),
        )
    await cache.invalidate_tree()
    if affected:
        await cache.invalidate_products(affected)
    return category


async def delete(*, cache: CatalogCache, category_id: int, staff: Staff) -> None:
    """Remove an empty category: 409 while it has sub-categories or live products."""
    async with in_transaction() as conn:
        await conn.execute_query("SELECT pg_advisory_xact_lock($1)", [TREE_LOCK])
        # The row lock makes a concurrent product insert into this category wait for us
        # (its foreign key check) and then fail, instead of landing in a deleted category.
        category = await Category.filter(id=category_id).select_for_update().first()
        if category is None:
            raise NotFound("Category not found", code="category_not_found")
        if await Category.filter(parent_id=category_id).exists():
            raise Conflict("The category has sub-categories", code="category_not_empty")
        if await Product.filter(category_id=category_id, archived_at=None).exists():
            raise Conflict("The category still holds products", code="category_not_empty")
        await audit.record(
            staff,
            "category.delete",
            target_type="category",
            target_id=category_id,
            detail={"name": category.name},
        )
        await category.delete()
    await cache.invalidate_tree()
