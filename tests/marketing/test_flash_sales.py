"""Flash sales: staff set them up, customers buy at the activity's price from its stock,
the per-customer limit and the stock hold under concurrent orders, and unpaid activity
orders expire sooner and give their stock back."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from taskiq import ScheduledTask
from tortoise import connections

from mall.config import Settings
from mall.marketing import flash_sales
from mall.orders import lifecycle, sql
from mall.orders.turns import SkuTurns
from mall.runtime import Runtime
from models import FlashSaleBuyer, FlashSaleItem, Order, OrderItem, OutboxEvent, Sku
from tests.catalog_support import admin_headers
from tests.factories import assert_error, make_address, make_buyers, make_product

ADMIN = "/api/admin/flash-sales"
API = "/api/v1"
# Order statements one API process lets through per SKU in the race tests: more than the
# database pool, so the statements meet at the row locks inside PostgreSQL.
CONTENTION = 32


def iso(at: datetime) -> str:
    return at.isoformat()


def window(start_in: float = -1, length: float = 3600) -> dict[str, str]:
    now = datetime.now(UTC)
    return {
        "starts_at": iso(now + timedelta(seconds=start_in)),
        "ends_at": iso(now + timedelta(seconds=start_in + length)),
    }


async def create_sale(
    client: httpx.AsyncClient,
    staff: dict[str, str],
    sku_id: int,
    *,
    price: int = 100,
    stock: int = 10,
    per_user_limit: int = 1,
    **times: str,
) -> dict[str, Any]:
    body = {
        "title": "双十二秒杀",
        **(times or window()),
        "items": [
            {"sku_id": sku_id, "price": price, "stock": stock, "per_user_limit": per_user_limit}
        ],
    }
    resp = await client.post(ADMIN, json=body, headers=staff)
    assert resp.status_code == 201, resp.text
    sale: dict[str, Any] = resp.json()
    return sale


async def order(
    client: httpx.AsyncClient, headers: dict[str, str], user_id: int, sku_id: int, quantity: int = 1
) -> httpx.Response:
    body = {
        "items": [{"sku_id": sku_id, "quantity": quantity}],
        "address_id": await make_address(user_id),
    }
    return await client.post(
        f"{API}/orders", json=body, headers={**headers, "Idempotency-Key": uuid.uuid4().hex}
    )


async def names_on(channel: str) -> list[str]:
    rows = await OutboxEvent.filter(channel=channel).order_by("id")
    return [row.name for row in rows]


# --- staff -----------------------------------------------------------------------------------


async def test_an_activity_takes_its_stock_from_the_sku_and_gives_it_back_when_ended(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    product, (sku,) = await make_product(skus=[({"款式": "限量"}, 9900, 100)])
    staff = await admin_headers(settings)
    sale = await create_sale(
        client, staff, sku.id, price=4900, stock=30, per_user_limit=2, **window(start_in=3600)
    )
    assert sale["status"] == "upcoming" and sale["started_at"] is None
    (item,) = sale["items"]
    assert (item["stock"], item["initial_stock"], item["sold"]) == (30, 30, 0)
    assert (await Sku.get(id=sku.id)).stock == 70

    listing = (await client.get(f"{API}/flash-sales")).json()
    assert datetime.fromisoformat(listing["server_time"]) <= datetime.now(UTC)
    (shown,) = listing["items"]
    assert shown["status"] == "upcoming" and shown["id"] == sale["id"]
    assert shown["items"][0]["price"] == 4900 and shown["items"][0]["original_price"] == 9900
    # Not live yet: the product shows no flash sale and orders pay the SKU's price.
    assert (await client.get(f"{API}/products/{product.id}")).json()["flash_sale"] is None

    # Replaced before it starts: the old stock goes back, the new is taken.
    body = {
        "title": "改期",
        **window(start_in=7200),
        "items": [{"sku_id": sku.id, "price": 3900, "stock": 50, "per_user_limit": 1}],
    }
    resp = await client.put(f"{ADMIN}/{sale['id']}", json=body, headers=staff)
    assert resp.status_code == 200, resp.text
    assert resp.json()["title"] == "改期" and resp.json()["items"][0]["stock"] == 50
    assert (await Sku.get(id=sku.id)).stock == 50

    # One activity at a time per SKU; never more stock than the SKU has.
    again = await client.post(
        ADMIN,
        json={**body, "items": [{"sku_id": sku.id, "price": 1, "stock": 1, "per_user_limit": 1}]},
        headers=staff,
    )
    assert_error(again, 409, "sku_in_flash_sale")
    _, (other,) = await make_product(skus=[({"款式": "普通"}, 100, 5)])
    short = await client.post(
        ADMIN,
        json={**body, "items": [{"sku_id": other.id, "price": 1, "stock": 6, "per_user_limit": 1}]},
        headers=staff,
    )
    assert_error(short, 409, "insufficient_stock")
    assert (await Sku.get(id=other.id)).stock == 5

    # Ended by staff: its stock goes back, and it is over.
    assert (await client.delete(f"{ADMIN}/{sale['id']}", headers=staff)).status_code == 204
    assert (await Sku.get(id=sku.id)).stock == 100
    ended = (await client.get(f"{ADMIN}/{sale['id']}", headers=staff)).json()
    assert ended["status"] == "ended" and ended["items"][0]["stock"] == 0
    assert_error(await client.delete(f"{ADMIN}/{sale['id']}", headers=staff), 409)
    assert_error(await client.put(f"{ADMIN}/{sale['id']}", json=body, headers=staff), 409)
    assert (await client.get(f"{API}/flash-sales")).json()["items"] == []
    page = (await client.get(ADMIN, params={"status": "ended"}, headers=staff)).json()
    assert page["total"] == 1
    assert (await client.get(ADMIN, params={"status": "live"}, headers=staff)).json()["total"] == 0
    assert "flash_sale.ended" in await names_on(f"product:{product.id}")


async def test_bad_activities_are_refused_and_change_nothing(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    _, (sku,) = await make_product(skus=[({"款式": "限量"}, 9900, 10)])
    staff = await admin_headers(settings)
    item = {"sku_id": sku.id, "price": 100, "stock": 1, "per_user_limit": 1}
    now = datetime.now(UTC)
    cases = [
        {"starts_at": iso(now + timedelta(hours=2)), "ends_at": iso(now + timedelta(hours=1))},
        {"starts_at": iso(now - timedelta(hours=2)), "ends_at": iso(now - timedelta(hours=1))},
    ]
    for times in cases:
        resp = await client.post(
            ADMIN, json={"title": "x", **times, "items": [item]}, headers=staff
        )
        assert assert_error(resp, 422)["details"][0]["type"] == "range"
    twice = await client.post(
        ADMIN, json={"title": "x", **window(), "items": [item, item]}, headers=staff
    )
    assert assert_error(twice, 422)["details"][0]["type"] == "inconsistent"
    unknown = await client.post(
        ADMIN, json={"title": "x", **window(), "items": [{**item, "sku_id": 999}]}, headers=staff
    )
    assert assert_error(unknown, 422)["details"][0]["type"] == "unknown_id"
    assert (await Sku.get(id=sku.id)).stock == 10
    assert_error(await client.get(f"{ADMIN}/999", headers=staff), 404)
    assert_error(await client.delete(f"{ADMIN}/999", headers=staff), 404)
    reader = await admin_headers(settings, username="reader", permissions=["marketing.read"])
    denied = await client.post(
        ADMIN, json={"title": "x", **window(), "items": [item]}, headers=reader
    )
    assert_error(denied, 403, "permission_denied")


# --- buying ----------------------------------------------------------------------------------


async def test_a_live_activity_sets_the_price_takes_its_own_stock_and_expires_sooner(
    client: httpx.AsyncClient, settings: Settings, rt: Runtime
) -> None:
    product, (sku,) = await make_product(skus=[({"款式": "限量"}, 9900, 100)])
    staff = await admin_headers(settings)
    sale = await create_sale(client, staff, sku.id, price=1990, stock=10, per_user_limit=2)
    assert sale["status"] == "live" and sale["started_at"] is not None
    ((user, alice),) = await make_buyers(settings, 1)

    detail = (await client.get(f"{API}/products/{product.id}")).json()
    live = detail["flash_sale"]
    assert live["id"] == sale["id"] and live["items"] == [
        {"sku_id": sku.id, "price": 1990, "stock": 10, "per_user_limit": 2}
    ]
    assert datetime.fromisoformat(live["server_time"]) <= datetime.now(UTC)

    placed = await order(client, alice, user.id, sku.id, quantity=2)
    assert placed.status_code == 201, placed.text
    body = placed.json()
    assert body["items"][0]["price"] == 1990 and body["goods_amount"] == 3980
    created = datetime.fromisoformat(body["created_at"])
    timeout = (datetime.fromisoformat(body["expires_at"]) - created).total_seconds()
    assert timeout == pytest.approx((await rt.shop.get()).flash_sale_timeout_seconds, abs=2)
    assert (await Sku.get(id=sku.id)).stock == 90  # the SKU's own stock is untouched
    item = await FlashSaleItem.get(flash_sale_id=sale["id"])
    assert (item.stock, item.sold) == (8, 2)

    # The limit of 2 is reached: a third unit is refused, whatever the stock.
    assert_error(await order(client, alice, user.id, sku.id), 409, "flash_sale_limit")
    # Cancelled: the units go back to the activity and the customer may buy again.
    cancel = await client.post(f"{API}/orders/{body['id']}/cancel", headers=alice)
    assert cancel.status_code == 200, cancel.text
    item = await FlashSaleItem.get(flash_sale_id=sale["id"])
    assert (item.stock, item.sold) == (10, 0)
    assert (await Sku.get(id=sku.id)).stock == 90
    assert (await FlashSaleBuyer.get(item_id=item.id, user_id=user.id)).quantity == 0
    assert (await order(client, alice, user.id, sku.id)).status_code == 201

    names = await names_on(f"product:{product.id}")
    assert names.count("flash_sale.stock") == 3 and "flash_sale.started" in names
    stock_events = await OutboxEvent.filter(
        channel=f"product:{product.id}", name="flash_sale.stock"
    ).order_by("id")
    assert [(e.data["stock"], e.data["reason"]) for e in stock_events] == [
        (8, "order"),
        (10, "cancel"),
        (9, "order"),
    ]


async def test_an_unpaid_activity_order_expires_on_the_shorter_timeout_and_gives_stock_back(
    client: httpx.AsyncClient, settings: Settings, rt: Runtime
) -> None:
    _, (sku,) = await make_product(skus=[({"款式": "限量"}, 9900, 100)])
    staff = await admin_headers(settings)
    patched = await client.patch(
        "/api/admin/settings",
        json={"flash_sale_timeout_seconds": 1, "order_timeout_seconds": 3600},
        headers=staff,
    )
    assert patched.status_code == 200 and patched.json()["flash_sale_timeout_seconds"] == 1
    sale = await create_sale(client, staff, sku.id, stock=5)
    ((user, alice),) = await make_buyers(settings, 1)
    placed = (await order(client, alice, user.id, sku.id)).json()
    assert (await FlashSaleItem.get(flash_sale_id=sale["id"])).stock == 4

    await asyncio.sleep(1.2)
    assert await lifecycle.cancel_if_unpaid(rt, order_id=placed["id"]) == "cancelled"
    assert (await Order.get(id=placed["id"])).status == "cancelled"
    assert (await FlashSaleItem.get(flash_sale_id=sale["id"])).stock == 5
    assert (await Sku.get(id=sku.id)).stock == 95


async def test_after_the_activity_ends_a_cancelled_order_gives_its_units_to_the_sku(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    _, (sku,) = await make_product(skus=[({"款式": "限量"}, 9900, 100)])
    staff = await admin_headers(settings)
    sale = await create_sale(client, staff, sku.id, stock=10, per_user_limit=3)
    ((user, alice),) = await make_buyers(settings, 1)
    placed = (await order(client, alice, user.id, sku.id, quantity=3)).json()
    assert (await client.delete(f"{ADMIN}/{sale['id']}", headers=staff)).status_code == 204
    assert (await Sku.get(id=sku.id)).stock == 97  # 7 left in the activity came back
    # Now the SKU sells at its own price again.
    regular = (await order(client, alice, user.id, sku.id)).json()
    assert regular["items"][0]["price"] == 9900
    assert (await OrderItem.get(order_id=regular["id"])).flash_sale_item_id is None
    cancel = await client.post(f"{API}/orders/{placed['id']}/cancel", headers=alice)
    assert cancel.status_code == 200
    assert (await Sku.get(id=sku.id)).stock == 99  # 97 - 1 + 3
    assert (await FlashSaleItem.get(flash_sale_id=sale["id"])).stock == 0


async def test_start_and_end_are_delayed_jobs_that_run_once(
    client: httpx.AsyncClient, settings: Settings, rt: Runtime
) -> None:
    product, (sku,) = await make_product(skus=[({"款式": "限量"}, 9900, 100)])
    staff = await admin_headers(settings)
    sale = await create_sale(client, staff, sku.id, stock=10, **window(start_in=3600))
    source = rt.jobs.schedules

    async def job(schedule_id: str) -> ScheduledTask:
        return ScheduledTask.model_validate_json(
            await source.redis.hget(source.data_key, schedule_id)
        )

    start_job = await job(flash_sales.start_schedule_id(sale["id"]))
    end_job = await job(flash_sales.end_schedule_id(sale["id"]))
    assert start_job.task_name == "mall.flash_sale_start"
    assert start_job.kwargs == {"flash_sale_id": sale["id"]}
    assert end_job.task_name == "mall.flash_sale_end"
    assert (start_job.time, end_job.time) == (
        datetime.fromisoformat(sale["starts_at"]),
        datetime.fromisoformat(sale["ends_at"]),
    )
    # Fired early (a schedule from before a change): nothing happens.
    assert await flash_sales.start(rt, flash_sale_id=sale["id"]) == "skipped"
    assert await flash_sales.end(rt, flash_sale_id=sale["id"]) == "skipped"

    # Its time comes (the window moved into the past, as the clock would).
    from models import FlashSale

    now = datetime.now(UTC)
    await FlashSale.filter(id=sale["id"]).update(starts_at=now - timedelta(seconds=2))
    assert await flash_sales.start(rt, flash_sale_id=sale["id"]) == "started"
    assert await flash_sales.start(rt, flash_sale_id=sale["id"]) == "skipped"
    await FlashSale.filter(id=sale["id"]).update(ends_at=now - timedelta(seconds=1))
    assert await flash_sales.sweep(rt) == {"started": 0, "ended": 1}
    assert await flash_sales.end(rt, flash_sale_id=sale["id"]) == "skipped"
    assert (await Sku.get(id=sku.id)).stock == 100
    names = await names_on(f"product:{product.id}")
    assert names.count("flash_sale.started") == 1 and names.count("flash_sale.ended") == 1
    ended = await OutboxEvent.get(channel=f"product:{product.id}", name="flash_sale.ended")
    assert ended.data["returned"] == [{"sku_id": sku.id, "quantity": 10}]


# --- races -----------------------------------------------------------------------------------


@pytest.fixture
async def contention(rt: Runtime) -> AsyncIterator[None]:
    previous, rt.sku_turns = rt.sku_turns, SkuTurns(per_sku=CONTENTION)
    yield
    rt.sku_turns = previous


@pytest.fixture
async def broken_function() -> AsyncIterator[Callable[[str], Awaitable[None]]]:
    """Install a broken variant of an SQL function for one test; functions.sql after."""

    async def install(definition: str) -> None:
        await connections.get("default").execute_script(definition)

    yield install
    await connections.get("default").execute_script(sql.functions_sql())


# Counts what the customer holds from a read taken before writing, and writes the count it
# read plus the quantity: right for one order at a time, wrong when two interleave.
CHECK_THEN_ACT_LIMIT = """
CREATE OR REPLACE FUNCTION mall_take_flash_stock(
    p_user_id bigint, p_item_ids bigint[], p_quantities int[], p_ready boolean
)
RETURNS TABLE (item_id bigint, flash_sale_id bigint, sku_id bigint, product_id bigint, stock int)
LANGUAGE plpgsql VOLATILE AS $$
#variable_conflict use_column
DECLARE
    v_held int;
    v_limit int;
BEGIN
    IF NOT p_ready OR cardinality(p_item_ids) = 0 THEN
        RETURN;
    END IF;
    FOR i IN 1 .. cardinality(p_item_ids) LOOP
        SELECT coalesce((SELECT b.quantity FROM flash_sale_buyers b
            WHERE b.item_id = p_item_ids[i] AND b.user_id = p_user_id), 0) INTO v_held;
        SELECT it.per_user_limit INTO v_limit FROM flash_sale_items it WHERE it.id = p_item_ids[i];
        IF v_held + p_quantities[i] > v_limit THEN
            RAISE EXCEPTION USING ERRCODE = 'P0001', MESSAGE = 'flash_sale_limit';
        END IF;
        -- A wide window between the read and the write, so that racing orders surely
        -- overlap on a busy machine.
        PERFORM pg_sleep(0.2);
        INSERT INTO flash_sale_buyers AS b (item_id, user_id, quantity)
        VALUES (p_item_ids[i], p_user_id, v_held + p_quantities[i])
        ON CONFLICT (item_id, user_id) DO UPDATE SET quantity = excluded.quantity;
    END LOOP;
    RETURN QUERY
    UPDATE flash_sale_items it SET stock = it.stock - w.quantity, sold = it.sold + w.quantity
    FROM unnest(p_item_ids, p_quantities) AS w(item_id, quantity)
    WHERE it.id = w.item_id AND it.stock >= w.quantity
    RETURNING it.id, it.flash_sale_id, it.sku_id, it.product_id, it.stock;
END
$$;
"""

# Reads the activity stock without a lock, checks it, then writes what it read minus the
# quantity: a lost update when two orders interleave.
CHECK_THEN_ACT_STOCK = """
CREATE OR REPLACE FUNCTION mall_take_flash_stock(
    p_user_id bigint, p_item_ids bigint[], p_quantities int[], p_ready boolean
)
RETURNS TABLE (item_id bigint, flash_sale_id bigint, sku_id bigint, product_id bigint, stock int)
LANGUAGE plpgsql VOLATILE AS $$
#variable_conflict use_column
DECLARE
    v_stock int;
BEGIN
    IF NOT p_ready OR cardinality(p_item_ids) = 0 THEN
        RETURN;
    END IF;
    FOR i IN 1 .. cardinality(p_item_ids) LOOP
        SELECT it.stock INTO v_stock FROM flash_sale_items it WHERE it.id = p_item_ids[i];
        IF v_stock < p_quantities[i] THEN
            RAISE EXCEPTION USING ERRCODE = 'P0001', MESSAGE = 'insufficient_stock',
                DETAIL = jsonb_build_array(jsonb_build_object('sku_id', 0,
                    'quantity', p_quantities[i], 'available', v_stock))::text;
        END IF;
        PERFORM pg_sleep(0.005);
        RETURN QUERY UPDATE flash_sale_items it SET stock = v_stock - p_quantities[i]
            WHERE it.id = p_item_ids[i]
            RETURNING it.id, it.flash_sale_id, it.sku_id, it.product_id, it.stock;
    END LOOP;
END
$$;
"""


async def _one_customer_rushes(
    client: httpx.AsyncClient, settings: Settings, attempts: int = 50, limit: int = 2
) -> tuple[list[int], set[str], int]:
    """One customer sends ATTEMPTS orders of one unit at once; (statuses, refusal codes,
    orders placed)."""
    _, (sku,) = await make_product(skus=[({"款式": "限量"}, 9900, 500)])
    staff = await admin_headers(settings)
    await create_sale(client, staff, sku.id, stock=200, per_user_limit=limit)
    ((user, headers),) = await make_buyers(settings, 1)
    address_id = await make_address(user.id)
    body = {"items": [{"sku_id": sku.id, "quantity": 1}], "address_id": address_id}
    answers = await asyncio.gather(
        *(
            client.post(
                f"{API}/orders", json=body, headers={**headers, "Idempotency-Key": uuid.uuid4().hex}
            )
            for _ in range(attempts)
        )
    )
    refusals = {a.json()["error"]["code"] for a in answers if a.status_code == 409}
    return [a.status_code for a in answers], refusals, await Order.filter(user_id=user.id).count()


async def test_50_concurrent_orders_by_one_customer_hold_the_per_user_limit(
    client: httpx.AsyncClient, settings: Settings, contention: None
) -> None:
    statuses, refusals, orders = await _one_customer_rushes(client, settings)
    assert statuses.count(201) == 2 and statuses.count(409) == 48
    assert refusals == {"flash_sale_limit"} and orders == 2


async def test_the_limit_test_fails_on_a_check_then_act_variant(
    client: httpx.AsyncClient,
    settings: Settings,
    contention: None,
    broken_function: Callable[[str], Awaitable[None]],
) -> None:
    await broken_function(CHECK_THEN_ACT_LIMIT)
    _, _, orders = await _one_customer_rushes(client, settings)
    assert orders > 2  # the customer got past the limit


async def _crowd_buys(
    client: httpx.AsyncClient, settings: Settings, buyers: int = 300, stock: int = 100
) -> tuple[list[int], set[str], int, int, int]:
    """BUYERS customers order one unit each at once from an activity of STOCK units;
    (statuses, refusal codes, orders, activity stock left, SKU stock)."""
    _, (sku,) = await make_product(skus=[({"款式": "限量"}, 9900, 1000)])
    staff = await admin_headers(settings)
    sale = await create_sale(client, staff, sku.id, stock=stock, per_user_limit=1)
    crowd = await make_buyers(settings, buyers)
    bodies = [
        {"items": [{"sku_id": sku.id, "quantity": 1}], "address_id": await make_address(u.id)}
        for u, _ in crowd
    ]
    answers = await asyncio.gather(
        *(
            client.post(f"{API}/orders", json=body, headers=headers)
            for body, (_, headers) in zip(bodies, crowd, strict=True)
        )
    )
    item = await FlashSaleItem.get(flash_sale_id=sale["id"])
    return (
        [a.status_code for a in answers],
        {a.json()["error"]["code"] for a in answers if a.status_code == 409},
        await Order.all().count(),
        item.stock,
        (await Sku.get(id=sku.id)).stock,
    )


async def test_300_buyers_never_oversell_the_activity_stock(
    client: httpx.AsyncClient, settings: Settings, contention: None
) -> None:
    statuses, refusals, orders, left, sku_stock = await _crowd_buys(client, settings)
    assert statuses.count(201) == 100 and statuses.count(409) == 200
    assert refusals == {"insufficient_stock"}
    assert orders == 100 and left == 0 and sku_stock == 900


async def test_the_oversell_test_fails_on_a_check_then_act_variant(
    client: httpx.AsyncClient,
    settings: Settings,
    contention: None,
    broken_function: Callable[[str], Awaitable[None]],
) -> None:
    await broken_function(CHECK_THEN_ACT_STOCK)
    _, _, orders, _, _ = await _crowd_buys(client, settings)
    assert orders > 100  # sold more than the activity had
