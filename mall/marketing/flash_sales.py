"""Flash-sale activities (秒杀): staff create them, delayed jobs start and end them, orders
buy from them (mall/orders/sql: mall_take_flash_stock, mall_give_flash_stock).

An activity's stock is its own: taken from each SKU's stock when the activity is created
(or its items replaced before it starts) and given back to the SKU when it ends, at its
ends_at or earlier by staff. While it is live (in its window and not ended) an order of
its SKU pays the activity price and takes activity stock, in the order statement, under
the item's row lock, and counts against the customer's per-SKU limit on a row of its own.
Unpaid activity orders expire on the shop's shorter flash_sale_timeout_seconds and give
their units back to the activity (or to the SKU, once the activity has ended).

Starting and ending are durable delayed jobs (one schedule id per activity and job, as
order timeouts use), and the periodic sweep catches any schedule lost; both are
conditional UPDATEs, so a job that runs twice or late does nothing more.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson
from tortoise import connections
from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from mall import events
from mall.admin import audit
from mall.admin.audit import Staff
from mall.catalog import buyable
from mall.catalog.storage import ImageStorage
from mall.errors import Conflict, NotFound, ValidationFailed
from mall.events import EventName
from mall.jobs import TaskName
from mall.marketing.flash_schemas import (
    FlashSaleIn,
    FlashSaleListOut,
    LiveItemOut,
    ProductFlashSale,
    ProductFlashSaleItem,
    PublicFlashSaleOut,
)
from mall.orders import stock
from mall.orders.after_commit import after_commit
from mall.orders.pricing import cover_url
from mall.runtime import Runtime
from models import FlashSale, FlashSaleItem, OutboxEvent, Product, Sku

STOCK_REASON = "flash_sale"


def start_schedule_id(flash_sale_id: int) -> str:
    return f"flash-sale-start:{flash_sale_id}"


def end_schedule_id(flash_sale_id: int) -> str:
    return f"flash-sale-end:{flash_sale_id}"


def status_of(sale: FlashSale, now: datetime) -> str:
    """upcoming, live or ended, by the window and whether it was ended."""
    if sale.ended_at is not None or now >= sale.ends_at:
        return "ended"
    return "live" if now >= sale.starts_at else "upcoming"


@dataclass(frozen=True)
class WithItems:
    sale: FlashSale
    items: list[FlashSaleItem]


async def _items_of(sales: Sequence[FlashSale]) -> list[WithItems]:
    by_sale: dict[int, list[FlashSaleItem]] = defaultdict(list)
    rows = await FlashSaleItem.filter(flash_sale_id__in=[s.id for s in sales]).order_by("id")
    for item in rows:
        by_sale[item.flash_sale_id].append(item)
    return [WithItems(sale, by_sale[sale.id]) for sale in sales]


# --- staff -----------------------------------------------------------------------------------


async def get(*, flash_sale_id: int) -> WithItems:
    sale = await FlashSale.get_or_none(id=flash_sale_id)
    if sale is None:
        raise NotFound("Flash sale not found", code="flash_sale_not_found")
    return (await _items_of([sale]))[0]


async def get_all(*, status: str | None, offset: int, limit: int) -> tuple[list[WithItems], int]:
    """Activities, the latest start first, optionally by status now."""
    now = datetime.now(UTC)
    query = FlashSale.all()
    if status == "ended":
        query = query.filter(Q(ended_at__not_isnull=True) | Q(ends_at__lte=now))
    elif status == "live":
        query = query.filter(ended_at=None, starts_at__lte=now, ends_at__gt=now)
    elif status == "upcoming":
        query = query.filter(ended_at=None, starts_at__gt=now)
    total = await query.count()
    sales = await query.order_by("-starts_at", "-id").offset(offset).limit(limit)
    return await _items_of(sales), total


async def _take_item_stock(
    conn: Any, data: FlashSaleIn, low_stock_threshold: int
) -> tuple[list[tuple[Sku, Any]], list[events.Recorded]]:
    """Lock the SKUs (primary-key order), check them, take the activity's stock from them."""
    wanted = sorted(data.items, key=lambda item: item.sku_id)
    skus = {
        sku.id: sku
        for sku in await Sku.filter(id__in=[i.sku_id for i in wanted], archived_at=None)
        .order_by("id")
        .select_for_update()
    }
    missing = [i.sku_id for i in wanted if i.sku_id not in skus]
    if missing:
        raise ValidationFailed(
            details=[
                {"field": "items.sku_id", "message": f"no SKU {sku_id}", "type": "unknown_id"}
                for sku_id in missing
            ]
        )
    for item in wanted:
        if skus[item.sku_id].stock < item.stock:
            raise Conflict(
                f"SKU {item.sku_id} has {skus[item.sku_id].stock} in stock",
                code="insufficient_stock",
                details={
                    "sku_id": item.sku_id,
                    "requested": item.stock,
                    "available": skus[item.sku_id].stock,
                },
            )
    busy = await FlashSaleItem.filter(sku_id__in=list(skus), flash_sale__ended_at=None).values_list(
        "sku_id", flat=True
    )
    if busy:
        raise Conflict(
            "A SKU is in another flash sale that has not ended",
            code="sku_in_flash_sale",
            details={"sku_ids": sorted(set(busy))},
        )
    titles = {
        p.id: p.title for p in await Product.filter(id__in={s.product_id for s in skus.values()})
    }
    changes = await stock.take(
        conn,
        [
            stock.Line(i.sku_id, i.stock, titles.get(skus[i.sku_id].product_id, ""), {})
            for i in wanted
        ],
    )
    recorded = await stock.record_events(
        conn, changes, reason=STOCK_REASON, low_stock_threshold=low_stock_threshold
    )
    return [(skus[i.sku_id], i) for i in wanted], recorded


async def _give_back(conn: Any, items: Sequence[FlashSaleItem]) -> list[stock.StockChange]:
    """Give the activity stock left back to the SKUs (items already locked); stock 0 after."""
    left = [item for item in items if item.stock > 0]
    changes = await stock.give(conn, [stock.Line(i.sku_id, i.stock, "", {}) for i in left])
    for item in left:
        await FlashSaleItem.filter(id=item.id).update(stock=0)
    return changes


async def create(rt: Runtime, *, data: FlashSaleIn, staff: Staff) -> WithItems:
    """A new activity: its stock taken from the SKUs now; started and ended by jobs."""
    if data.ends_at <= datetime.now(UTC):
        raise _range("ends_at must be in the future")
    threshold = (await rt.shop.get()).low_stock_threshold
    async with in_transaction() as conn:
        sale = await FlashSale.create(
            title=data.title, starts_at=data.starts_at, ends_at=data.ends_at
        )
        taken, recorded = await _take_item_stock(conn, data, threshold)
        await _create_items(sale, taken)
        await audit.record(
            staff,
            "flash_sale.create",
            target_type="flash_sale",
            target_id=sale.id,
            detail=_audit_detail(data),
        )
    await _after_change(rt, sale, recorded, {sku.product_id for sku, _ in taken})
    return await get(flash_sale_id=sale.id)


async def _create_items(sale: FlashSale, taken: list[tuple[Sku, Any]]) -> None:
    await FlashSaleItem.bulk_create(
        [
            FlashSaleItem(
                flash_sale_id=sale.id,
                sku_id=sku.id,
                product_id=sku.product_id,
                price=item.price,
                stock=item.stock,
                initial_stock=item.stock,
                per_user_limit=item.per_user_limit,
                sold=0,
            )
            for sku, item in taken
        ]
    )


def _audit_detail(data: FlashSaleIn) -> dict[str, Any]:
    return {
        "title": data.title,
        "starts_at": data.starts_at.isoformat(),
        "ends_at": data.ends_at.isoformat(),
        "items": [item.model_dump() for item in data.items],
    }


def _range(message: str) -> ValidationFailed:
    return ValidationFailed(details=[{"field": "ends_at", "message": message, "type": "range"}])


async def update(rt: Runtime, *, flash_sale_id: int, data: FlashSaleIn, staff: Staff) -> WithItems:
    """Replace an activity that has not started: its old stock goes back to the SKUs and
    the new stock is taken (409 flash_sale_started once it has started or ended)."""
    if data.ends_at <= datetime.now(UTC):
        raise _range("ends_at must be in the future")
    threshold = (await rt.shop.get()).low_stock_threshold
    async with in_transaction() as conn:
        sale = await FlashSale.filter(id=flash_sale_id).select_for_update().first()
        if sale is None:
            raise NotFound("Flash sale not found", code="flash_sale_not_found")
        if status_of(sale, datetime.now(UTC)) != "upcoming" or sale.started_at is not None:
            raise Conflict(
                "The flash sale has started: it can only be ended",
                code="flash_sale_started",
            )
        old = await FlashSaleItem.filter(flash_sale_id=sale.id).order_by("id").select_for_update()
        returned = await _give_back(conn, old)
        recorded = await stock.record_events(
            conn, returned, reason=STOCK_REASON, low_stock_threshold=threshold
        )
        await FlashSaleItem.filter(flash_sale_id=sale.id).delete()
        sale.title, sale.starts_at, sale.ends_at = data.title, data.starts_at, data.ends_at
        await sale.save()
        taken, taken_events = await _take_item_stock(conn, data, threshold)
        await _create_items(sale, taken)
        await audit.record(
            staff,
            "flash_sale.update",
            target_type="flash_sale",
            target_id=sale.id,
            detail=_audit_detail(data),
        )
    products = {i.product_id for i in old} | {sku.product_id for sku, _ in taken}
    await _after_change(rt, sale, recorded + taken_events, products)
    return await get(flash_sale_id=sale.id)


async def _after_change(
    rt: Runtime, sale: FlashSale, recorded: list[events.Recorded], product_ids: set[int]
) -> None:
    """Events out, the start and end jobs (re)scheduled, cached details dropped; a sale
    starting now is started at once."""

    def schedules(pipe: Any) -> None:
        rt.jobs.queue_schedule(
            pipe,
            TaskName.FLASH_SALE_START,
            at=sale.starts_at,
            schedule_id=start_schedule_id(sale.id),
            flash_sale_id=sale.id,
        )
        rt.jobs.queue_schedule(
            pipe,
            TaskName.FLASH_SALE_END,
            at=sale.ends_at,
            schedule_id=end_schedule_id(sale.id),
            flash_sale_id=sale.id,
        )

    await after_commit(
        rt,
        what=f"flash sale {sale.id}",
        recorded=recorded,
        product_ids=product_ids,
        schedules=schedules,
    )
    if sale.starts_at <= datetime.now(UTC):
        await start(rt, flash_sale_id=sale.id)


# --- the jobs --------------------------------------------------------------------------------


def _window(sale: FlashSale) -> dict[str, Any]:
    return {
        "flash_sale_id": sale.id,
        "title": sale.title,
        "starts_at": sale.starts_at.isoformat(),
        "ends_at": sale.ends_at.isoformat(),
    }


async def _product_events(
    name: EventName, sale: FlashSale, items: Sequence[FlashSaleItem], extra: dict[str, Any]
) -> list[OutboxEvent]:
    by_product: dict[int, list[FlashSaleItem]] = defaultdict(list)
    for item in items:
        by_product[item.product_id].append(item)
    return [
        await events.record(
            channel=f"product:{product_id}",
            name=name,
            data={
                **_window(sale),
                "product_id": product_id,
                "items": [
                    {
                        "sku_id": i.sku_id,
                        "price": i.price,
                        "stock": i.stock,
                        "per_user_limit": i.per_user_limit,
                    }
                    for i in sorted(rows, key=lambda r: r.sku_id)
                ],
                **extra,
            },
        )
        for product_id, rows in sorted(by_product.items())
    ]


async def start(rt: Runtime, *, flash_sale_id: int) -> str:
    """At starts_at: announce flash_sale.started on each product's channel, once."""
    async with in_transaction():
        won = await FlashSale.filter(
            id=flash_sale_id, started_at=None, ended_at=None, starts_at__lte=datetime.now(UTC)
        ).update(started_at=datetime.now(UTC))
        if not won:
            return "skipped"
        sale = await FlashSale.get(id=flash_sale_id)
        if datetime.now(UTC) >= sale.ends_at:
            return "skipped"  # the end job announces it
        items = await FlashSaleItem.filter(flash_sale_id=sale.id).order_by("id")
        recorded = await _product_events(EventName.FLASH_SALE_STARTED, sale, items, {})
    await after_commit(
        rt,
        what=f"starting flash sale {sale.id}",
        recorded=recorded,
        product_ids={i.product_id for i in items},
    )
    return "started"


async def end(rt: Runtime, *, flash_sale_id: int, staff: Staff | None = None) -> str:
    """At ends_at (or now, by staff): the activity ends once, its stock goes back to the
    SKUs, flash_sale.ended goes out on each product's channel."""
    threshold = (await rt.shop.get()).low_stock_threshold
    now = datetime.now(UTC)
    async with in_transaction() as conn:
        query = FlashSale.filter(id=flash_sale_id, ended_at=None)
        if staff is None:
            query = query.filter(ends_at__lte=now)
        sale = await query.select_for_update().first()
        if sale is None:
            if staff is not None and await FlashSale.exists(id=flash_sale_id):
                raise Conflict("The flash sale has ended", code="flash_sale_ended")
            if staff is not None:
                raise NotFound("Flash sale not found", code="flash_sale_not_found")
            return "skipped"
        sale.ended_at = now
        await sale.save(update_fields=["ended_at", "updated_at"])
        items = await FlashSaleItem.filter(flash_sale_id=sale.id).order_by("id").select_for_update()
        returned = await _give_back(conn, items)
        recorded: list[Any] = await stock.record_events(
            conn, returned, reason=STOCK_REASON, low_stock_threshold=threshold
        )
        back = {item.sku_id: item.stock for item in items}
        for item in items:
            item.stock = 0
        recorded += await _product_events(
            EventName.FLASH_SALE_ENDED,
            sale,
            items,
            {"returned": [{"sku_id": s, "quantity": q} for s, q in sorted(back.items()) if q]},
        )
        if staff is not None:
            await audit.record(staff, "flash_sale.end", target_type="flash_sale", target_id=sale.id)
    await after_commit(
        rt,
        what=f"ending flash sale {sale.id}",
        recorded=recorded,
        product_ids={i.product_id for i in items},
    )
    if staff is not None:
        await rt.jobs.unschedule(end_schedule_id(sale.id))
        await rt.jobs.unschedule(start_schedule_id(sale.id))
    return "ended"


async def sweep(rt: Runtime) -> dict[str, int]:
    """The periodic catch-up: start and end what a lost schedule left."""
    now = datetime.now(UTC)
    started = ended = 0
    overdue = await FlashSale.filter(ended_at=None, ends_at__lte=now).order_by("id")
    for sale in overdue:
        ended += await end(rt, flash_sale_id=sale.id) == "ended"
    due = await FlashSale.filter(ended_at=None, started_at=None, starts_at__lte=now).order_by("id")
    for sale in due:
        started += await start(rt, flash_sale_id=sale.id) == "started"
    return {"started": started, "ended": ended}


# --- what customers see ----------------------------------------------------------------------

# Activities listed at most (live and upcoming ones, the soonest first).
MAX_LISTED = 50

_LIVE_ITEMS = f"""
SELECT i.flash_sale_id, i.sku_id, i.product_id, i.price, i.stock, i.per_user_limit,
    s.price AS original_price, s.specs, p.title, p.cover, p.images
FROM flash_sale_items i
JOIN skus s ON s.id = i.sku_id
JOIN products p ON p.id = i.product_id
WHERE i.flash_sale_id = ANY($1::bigint[]) AND {buyable.sku_buyable("s", "p")}
ORDER BY i.flash_sale_id, i.id
"""  # noqa: S608 - no input in the text


async def public_list(images: ImageStorage, *, now: datetime) -> FlashSaleListOut:
    """GET /flash-sales: live and upcoming activities with what the storefront shows of
    their SKUs, and the server's time for countdowns."""
    sales = await FlashSale.filter(ended_at=None, ends_at__gt=now).order_by("starts_at", "id")
    sales = sales[:MAX_LISTED]
    async with connections.get("default").acquire_connection() as conn:
        rows = await conn.fetch(_LIVE_ITEMS, [s.id for s in sales])
    by_sale: dict[int, list[LiveItemOut]] = defaultdict(list)
    for row in rows:
        specs = orjson.loads(row["specs"]) if isinstance(row["specs"], str) else row["specs"]
        pics = orjson.loads(row["images"]) if isinstance(row["images"], str) else row["images"]
        by_sale[row["flash_sale_id"]].append(
            LiveItemOut(
                sku_id=row["sku_id"],
                product_id=row["product_id"],
                title=row["title"],
                specs=dict(specs or {}),
                cover_url=cover_url(row["cover"], pics, images),
                price=row["price"],
                original_price=row["original_price"],
                stock=row["stock"],
                per_user_limit=row["per_user_limit"],
            )
        )
    return FlashSaleListOut(
        server_time=now,
        items=[
            PublicFlashSaleOut(
                id=s.id,
                title=s.title,
                starts_at=s.starts_at,
                ends_at=s.ends_at,
                status="live" if s.starts_at <= now else "upcoming",
                items=by_sale[s.id],
            )
            for s in sales
            if by_sale[s.id]
        ],
    )


_PRODUCT_LIVE = """
SELECT f.id, f.title, f.starts_at, f.ends_at, i.sku_id, i.price, i.stock, i.per_user_limit
FROM flash_sale_items i JOIN flash_sales f ON f.id = i.flash_sale_id
WHERE i.product_id = $1 AND f.ended_at IS NULL AND f.starts_at <= now() AND now() < f.ends_at
ORDER BY f.id, i.sku_id
"""


async def live_for_product(product_id: int, *, now: datetime) -> ProductFlashSale | None:
    """The product's live activity (the first, should several be live), for its detail."""
    async with connections.get("default").acquire_connection() as conn:
        rows = await conn.fetch(_PRODUCT_LIVE, product_id)
    if not rows:
        return None
    first = rows[0]["id"]
    return ProductFlashSale(
        id=first,
        title=rows[0]["title"],
        starts_at=rows[0]["starts_at"],
        ends_at=rows[0]["ends_at"],
        server_time=now,
        items=[
            ProductFlashSaleItem(
                sku_id=r["sku_id"],
                price=r["price"],
                stock=r["stock"],
                per_user_limit=r["per_user_limit"],
            )
            for r in rows
            if r["id"] == first
        ],
    )
