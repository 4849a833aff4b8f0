"""Races PostgreSQL must arbitrate: oversell, lock order, one coupon, one order per key.

Each race runs with real contention at the database: the API process sends many order
statements of one SKU at once (its SKU turns opened wide), so the row locks, not the
process, decide. And each race is run once more against a deliberately broken variant
that is correct one request at a time but wrong under concurrency (a check on a read
taken without the lock, locks taken in the caller's order, a coupon condition read from
the statement's snapshot, a key checked before it is written): the same invariant must
then fail, which proves the test can see the bug it is named for.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

import httpx
import pytest
from tortoise import connections

from mall.orders import placing, pricing, sql
from mall.orders.turns import SkuTurns
from mall.runtime import Runtime
from models import IdempotencyKey, Order, OrderItem, Sku, UserCoupon
from tests.factories import admin_login, make_address, make_admin, make_buyers, make_product

# Order statements one API process lets through per SKU during these tests: more than
# the database pool (10), so statements queue on the row locks inside PostgreSQL.
CONTENTION = 32


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


# The first step of the order statement; the broken variants below make every statement
# wait here a moment, so that concurrent statements surely overlap (each one reads with
# the snapshot taken when it began).
NEW_ORDER = "new_order AS MATERIALIZED (SELECT nextval('orders_id_seq') AS id)"
NEW_ORDER_SLOW = (
    "new_order AS MATERIALIZED ("
    "SELECT nextval('orders_id_seq') AS id FROM (SELECT pg_sleep(0.05)) AS pause)"
)


@pytest.fixture
def broken_statement(monkeypatch: pytest.MonkeyPatch) -> Callable[[str, str], None]:
    """Swap a part of the order statement for a broken one, for one test."""

    def install(part: str, broken: str) -> None:
        text = (sql.SQL_DIR / "place.sql").read_text()
        assert part in text and NEW_ORDER in text, "the parts to break left place.sql"
        broken_text = sql.render(text.replace(part, broken).replace(NEW_ORDER, NEW_ORDER_SLOW))
        monkeypatch.setattr(placing, "PLACE", sql.Statement(broken_text))

    return install


async def order_body(user_id: int, sku_id: int, **extra: object) -> dict:
    return {
        "items": [{"sku_id": sku_id, "quantity": 1}],
        "address_id": await make_address(user_id),
        **extra,
    }


# --- oversell ----------------------------------------------------------------------------

# Reads the stock without a lock, checks it, then writes what it read minus the quantity:
# right for one order at a time, a lost update when two interleave.
CHECK_THEN_ACT_TAKE = """
CREATE OR REPLACE FUNCTION mall_take_stock(
    p_sku_ids bigint[], p_quantities int[], p_ready boolean
)
RETURNS TABLE (sku_id bigint, product_id bigint, stock int)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    v_stock int;
BEGIN
    IF NOT p_ready THEN
        RETURN;
    END IF;
    FOR i IN 1 .. cardinality(p_sku_ids) LOOP
        SELECT s.stock INTO v_stock FROM skus s WHERE s.id = p_sku_ids[i];
        IF v_stock < p_quantities[i] THEN
            RAISE EXCEPTION USING ERRCODE = 'P0001', MESSAGE = 'insufficient_stock',
                DETAIL = jsonb_build_array(jsonb_build_object('sku_id', p_sku_ids[i],
                    'quantity', p_quantities[i], 'available', v_stock))::text;
        END IF;
        PERFORM pg_sleep(0.005);
        RETURN QUERY UPDATE skus s SET stock = v_stock - p_quantities[i]
            WHERE s.id = p_sku_ids[i] RETURNING s.id, s.product_id, s.stock;
    END LOOP;
END
$$;
"""


@dataclass
class Sale:
    statuses: list[int]
    refusals: set[str]
    stock_left: int
    orders: int


async def _flash_sale(client: httpx.AsyncClient, settings: object, stock: int = 50) -> Sale:
    _, (sku,) = await make_product(skus=[({"款式": "限量"}, 9900, stock)])
    buyers = await make_buyers(settings, 4 * stock)
    bodies = [await order_body(user.id, sku.id) for user, _ in buyers]
    answers = await asyncio.gather(
        *(
            client.post("/api/v1/orders", json=body, headers=headers)
            for body, (_, headers) in zip(bodies, buyers, strict=True)
        )
    )
    return Sale(
        statuses=[a.status_code for a in answers],
        refusals={a.json()["error"]["code"] for a in answers if a.status_code == 409},
        stock_left=(await Sku.get(id=sku.id)).stock,
        orders=await Order.all().count(),
    )


def _no_oversell(sale: Sale, stock: int = 50) -> None:
    assert sale.statuses.count(201) == stock
    assert sale.statuses.count(409) == 3 * stock
    assert sale.refusals == {"insufficient_stock"}
    assert sale.stock_left == 0
    assert sale.orders == stock


async def test_200_buyers_one_sku_50_in_stock_never_oversell(
    client: httpx.AsyncClient, settings, contention
) -> None:
    _no_oversell(await _flash_sale(client, settings))


async def test_the_oversell_test_fails_on_a_check_then_act_variant(
    client: httpx.AsyncClient, settings, contention, broken_function
) -> None:
    await broken_function(CHECK_THEN_ACT_TAKE)
    sale = await _flash_sale(client, settings)
    with pytest.raises(AssertionError):
        _no_oversell(sale)
    assert sale.orders > 50  # sold more than it had


# --- lock order --------------------------------------------------------------------------

# Locks the SKU rows in the order the lines came in, not by key (with the lines left in
# the customer's order instead of sorted by pricing.merge_lines, see below).
CALLER_ORDER_LOCKS = """
CREATE OR REPLACE FUNCTION mall_take_stock(
    p_sku_ids bigint[], p_quantities int[], p_ready boolean
)
RETURNS TABLE (sku_id bigint, product_id bigint, stock int)
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    IF NOT p_ready THEN
        RETURN;
    END IF;
    FOR i IN 1 .. cardinality(p_sku_ids) LOOP
        PERFORM 1 FROM skus s WHERE s.id = p_sku_ids[i] FOR UPDATE;
        PERFORM pg_sleep(0.01);
    END LOOP;
    RETURN QUERY
    UPDATE skus s SET stock = s.stock - w.quantity, updated_at = now()
    FROM unnest(p_sku_ids, p_quantities) AS w(sku_id, quantity)
    WHERE s.id = w.sku_id AND s.stock >= w.quantity
    RETURNING s.id, s.product_id, s.stock;
END
$$;
"""


async def _crossing_orders(client: httpx.AsyncClient, settings: object) -> list[int]:
    """30 orders of the same two SKUs at once, half listing them one way, half the other."""
    _, (red, blue) = await make_product(
        skus=[({"颜色": "红"}, 1000, 100), ({"颜色": "蓝"}, 1000, 100)]
    )
    buyers = await make_buyers(settings, 30)
    bodies = []
    for number, (user, _) in enumerate(buyers):
        pair = [red.id, blue.id] if number % 2 else [blue.id, red.id]
        bodies.append(
            {
                "items": [{"sku_id": sku_id, "quantity": 1} for sku_id in pair],
                "address_id": await make_address(user.id),
            }
        )
    answers = await asyncio.gather(
        *(
            client.post("/api/v1/orders", json=body, headers=headers)
            for body, (_, headers) in zip(bodies, buyers, strict=True)
        )
    )
    return [a.status_code for a in answers]


async def test_concurrent_orders_sharing_skus_in_either_order_all_go_through(
    client: httpx.AsyncClient, settings, contention
) -> None:
    # The statement takes the SKU rows in key order, so none deadlocks: all are placed.
    assert await _crossing_orders(client, settings) == [201] * 30
    assert sorted(s.stock for s in await Sku.all()) == [70, 70]


def _lines_in_the_customers_order(lines: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: dict[int, int] = {}
    for sku_id, quantity in lines:
        merged[sku_id] = merged.get(sku_id, 0) + quantity
    return list(merged.items())


async def test_the_lock_order_test_fails_when_rows_are_locked_in_the_callers_order(
    client: httpx.AsyncClient, settings, contention, broken_function, monkeypatch
) -> None:
    # Key order is kept twice: checkout sorts the lines, mall_take_stock locks by key.
    # Break both.
    monkeypatch.setattr(pricing, "merge_lines", _lines_in_the_customers_order)
    await broken_function(CALLER_ORDER_LOCKS)
    statuses = await _crossing_orders(client, settings)
    # PostgreSQL finds the deadlocks and aborts one side of each.
    assert statuses != [201] * 30 and 500 in statuses, statuses


# --- one coupon --------------------------------------------------------------------------

COUPON_CLAIMED = "AND c.state = {CouponState.CLAIMED}"
# The coupon's state read from the statement's snapshot: a concurrent order that locked
# the coupon meanwhile is not seen (the row condition is re-checked after the lock wait,
# this one is not).
COUPON_FROM_SNAPSHOT = (
    "AND (SELECT u.state FROM user_coupons u WHERE u.id = :coupon_id::bigint)"
    " = {CouponState.CLAIMED}"
)


async def _one_coupon_six_orders(client: httpx.AsyncClient, settings: object) -> tuple[list, int]:
    await make_admin("root")
    admin = {"Authorization": f"Bearer {(await admin_login(client))['access_token']}"}
    template = await client.post(
        "/api/admin/coupons",
        json={"name": "立减5元", "kind": "fixed", "amount_off": 500, "valid_days": 7},
        headers=admin,
    )
    assert template.status_code == 201, template.text
    _, (sku,) = await make_product(skus=[({"颜色": "红"}, 3000, 20)])
    [(user, headers)] = await make_buyers(settings, 1, prefix="double")
    claimed = await client.post(f"/api/v1/coupons/{template.json()['id']}/claim", headers=headers)
    coupon_id = claimed.json()["id"]
    body = await order_body(user.id, sku.id, coupon_id=coupon_id)
    answers = await asyncio.gather(
        *(
            client.post(
                "/api/v1/orders", json=body, headers={**headers, "Idempotency-Key": f"k{n}"}
            )
            for n in range(6)
        )
    )
    return answers, coupon_id


async def _coupon_used_once(answers: list, coupon_id: int) -> None:
    assert sorted(a.status_code for a in answers) == [201] + [409] * 5
    assert {a.json()["error"]["code"] for a in answers if a.status_code == 409} == {
        "coupon_unavailable"
    }
    [order] = await Order.all()
    assert order.user_coupon_id == coupon_id and order.discount_amount == 500
    assert (await UserCoupon.get(id=coupon_id)).order_id == order.id
    # The refused statements wrote nothing at all.
    assert await IdempotencyKey.all().count() == 1
    assert await OrderItem.all().count() == 1
    assert (await Sku.all().first()).stock == 19  # type: ignore[union-attr]


async def test_one_coupon_in_concurrent_orders_is_used_once_and_losers_leave_nothing(
    client: httpx.AsyncClient, settings, contention
) -> None:
    await _coupon_used_once(*await _one_coupon_six_orders(client, settings))


async def test_the_coupon_test_fails_when_the_state_is_read_from_the_snapshot(
    client: httpx.AsyncClient, settings, contention, broken_statement
) -> None:
    broken_statement(COUPON_CLAIMED, COUPON_FROM_SNAPSHOT)
    answers, coupon_id = await _one_coupon_six_orders(client, settings)
    with pytest.raises(AssertionError):
        await _coupon_used_once(answers, coupon_id)
    assert [a.status_code for a in answers].count(201) > 1  # the coupon went twice


# --- one order per Idempotency-Key -----------------------------------------------------------

KEY_CLAIM = """    ON CONFLICT (user_id, key) DO NOTHING
    RETURNING order_id"""
# Looks for the key first and inserts it only if absent: two requests both look, both
# insert, and the unique index turns the loser into an error.
KEY_CHECKED_FIRST = """      AND NOT EXISTS (
          SELECT 1 FROM idempotency_keys k
          WHERE k.user_id = :user_id::bigint AND k.key = :idempotency_key::text
      )
    RETURNING order_id"""


async def _one_key_twenty_times(client: httpx.AsyncClient, settings: object) -> list:
    _, (sku,) = await make_product(skus=[({"色": "黑"}, 1000, 100)])
    [(user, headers)] = await make_buyers(settings, 1)
    body = await order_body(user.id, sku.id)
    key = str(uuid.uuid4())
    return list(
        await asyncio.gather(
            *(
                client.post(
                    "/api/v1/orders", json=body, headers={**headers, "Idempotency-Key": key}
                )
                for _ in range(20)
            )
        )
    )


async def _one_order(answers: list) -> None:
    assert {a.status_code for a in answers} == {201}
    assert len({a.json()["id"] for a in answers}) == 1
    assert sum(a.headers.get("Idempotent-Replayed") == "true" for a in answers) == 19
    assert await Order.all().count() == 1
    assert (await Sku.all().first()).stock == 99  # type: ignore[union-attr]


async def test_same_idempotency_key_20_times_at_once_makes_one_order(
    client: httpx.AsyncClient, settings, contention
) -> None:
    await _one_order(await _one_key_twenty_times(client, settings))


async def test_the_idempotency_test_fails_when_the_key_is_checked_before_it_is_written(
    client: httpx.AsyncClient, settings, contention, broken_statement
) -> None:
    broken_statement(KEY_CLAIM, KEY_CHECKED_FIRST)
    answers = await _one_key_twenty_times(client, settings)
    with pytest.raises(AssertionError):
        await _one_order(answers)
