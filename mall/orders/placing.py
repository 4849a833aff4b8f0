"""Placing an order in one SQL statement: key, coupon, order, items, history, events, stock.

A hot SKU's buyers queue on its row lock, held from the decrement until COMMIT. In a
transaction driven from Python, every statement after the decrement and the COMMIT itself
wait for the event loop to come back to this request, which under load takes milliseconds
per step, and a flash sale runs at the pace of the busiest event loop. Here the whole order
is one statement (data-modifying CTEs, one implicit transaction) that writes everything
else first and takes the SKU rows last, so a hot SKU is locked only for the decrement, the
stock events and the COMMIT, all inside PostgreSQL. The statement is sql/place.sql.

The statement, step by step (each step reads the one before it, which orders them):
1. `claim`: the Idempotency-Key, stored with the new order's id; a concurrent request with
   the same key waits here for the first one and then finds the key taken.
2. `coupon`: the chosen coupon locked to the order, if it is the customer's, claimed and
   valid now.
3. The order, its items and history, the cart lines it came from removed, order.created
   on the customer's and the admin channel (outbox rows claimed for the publisher at
   insert, so publishing needs no claiming UPDATE). `written` counts them all, and the
   stock step reads `written`, so all of this is done before any SKU is locked.
4. `taken`: only then, and only if 1 and 2 held, `mall_take_stock` (sql/functions.sql) locks
   the SKU rows in primary-key order (one lock order for every order, so two orders
   sharing SKUs cannot deadlock) and decrements them, or raises insufficient_stock.
5. stock.changed and stock.low for what was taken (`mall_stock_events`, the builder every
   stock change uses).
6. A refused key or coupon ends the statement in `mall_refuse` (an error: everything above
   is rolled back) naming why: idempotency_key_taken or coupon_unavailable.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

import asyncpg
import orjson
from tortoise import connections

from mall.errors import Conflict
from mall.events import CLAIM_LEASE, Recorded, user_channel
from mall.freight import service as freight
from mall.orders import sql
from mall.orders.after_commit import after_commit
from mall.orders.allocation import Share
from mall.orders.checkout import checkout, order_of_key
from mall.orders.errors import OrderError, flash_sale_limit, insufficient_stock
from mall.orders.pricing import Priced, PricedLine
from mall.orders.schedules import queue_cancel
from mall.orders.schemas import OrderIn
from mall.orders.stats import SHOP_TZ
from mall.orders.turns import SkuTurns
from mall.runtime import Runtime
from mall.shop.schemas import ShopSettingsDoc
from models import Order, OrderItem, OrderStatus

PLACE = sql.statement("place")


@dataclass(frozen=True)
class Placed:
    new: NewOrder
    order_id: int
    created_at: datetime
    expires_at: datetime
    item_ids: dict[int, int]
    events: list[Recorded]
    stock_left: list[tuple[int, int, int]]


ORDER_NO_CONSTRAINT = "orders_order_no_key"


class OrderNoTaken(Exception):
    """Another order drew the same order number (same second, same 6 random digits)."""


class Refused(Exception):
    """The statement wrote nothing: `code` says why (see the module docstring)."""

    def __init__(self, code: str, detail: Any = None) -> None:
        super().__init__(code)
        self.code = code
        self.detail = detail


@dataclass(frozen=True)
class NewOrder:
    """What the statement was asked to write (amounts in fen)."""

    user_id: int
    order_no: str
    lines: list[PricedLine]
    shares: list[Share]
    goods_amount: int
    freight_amount: int
    discount_amount: int
    pay_amount: int
    address: dict[str, Any]
    remark: str
    coupon_id: int | None
    timeout_seconds: int
    cart_item_ids: list[int]
    actor: str


async def place(
    order: NewOrder, *, turns: SkuTurns, idempotency_key: str | None, low_stock_threshold: int
) -> Placed:
    """Run the statement: everything is written, or nothing and Refused says why."""
    lines = order.lines
    flash_lines = sorted(
        (ln for ln in lines if ln.flash_item_id is not None), key=lambda ln: ln.flash_item_id or 0
    )
    stock_lines = [ln for ln in lines if ln.flash_item_id is None]
    event_data = {
        "order_no": order.order_no,
        "status": OrderStatus.PENDING_PAYMENT.value,
        "user_id": order.user_id,
        "pay_amount": order.pay_amount,
    }
    args = PLACE.args(
        sku_ids=[ln.sku_id for ln in lines],
        quantities=[ln.quantity for ln in lines],
        titles=[ln.title for ln in lines],
        specs=[orjson.dumps(ln.specs).decode() for ln in lines],
        product_ids=[ln.product_id for ln in lines],
        cover_urls=[ln.cover_url for ln in lines],
        prices=[ln.price for ln in lines],
        freight_shares=[share.freight for share in order.shares],
        discount_shares=[share.discount for share in order.shares],
        flash_item_ids=[ln.flash_item_id for ln in lines],
        flash_take_item_ids=[ln.flash_item_id for ln in flash_lines],
        flash_take_quantities=[ln.quantity for ln in flash_lines],
        stock_sku_ids=[ln.sku_id for ln in stock_lines],
        stock_quantities=[ln.quantity for ln in stock_lines],
        coupon_id=order.coupon_id,
        user_id=order.user_id,
        idempotency_key=idempotency_key,
        order_no=order.order_no,
        goods_amount=order.goods_amount,
        freight_amount=order.freight_amount,
        discount_amount=order.discount_amount,
        pay_amount=order.pay_amount,
        address=orjson.dumps(order.address).decode(),
        remark=order.remark,
        timeout_seconds=order.timeout_seconds,
        actor=order.actor,
        cart_item_ids=order.cart_item_ids,
        low_stock_threshold=low_stock_threshold,
        lease_seconds=int(CLAIM_LEASE.total_seconds()),
        user_channel=user_channel(order.user_id),
        event_data=orjson.dumps(event_data).decode(),
    )
    async with (
        turns.turn(ln.sku_id for ln in lines),
        connections.get("default").acquire_connection() as conn,
    ):
        try:
            row = await conn.fetchrow(PLACE.sql, *args)
        except asyncpg.RaiseError as refusal:
            detail = getattr(refusal, "detail", None)
            raise Refused(refusal.message, orjson.loads(detail) if detail else None) from None
        except asyncpg.UniqueViolationError as taken:
            if getattr(taken, "constraint_name", None) == ORDER_NO_CONSTRAINT:
                raise OrderNoTaken from None
            raise
    order_id, created_at, expires_at = row["made"]
    return Placed(
        new=order,
        order_id=order_id,
        created_at=created_at,
        expires_at=expires_at,
        item_ids={sku_id: item_id for item_id, sku_id in row["items"]},
        events=[
            Recorded(id=i, channel=c, name=n, data=orjson.loads(d), created_at=at)
            for i, c, n, d, at in row["events"]
        ],
        stock_left=[(p, s, left) for p, s, left in row["stock_left"] or []],
    )


# --- the service -------------------------------------------------------------------------

ORDER_NO_ATTEMPTS = 3


@dataclass(frozen=True)
class Created:
    """An order placed by this request (`placed`), or the one an earlier request with the
    same Idempotency-Key placed (`replayed`)."""

    order: Order
    items: list[OrderItem]
    replayed: bool


def new_order_no() -> str:
    """Sortable by time (shop-local), not guessable in sequence: 14 digits of time + 6 random."""
    return datetime.now(SHOP_TZ).strftime("%Y%m%d%H%M%S") + f"{secrets.randbelow(10**6):06d}"


def _idempotency_conflict() -> Conflict:
    return Conflict(
        "A request with this Idempotency-Key is in progress or its order is gone",
        code=OrderError.IDEMPOTENCY_CONFLICT,
    )


async def _replayed(order_id: int) -> Created:
    order = await Order.get_or_none(id=order_id)
    if order is None:
        raise _idempotency_conflict()
    return Created(order=order, items=await OrderItem.filter(order_id=order.id), replayed=True)


async def create(
    rt: Runtime,
    *,
    user_id: int,
    body: OrderIn,
    idempotency_key: str | None,
    group_prices: dict[int, int] | None = None,
) -> Created:
    """Place an order: reserve stock, lock the coupon, snapshot prices and address, atomically.

    A request repeating an earlier one's Idempotency-Key gets that order back, even once
    the cart lines are gone or the SKU sold out since.
    """
    shop = await rt.shop.get()
    co = await checkout(
        user_id=user_id,
        body=body,
        images=rt.images,
        shop=shop,
        require_stock=True,
        list_coupons=False,
        idempotency_key=idempotency_key,
    )
    if co.replay_order_id is not None:
        return await _replayed(co.replay_order_id)
    priced = co.priced
    if group_prices is not None:
        priced = await _at_group_prices(
            priced, group_prices, shop, coupon_id=body.coupon_id, province=co.address["province"]
        )
    new = NewOrder(
        user_id=user_id,
        order_no="",
        lines=priced.lines,
        shares=priced.shares(),
        goods_amount=priced.goods_amount,
        freight_amount=priced.freight_amount,
        discount_amount=priced.discount_amount,
        pay_amount=priced.pay_amount,
        address=co.address,
        remark=body.remark,
        coupon_id=priced.coupon.id if priced.coupon else None,
        # An order holding flash-sale stock expires sooner: others are waiting for it.
        timeout_seconds=(
            shop.flash_sale_timeout_seconds
            if any(ln.flash_item_id is not None for ln in priced.lines)
            else shop.order_timeout_seconds
        ),
        cart_item_ids=co.cart_item_ids,
        actor=f"user:{user_id}",
    )
    try:
        outcome = await _place(rt, new, idempotency_key, shop.low_stock_threshold)
    except Refused as refused:
        earlier = await order_of_key(user_id=user_id, key=idempotency_key)
        if earlier is not None:
            return await _replayed(earlier)
        raise _refusal_error(refused) from None
    await after_commit(
        rt,
        what=f"placing order {outcome.order_id}",
        recorded=outcome.events,
        product_ids={product_id for product_id, _, _ in outcome.stock_left},
        schedules=lambda pipe: queue_cancel(
            rt.jobs, pipe, order_id=outcome.order_id, at=outcome.expires_at
        ),
    )
    order, items = _placed_order(outcome)
    return Created(order=order, items=items, replayed=False)


async def _at_group_prices(
    priced: Priced,
    prices: dict[int, int],
    shop: ShopSettingsDoc,
    *,
    coupon_id: int | None,
    province: str,
) -> Priced:
    """The lines at a group-buy's prices (every SKU must be in it; no coupon, no flash
    sale: the group price is the deal), freight quoted again on them (the products'
    templates, or the shop's default, to the address's province)."""
    outside = sorted(ln.sku_id for ln in priced.lines if ln.sku_id not in prices)
    if outside:
        raise Conflict(
            "A SKU is not in this group buy",
            code="sku_not_in_group_buy",
            details={"sku_ids": outside},
        )
    if coupon_id is not None:
        raise Conflict("Group-buy orders take no coupon", code=OrderError.COUPON_UNAVAILABLE)
    lines = [
        replace(ln, price=prices[ln.sku_id], flash_item_id=None, per_user_limit=None)
        for ln in priced.lines
    ]
    goods = sum(ln.amount for ln in lines)
    freight_amount = await freight.quote(
        lines=[ln.freight_line() for ln in lines], province=province, shop=shop
    )
    return Priced(lines=lines, goods_amount=goods, freight_amount=freight_amount)


async def _place(
    rt: Runtime, new: NewOrder, idempotency_key: str | None, low_stock_threshold: int
) -> Placed:
    for attempt in range(1, ORDER_NO_ATTEMPTS + 1):
        try:
            return await place(
                replace(new, order_no=new_order_no()),
                turns=rt.sku_turns,
                idempotency_key=idempotency_key,
                low_stock_threshold=low_stock_threshold,
            )
        except OrderNoTaken:
            # Two orders drew the same number in the same second: draw again.
            if attempt == ORDER_NO_ATTEMPTS:
                raise
    raise AssertionError("unreachable")


def _refusal_error(refused: Refused) -> Conflict:
    if refused.code == OrderError.INSUFFICIENT_STOCK and refused.detail:
        first = refused.detail[0]
        return insufficient_stock(
            sku_id=first["sku_id"], requested=first["quantity"], available=first["available"]
        )
    if refused.code == OrderError.FLASH_SALE_LIMIT:
        return flash_sale_limit(refused.detail or {})
    if refused.code == OrderError.FLASH_SALE_OVER:
        return Conflict(
            "The flash sale ended meanwhile: order again at the regular price",
            code=OrderError.FLASH_SALE_OVER,
        )
    if refused.code == OrderError.COUPON_UNAVAILABLE:
        return Conflict("The coupon is not usable", code=OrderError.COUPON_UNAVAILABLE)
    # The key was taken, yet no order of it is found now.
    return _idempotency_conflict()


def _placed_order(placed: Placed) -> tuple[Order, list[OrderItem]]:
    """The rows the statement wrote, as models (no read back)."""
    new = placed.new
    order = Order(
        id=placed.order_id,
        order_no=new.order_no,
        user_id=new.user_id,
        status=OrderStatus.PENDING_PAYMENT.value,
        goods_amount=new.goods_amount,
        freight_amount=new.freight_amount,
        discount_amount=new.discount_amount,
        pay_amount=new.pay_amount,
        address=new.address,
        remark=new.remark,
        user_coupon_id=new.coupon_id,
        created_at=placed.created_at,
        expires_at=placed.expires_at,
    )
    items = [
        OrderItem(
            id=placed.item_ids[ln.sku_id],
            order_id=placed.order_id,
            sku_id=ln.sku_id,
            product_id=ln.product_id,
            title=ln.title,
            specs=ln.specs,
            cover_url=ln.cover_url,
            price=ln.price,
            quantity=ln.quantity,
            freight_share=share.freight,
            discount_share=share.discount,
            reviewed=False,
        )
        for ln, share in zip(new.lines, new.shares, strict=True)
    ]
    return order, items
