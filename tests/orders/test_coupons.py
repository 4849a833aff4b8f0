"""Coupons: templates, claiming under concurrency, scope and thresholds at checkout."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import httpx

from models import (
    CouponTemplate,
    UserCoupon,
)
from tests.factories import (
    admin_login,
    assert_error,
    bearer,
    make_address,
    make_admin,
    make_buyers,
    make_product,
    pay,
)


async def admin_headers(client: httpx.AsyncClient) -> dict[str, str]:
    await make_admin("root")
    return bearer((await admin_login(client))["access_token"])


async def make_template(client: httpx.AsyncClient, admin: dict, **fields) -> dict:
    body = {"name": "券", "kind": "fixed", "amount_off": 500, "valid_days": 7, **fields}
    resp = await client.post("/api/admin/coupons", json=body, headers=admin)
    assert resp.status_code == 201, resp.text
    template: dict = resp.json()
    return template


async def test_total_limit_holds_under_concurrent_claims(
    client: httpx.AsyncClient, settings
) -> None:
    admin = await admin_headers(client)
    template = await make_template(client, admin, total_limit=10)
    buyers = await make_buyers(settings, 30, prefix="claim")
    results = await asyncio.gather(
        *(client.post(f"/api/v1/coupons/{template['id']}/claim", headers=h) for _, h in buyers)
    )
    assert sorted(r.status_code for r in results) == [201] * 10 + [409] * 20
    assert {r.json()["error"]["code"] for r in results if r.status_code == 409} == {
        "coupon_sold_out"
    }
    assert (await CouponTemplate.get(id=template["id"])).issued_count == 10
    assert await UserCoupon.all().count() == 10


async def test_per_user_limit_holds_under_double_submit(
    client: httpx.AsyncClient, settings
) -> None:
    admin = await admin_headers(client)
    template = await make_template(client, admin, per_user_limit=2)
    [(_, headers)] = await make_buyers(settings, 1, prefix="greedy")
    results = await asyncio.gather(
        *(client.post(f"/api/v1/coupons/{template['id']}/claim", headers=headers) for _ in range(8))
    )
    assert sorted(r.status_code for r in results) == [201, 201] + [409] * 6
    mine = (await client.get("/api/v1/me/coupons?state=usable", headers=headers)).json()
    assert mine["total"] == 2
    listed = (await client.get("/api/v1/coupons", headers=headers)).json()["items"]
    assert listed[0]["claimed"] == 2


async def test_scope_threshold_and_percent_cap(client: httpx.AsyncClient, settings) -> None:
    admin = await admin_headers(client)
    shirt, (shirt_sku,) = await make_product(title="衬衫", skus=[({"码": "M"}, 6000, 10)])
    _, (cup_sku,) = await make_product(
        title="杯子", skus=[({"色": "白"}, 2000, 10)], category_name="家居"
    )
    only_shirts = await make_template(
        client,
        admin,
        name="衬衫满50减20",
        amount_off=2000,
        threshold=5000,
        scope="products",
        scope_ids=[shirt.id],
    )
    percent = await make_template(
        client,
        admin,
        name="9折封顶5元",
        kind="percent",
        amount_off=0,
        percent_off=10,
        max_discount=500,
    )
    big_threshold = await make_template(
        client, admin, name="满500减100", amount_off=10000, threshold=50000
    )
    [(user, headers)] = await make_buyers(settings, 1, prefix="scope")
    for t in (only_shirts, percent, big_threshold):
        assert (
            await client.post(f"/api/v1/coupons/{t['id']}/claim", headers=headers)
        ).status_code == 201
    address_id = await make_address(user.id)
    cups_only = {"items": [{"sku_id": cup_sku.id, "quantity": 2}], "address_id": address_id}
    preview = (
        await client.post("/api/v1/checkout/preview", json=cups_only, headers=headers)
    ).json()
    # The shirt coupon does not cover cups; the 10% one does (4000 * 10% = 400 < cap 500).
    assert [(c["name"], c["discount"]) for c in preview["usable_coupons"]] == [("9折封顶5元", 400)]
    both = {
        "items": [{"sku_id": cup_sku.id, "quantity": 2}, {"sku_id": shirt_sku.id, "quantity": 1}],
        "address_id": address_id,
    }
    preview = (await client.post("/api/v1/checkout/preview", json=both, headers=headers)).json()
    assert [(c["name"], c["discount"]) for c in preview["usable_coupons"]] == [
        ("衬衫满50减20", 2000),
        ("9折封顶5元", 500),
    ]
    mine = {
        c["name"]: c["id"]
        for c in (await client.get("/api/v1/me/coupons", headers=headers)).json()["items"]
    }
    not_applicable = await client.post(
        "/api/v1/orders", json={**cups_only, "coupon_id": mine["满500减100"]}, headers=headers
    )
    assert_error(not_applicable, 409, "coupon_unavailable")
    ordered = await client.post(
        "/api/v1/orders", json={**both, "coupon_id": mine["衬衫满50减20"]}, headers=headers
    )
    assert ordered.status_code == 201
    assert ordered.json()["discount_amount"] == 2000
    assert ordered.json()["pay_amount"] == 10000 - 2000  # free shipping at 99 yuan of goods
    reuse = await client.post(
        "/api/v1/orders", json={**both, "coupon_id": mine["衬衫满50减20"]}, headers=headers
    )
    assert_error(reuse, 409, "coupon_unavailable")
    [(_, other)] = await make_buyers(settings, 1, prefix="thief")
    stolen = await client.post(
        "/api/v1/checkout/preview", json={**both, "coupon_id": mine["9折封顶5元"]}, headers=other
    )
    assert_error(stolen, 404)


async def test_template_validation_and_admin_rules(client: httpx.AsyncClient, settings) -> None:
    admin = await admin_headers(client)
    bad = [
        {"name": "x", "kind": "fixed", "amount_off": 0, "valid_days": 3},
        {"name": "x", "kind": "percent", "percent_off": 100, "valid_days": 3},
        {"name": "x", "kind": "fixed", "amount_off": 100},
        {
            "name": "x",
            "kind": "fixed",
            "amount_off": 100,
            "valid_days": 3,
            "valid_until": "2030-01-01T00:00:00+08:00",
        },
        {"name": "x", "kind": "fixed", "amount_off": 100, "valid_days": 3, "scope": "products"},
        {"name": "x", "kind": "fixed", "amount_off": -5, "valid_days": 3},
        {"name": "x", "kind": "bogus", "amount_off": 5, "valid_days": 3},
    ]
    for body in bad:
        assert_error(await client.post("/api/admin/coupons", json=body, headers=admin), 422)
    template = await make_template(client, admin, total_limit=5)
    [(_, headers)] = await make_buyers(settings, 1, prefix="admin-rules")
    await client.post(f"/api/v1/coupons/{template['id']}/claim", headers=headers)
    assert_error(
        await client.delete(f"/api/admin/coupons/{template['id']}", headers=admin),
        409,
        "coupon_in_use",
    )
    lower = await client.put(
        f"/api/admin/coupons/{template['id']}",
        json={
            "name": "券",
            "kind": "fixed",
            "amount_off": 500,
            "valid_days": 7,
            "total_limit": 1,
            "active": False,
        },
        headers=admin,
    )
    assert lower.status_code == 200 and lower.json()["active"] is False
    gone = await client.post(f"/api/v1/coupons/{template['id']}/claim", headers=headers)
    assert_error(gone, 404, "coupon_not_found")
    assert_error(await client.post("/api/v1/coupons/999999/claim", headers=headers), 404)


async def test_usage_counts_a_templates_coupons_by_state_and_what_paid_orders_saved(
    client: httpx.AsyncClient, settings, wechat_sim: str
) -> None:
    # Given a template claimed by four customers
    admin = await admin_headers(client)
    template = await make_template(client, admin, amount_off=500)
    _, (sku,) = await make_product(skus=[({"颜色": "红"}, 3000, 20)])
    buyers = await make_buyers(settings, 4, prefix="usage")
    coupons = []
    for _, headers in buyers:
        claimed = await client.post(f"/api/v1/coupons/{template['id']}/claim", headers=headers)
        coupons.append(claimed.json()["id"])

    async def order_with(n: int) -> dict:
        user, headers = buyers[n]
        body = {
            "items": [{"sku_id": sku.id, "quantity": 1}],
            "address_id": await make_address(user.id),
            "coupon_id": coupons[n],
        }
        resp = await client.post(
            "/api/v1/orders", json=body, headers={**headers, "Idempotency-Key": f"u{n}"}
        )
        assert resp.status_code == 201, resp.text
        order: dict = resp.json()
        return order

    # When one pays an order with it, one leaves an order unpaid, one lets it expire
    async with httpx.AsyncClient(base_url=wechat_sim) as sim:
        await pay(client, sim, buyers[0][1], await order_with(0))
    await order_with(1)
    await UserCoupon.filter(id=coupons[2]).update(valid_until=datetime.now(UTC) - timedelta(1))

    # Then staff see each state counted, and the discount the paid order got
    resp = await client.get(f"/api/admin/coupons/{template['id']}/usage", headers=admin)
    assert resp.status_code == 200, resp.text
    assert resp.json() == {
        "template_id": template["id"],
        "issued": 4,
        "unused": 1,
        "locked": 1,
        "used": 1,
        "expired": 1,
        "orders": 1,
        "discount_amount": 500,
    }
    assert_error(await client.get("/api/admin/coupons/999/usage", headers=admin), 404)
    await make_admin("clerk", superuser=False, permissions=["orders.read"])
    clerk = bearer((await admin_login(client, "clerk"))["access_token"])
    assert_error(await client.get(f"/api/admin/coupons/{template['id']}/usage", headers=clerk), 403)
