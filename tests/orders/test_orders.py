"""Checkout, order creation, stock that never oversells, idempotency, the state machine."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from mall.orders import lifecycle
from mall.orders.turns import SkuTurns
from mall.runtime import Runtime
from models import Address, CartItem, Order, OutboxEvent, Sku, User, UserCoupon
from tests.factories import (
    admin_login,
    assert_error,
    make_address,
    make_admin,
    make_buyers,
    make_product,
)


async def order_body(user_id: int, sku_id: int, quantity: int = 1, **extra) -> dict:
    return {
        "items": [{"sku_id": sku_id, "quantity": quantity}],
        "address_id": await make_address(user_id),
        **extra,
    }


async def test_preview_prices_server_side_with_freight(client: httpx.AsyncClient, settings) -> None:
    _, (sku,) = await make_product(skus=[({"颜色": "红"}, 3000, 10)])
    [(user, headers)] = await make_buyers(settings, 1)
    body = await order_body(user.id, sku.id, 2)
    resp = await client.post("/api/v1/checkout/preview", json=body, headers=headers)
    assert resp.status_code == 200, resp.text
    preview = resp.json()
    assert preview["goods_amount"] == 6000
    assert preview["freight_amount"] == 800  # below the 99 yuan free-shipping threshold
    assert preview["pay_amount"] == 6800
    assert preview["items"][0]["specs"] == {"颜色": "红"}
    body["items"][0]["quantity"] = 4
    free = (await client.post("/api/v1/checkout/preview", json=body, headers=headers)).json()
    assert free["freight_amount"] == 0 and free["pay_amount"] == 12000
    # A client-sent price is not a field: it is refused, never trusted.
    body["items"][0]["price"] = 1
    assert_error(await client.post("/api/v1/checkout/preview", json=body, headers=headers), 422)


async def test_create_order_reserves_stock_and_writes_events(
    client: httpx.AsyncClient, settings
) -> None:
    product, (sku,) = await make_product(skus=[({"颜色": "蓝"}, 2500, 5)])
    [(user, headers)] = await make_buyers(settings, 1)
    resp = await client.post(
        "/api/v1/orders",
        json=await order_body(user.id, sku.id, 2, remark="放门口"),
        headers=headers,
    )
    assert resp.status_code == 201, resp.text
    order = resp.json()
    assert order["status"] == "pending_payment"
    assert order["order_no"].isdigit() and len(order["order_no"]) == 20
    assert order["pay_amount"] == 5000 + 800 and order["remark"] == "放门口"
    assert order["items"][0]["price"] == 2500 and order["items"][0]["quantity"] == 2
    assert order["address"]["city"] == "广州市"
    assert order["items"][0]["cover_url"] == "https://img.example.com/cover.png"
    assert datetime.fromisoformat(order["expires_at"]) > datetime.now(UTC) + timedelta(minutes=29)
    assert (await Sku.get(id=sku.id)).stock == 3
    names = {(e.channel, e.name) for e in await OutboxEvent.all()}
    assert (f"user:{user.id}", "order.created") in names
    assert ("admin", "order.created") in names
    assert (f"product:{product.id}", "stock.changed") in names
    listed = (await client.get("/api/v1/orders", headers=headers)).json()
    assert listed["total"] == 1 and listed["items"][0]["id"] == order["id"]
    one = await client.get(f"/api/v1/orders/{order['id']}", headers=headers)
    assert one.json()["order_no"] == order["order_no"]


async def test_insufficient_stock_names_the_sku_and_changes_nothing(
    client: httpx.AsyncClient, settings
) -> None:
    _, (plenty, scarce) = await make_product(
        skus=[({"尺码": "M"}, 1000, 10), ({"尺码": "L"}, 1000, 1)]
    )
    [(user, headers)] = await make_buyers(settings, 1)
    body = {
        "items": [{"sku_id": plenty.id, "quantity": 2}, {"sku_id": scarce.id, "quantity": 2}],
        "address_id": await make_address(user.id),
    }
    err = assert_error(
        await client.post("/api/v1/orders", json=body, headers=headers), 409, "insufficient_stock"
    )
    assert err["details"]["sku_id"] == scarce.id and err["details"]["available"] == 1
    assert (await Sku.get(id=plenty.id)).stock == 10
    assert (await Sku.get(id=scarce.id)).stock == 1
    assert await Order.all().count() == 0 and await OutboxEvent.all().count() == 0


async def test_order_from_cart_removes_ordered_lines(client: httpx.AsyncClient, settings) -> None:
    _, (a, b) = await make_product(skus=[({"尺码": "S"}, 1000, 5), ({"尺码": "XL"}, 1200, 5)])
    [(user, headers)] = await make_buyers(settings, 1)
    for sku in (a, b):
        added = await client.post(
            "/api/v1/cart/items", json={"sku_id": sku.id, "quantity": 2}, headers=headers
        )
        assert added.status_code == 201, added.text
    again = await client.post(
        "/api/v1/cart/items", json={"sku_id": a.id, "quantity": 1}, headers=headers
    )
    cart = again.json()
    assert len(cart["items"]) == 2  # merged by SKU
    line_a = next(i for i in cart["items"] if i["sku_id"] == a.id)
    assert line_a["quantity"] == 3
    too_many = await client.post(
        "/api/v1/cart/items", json={"sku_id": a.id, "quantity": 3}, headers=headers
    )
    assert_error(too_many, 409, "insufficient_stock")
    resp = await client.post(
        "/api/v1/orders",
        json={"cart_item_ids": [line_a["id"]], "address_id": await make_address(user.id)},
        headers=headers,
    )
    assert resp.status_code == 201, resp.text
    assert resp.json()["items"][0]["quantity"] == 3
    remaining = (await client.get("/api/v1/cart", headers=headers)).json()["items"]
    assert [i["sku_id"] for i in remaining] == [b.id]


async def test_cancel_restores_stock_and_coupon_once(client: httpx.AsyncClient, settings) -> None:
    await make_admin("root")
    admin = {"Authorization": f"Bearer {(await admin_login(client))['access_token']}"}
    _, (sku,) = await make_product(skus=[({"味": "甜"}, 5000, 10)])
    [(user, headers)] = await make_buyers(settings, 1)
    template = await client.post(
        "/api/admin/coupons",
        json={
            "name": "满50减10",
            "kind": "fixed",
            "amount_off": 1000,
            "threshold": 5000,
            "valid_days": 7,
        },
        headers=admin,
    )
    assert template.status_code == 201, template.text
    claimed = await client.post(f"/api/v1/coupons/{template.json()['id']}/claim", headers=headers)
    assert claimed.status_code == 201, claimed.text
    coupon_id = claimed.json()["id"]
    body = await order_body(user.id, sku.id, 2)
    preview = (await client.post("/api/v1/checkout/preview", json=body, headers=headers)).json()
    assert preview["usable_coupons"][0]["id"] == coupon_id
    assert preview["usable_coupons"][0]["discount"] == 1000
    order = (
        await client.post("/api/v1/orders", json={**body, "coupon_id": coupon_id}, headers=headers)
    ).json()
    assert order["discount_amount"] == 1000 and order["pay_amount"] == 10000 - 1000
    assert (await UserCoupon.get(id=coupon_id)).state == "locked"
    assert (await Sku.get(id=sku.id)).stock == 8

    results = await asyncio.gather(
        *(client.post(f"/api/v1/orders/{order['id']}/cancel", headers=headers) for _ in range(5))
    )
    assert sorted(r.status_code for r in results) == [200, 409, 409, 409, 409]
    conflict = next(r for r in results if r.status_code == 409).json()["error"]
    assert conflict["code"] == "invalid_order_state"
    assert conflict["details"]["status"] == "cancelled"
    assert (await Sku.get(id=sku.id)).stock == 10
    coupon = await UserCoupon.get(id=coupon_id)
    assert coupon.state == "claimed" and coupon.order_id is None
    final = await Order.get(id=order["id"])
    assert final.status == "cancelled" and final.cancel_reason == "user"


async def test_cancel_vs_timeout_race_ends_once(
    client: httpx.AsyncClient, settings, rt: Runtime
) -> None:
    _, (sku,) = await make_product(skus=[({"规格": "大"}, 1000, 10)])
    buyers = await make_buyers(settings, 10)
    orders = []
    for user, headers in buyers:
        resp = await client.post(
            "/api/v1/orders", json=await order_body(user.id, sku.id, 1), headers=headers
        )
        orders.append((resp.json()["id"], headers))
    assert (await Sku.get(id=sku.id)).stock == 0
    await Order.all().update(expires_at=datetime.now(UTC) - timedelta(seconds=5))

    async def user_cancel(order_id: int, headers: dict) -> int:
        return (await client.post(f"/api/v1/orders/{order_id}/cancel", headers=headers)).status_code

    outcomes = await asyncio.gather(
        *(user_cancel(oid, h) for oid, h in orders),
        *(lifecycle.cancel_if_unpaid(rt, order_id=oid) for oid, _ in orders),
    )
    user_wins = sum(1 for o in outcomes[:10] if o == 200)
    timeout_wins = sum(1 for o in outcomes[10:] if o == "cancelled")
    assert user_wins + timeout_wins == 10
    assert (await Sku.get(id=sku.id)).stock == 10
    assert await Order.filter(status="cancelled").count() == 10
    reasons = await Order.all().values_list("cancel_reason", flat=True)
    assert sorted(reasons) == sorted(["user"] * user_wins + ["timeout"] * timeout_wins)


async def test_illegal_transitions_are_409_with_current_status(
    client: httpx.AsyncClient, settings
) -> None:
    _, (sku,) = await make_product()
    [(user, headers)] = await make_buyers(settings, 1)
    order = (
        await client.post("/api/v1/orders", json=await order_body(user.id, sku.id), headers=headers)
    ).json()
    for action, body in (("confirm", None), ("refund", {"reason": "不想要了"})):
        resp = await client.post(
            f"/api/v1/orders/{order['id']}/{action}", json=body, headers=headers
        )
        err = assert_error(resp, 409, "invalid_order_state")
        assert err["details"]["status"] == "pending_payment"
    review = await client.post(
        f"/api/v1/orders/{order['id']}/reviews",
        json={"order_item_id": order["items"][0]["id"], "rating": 5},
        headers=headers,
    )
    assert_error(review, 409, "invalid_order_state")


async def test_other_users_orders_are_404_everywhere(client: httpx.AsyncClient, settings) -> None:
    _, (sku,) = await make_product()
    (alice, alice_h), (_, bob_h) = await make_buyers(settings, 2)
    order = (
        await client.post(
            "/api/v1/orders", json=await order_body(alice.id, sku.id), headers=alice_h
        )
    ).json()
    oid = order["id"]
    assert_error(await client.get(f"/api/v1/orders/{oid}", headers=bob_h), 404)
    for action, body in (
        ("cancel", None),
        ("confirm", None),
        ("refund", {"reason": "x"}),
        ("pay", None),
        ("reviews", {"order_item_id": order["items"][0]["id"], "rating": 5}),
    ):
        resp = await client.post(f"/api/v1/orders/{oid}/{action}", json=body, headers=bob_h)
        assert_error(resp, 404)
    assert (await client.get("/api/v1/orders", headers=bob_h)).json()["total"] == 0
    # Bob's address and cart lines cannot be used either.
    bob_user = (await client.get("/api/v1/me", headers=bob_h)).json()
    assert_error(
        await client.post(
            "/api/v1/orders",
            json={
                "items": [{"sku_id": sku.id, "quantity": 1}],
                "address_id": await make_address(alice.id),
            },
            headers=bob_h,
        ),
        404,
        "address_not_found",
    )
    alice_line = await CartItem.create(user_id=alice.id, sku_id=sku.id, quantity=1)
    assert_error(
        await client.post(
            "/api/v1/orders",
            json={
                "cart_item_ids": [alice_line.id],
                "address_id": await make_address(bob_user["id"]),
            },
            headers=bob_h,
        ),
        404,
        "cart_item_not_found",
    )
    assert (await Order.get(id=oid)).status == "pending_payment"


async def test_order_bad_input(client: httpx.AsyncClient, settings) -> None:
    _, (sku,) = await make_product()
    [(user, headers)] = await make_buyers(settings, 1)
    address_id = await make_address(user.id)
    cases = [
        {},
        {"address_id": address_id},
        {"items": [], "address_id": address_id},
        {"items": [{"sku_id": sku.id, "quantity": 0}], "address_id": address_id},
        {"items": [{"sku_id": sku.id, "quantity": 1000}], "address_id": address_id},
        {"items": [{"sku_id": sku.id, "quantity": "two"}], "address_id": address_id},
        {"items": [{"sku_id": 10**30, "quantity": 1}], "address_id": address_id},
        {
            "items": [{"sku_id": sku.id, "quantity": 1}],
            "cart_item_ids": [1],
            "address_id": address_id,
        },
        {
            "items": [{"sku_id": sku.id, "quantity": 1}],
            "address_id": address_id,
            "remark": "x" * 500,
        },
    ]
    for body in cases:
        assert_error(await client.post("/api/v1/orders", json=body, headers=headers), 422)
    unknown_sku = {"items": [{"sku_id": 987654, "quantity": 1}], "address_id": address_id}
    assert_error(
        await client.post("/api/v1/orders", json=unknown_sku, headers=headers), 404, "sku_not_found"
    )
    long_key = {**headers, "Idempotency-Key": "k" * 200}
    assert_error(
        await client.post(
            "/api/v1/orders",
            json={"items": [{"sku_id": sku.id, "quantity": 1}], "address_id": address_id},
            headers=long_key,
        ),
        422,
    )
    assert_error(await client.get("/api/v1/orders?status=lost", headers=headers), 422)
    assert await Order.all().count() == 0


async def test_snapshot_cover_is_a_url_clients_can_load(
    client: httpx.AsyncClient, settings
) -> None:
    product, (sku,) = await make_product()
    stored = "/uploads/" + "ab" * 32 + ".png"  # an uploaded image, kept as a reference
    await type(product).filter(id=product.id).update(cover="", images=[stored])
    [(user, headers)] = await make_buyers(settings, 1)
    await client.post("/api/v1/cart/items", json={"sku_id": sku.id, "quantity": 1}, headers=headers)
    cart = (await client.get("/api/v1/cart", headers=headers)).json()
    expected = settings.public_base_url.rstrip("/") + stored
    assert cart["items"][0]["cover_url"] == expected
    order = (
        await client.post("/api/v1/orders", json=await order_body(user.id, sku.id), headers=headers)
    ).json()
    assert order["items"][0]["cover_url"] == expected


async def test_placing_an_order_checks_the_customer_in_its_checkout_read(
    client: httpx.AsyncClient, settings
) -> None:
    # POST /orders reads the customer in the checkout query, not in the guard: a banned
    # customer whose token was not revoked, or a deleted one, still places nothing.
    _, (sku,) = await make_product(skus=[({"颜色": "红"}, 3000, 10)])
    [(banned, banned_headers), (gone, gone_headers)] = await make_buyers(settings, 2)
    banned_body = await order_body(banned.id, sku.id)
    gone_body = await order_body(gone.id, sku.id)
    await User.filter(id=banned.id).update(banned=True)
    await Address.filter(user_id=gone.id).delete()
    await User.filter(id=gone.id).delete()

    refused = await client.post("/api/v1/orders", json=banned_body, headers=banned_headers)
    assert_error(refused, 403, "account_banned")
    unknown = await client.post("/api/v1/orders", json=gone_body, headers=gone_headers)
    assert_error(unknown, 401, "invalid_token")
    assert await Order.all().count() == 0
    assert (await Sku.get(id=sku.id)).stock == 10


async def test_sku_turns_let_one_statement_per_sku_through_and_keep_nothing() -> None:
    sku_turns = SkuTurns(per_sku=1)
    inside = {1: 0, 2: 0}
    peak = {1: 0, 2: 0}

    async def order(sku_ids: list[int]) -> None:
        async with sku_turns.turn(sku_ids):
            for sku_id in sku_ids:
                inside[sku_id] += 1
                peak[sku_id] = max(peak[sku_id], inside[sku_id])
            await asyncio.sleep(0.001)
            for sku_id in sku_ids:
                inside[sku_id] -= 1

    await asyncio.gather(
        *(order([1, 2] if n % 2 else [2, 1]) for n in range(40)),
        *(order([2]) for _ in range(20)),
    )
    assert peak == {1: 1, 2: 1}
    assert sku_turns.waiting() == 0

    # a request cancelled while it waits for its turn gives its place back
    async with sku_turns.turn([1]):
        waiter = asyncio.create_task(order([1]))
        await asyncio.sleep(0.01)
        waiter.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiter
    assert sku_turns.waiting() == 0
    await order([1])
