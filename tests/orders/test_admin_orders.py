"""Admin orders (filters, ship, refunds decided), statistics by shop day, settings, reviews."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx

from mall.orders import lifecycle, stats, transitions
from mall.runtime import Runtime
from models import Order, Sku
from tests.factories import (
    admin_login,
    assert_error,
    bearer,
    make_address,
    make_admin,
    make_buyers,
    make_product,
)


async def admin_headers(client: httpx.AsyncClient, **kwargs) -> dict[str, str]:
    await make_admin("root", **kwargs)
    return bearer((await admin_login(client))["access_token"])


async def paid_order(
    client: httpx.AsyncClient, settings, sku_id: int, prefix: str
) -> tuple[dict, dict]:
    [(user, headers)] = await make_buyers(settings, 1, prefix=prefix)
    resp = await client.post(
        "/api/v1/orders",
        json={
            "items": [{"sku_id": sku_id, "quantity": 1}],
            "address_id": await make_address(user.id),
        },
        headers=headers,
    )
    order = resp.json()
    db_order = await Order.get(id=order["id"])
    await transitions.mark_paid(order=db_order, paid_at=datetime.now(UTC), actor="test")
    return order, headers


async def test_ship_confirm_review_and_history(client: httpx.AsyncClient, settings) -> None:
    admin = await admin_headers(client)
    _, (sku,) = await make_product()
    order, headers = await paid_order(client, settings, sku.id, "shipper")
    bad = await client.post(
        f"/api/admin/orders/{order['id']}/ship", json={"carrier_code": "SF"}, headers=admin
    )
    assert_error(bad, 422)
    shipped = await client.post(
        f"/api/admin/orders/{order['id']}/ship",
        json={"carrier_code": "SF", "tracking_no": "SF1234567890"},
        headers=admin,
    )
    assert shipped.status_code == 200, shipped.text
    assert shipped.json()["status"] == "shipped"
    assert shipped.json()["shipment"]["tracking_no"] == "SF1234567890"
    twice = await client.post(
        f"/api/admin/orders/{order['id']}/ship",
        json={"carrier_code": "SF", "tracking_no": "SF1"},
        headers=admin,
    )
    assert_error(twice, 409, "invalid_order_state")
    confirmed = await client.post(f"/api/v1/orders/{order['id']}/confirm", headers=headers)
    assert confirmed.json()["status"] == "completed"
    item_id = confirmed.json()["items"][0]["id"]
    review = await client.post(
        f"/api/v1/orders/{order['id']}/reviews",
        json={"order_item_id": item_id, "rating": 5, "content": "很好"},
        headers=headers,
    )
    assert review.status_code == 201, review.text
    again = await client.post(
        f"/api/v1/orders/{order['id']}/reviews",
        json={"order_item_id": item_id, "rating": 4},
        headers=headers,
    )
    assert_error(again, 409, "already_reviewed")
    assert_error(
        await client.post(
            f"/api/v1/orders/{order['id']}/reviews",
            json={"order_item_id": item_id, "rating": 6},
            headers=headers,
        ),
        422,
    )
    detail = (await client.get(f"/api/admin/orders/{order['id']}", headers=admin)).json()
    assert [h["to_status"] for h in detail["history"]] == [
        "pending_payment",
        "paid",
        "shipped",
        "completed",
    ]
    assert detail["history"][2]["actor"] == "admin:root"


async def test_auto_confirm_after_the_set_days(
    client: httpx.AsyncClient, settings, rt: Runtime
) -> None:
    admin = await admin_headers(client)
    _, (sku,) = await make_product()
    order, _ = await paid_order(client, settings, sku.id, "auto")
    await client.post(
        f"/api/admin/orders/{order['id']}/ship",
        json={"carrier_code": "EMS", "tracking_no": "E1"},
        headers=admin,
    )
    assert await lifecycle.overdue_confirmations(rt) == []
    await Order.filter(id=order["id"]).update(shipped_at=datetime.now(UTC) - timedelta(days=8))
    assert await lifecycle.overdue_confirmations(rt) == [order["id"]]
    assert await lifecycle.auto_confirm(rt, order_id=order["id"]) == "completed"
    assert await lifecycle.auto_confirm(rt, order_id=order["id"]) == "settled"
    assert (await Order.get(id=order["id"])).status == "completed"


async def test_refund_rejected_goes_back_to_where_it_was(
    client: httpx.AsyncClient, settings
) -> None:
    admin = await admin_headers(client)
    _, (sku,) = await make_product()
    order, headers = await paid_order(client, settings, sku.id, "rejecter")
    await client.post(
        f"/api/admin/orders/{order['id']}/ship",
        json={"carrier_code": "EMS", "tracking_no": "E2"},
        headers=admin,
    )
    asked = await client.post(
        f"/api/v1/orders/{order['id']}/refund", json={"reason": "不喜欢"}, headers=headers
    )
    assert asked.json()["status"] == "refunding"
    rejected = await client.post(
        f"/api/admin/orders/{order['id']}/refund/reject",
        json={"reason": "已签收超过期限"},
        headers=admin,
    )
    assert rejected.status_code == 200
    assert rejected.json()["status"] == "shipped"
    assert rejected.json()["refund"]["status"] == "rejected"
    assert_error(
        await client.post(f"/api/admin/orders/{order['id']}/refund/reject", json={}, headers=admin),
        409,
        "no_refund_request",
    )


async def test_admin_order_filters_and_permissions(client: httpx.AsyncClient, settings) -> None:
    admin = await admin_headers(client)
    _, (sku,) = await make_product(skus=[({"型": "A"}, 1000, 50)])
    first, _ = await paid_order(client, settings, sku.id, "filt-a")
    second, _ = await paid_order(client, settings, sku.id, "filt-b")
    await Order.filter(id=second["id"]).update(status="cancelled")
    listing = (await client.get("/api/admin/orders?status=paid", headers=admin)).json()
    assert [o["id"] for o in listing["items"]] == [first["id"]]
    by_no = (
        await client.get(f"/api/admin/orders?order_no={second['order_no']}", headers=admin)
    ).json()
    assert by_no["total"] == 1 and by_no["items"][0]["id"] == second["id"]
    today = stats.shop_today().isoformat()
    dated = (
        await client.get(f"/api/admin/orders?date_from={today}&date_to={today}", headers=admin)
    ).json()
    assert dated["total"] == 2
    assert_error(await client.get("/api/admin/orders?date_from=2026-13-01", headers=admin), 422)
    assert_error(
        await client.get(
            "/api/admin/orders?date_from=2026-02-02&date_to=2026-02-01", headers=admin
        ),
        422,
    )
    await make_admin("clerk", superuser=False, permissions=["orders.read"])
    clerk = bearer((await admin_login(client, "clerk"))["access_token"])
    assert (await client.get("/api/admin/orders", headers=clerk)).status_code == 200
    assert_error(
        await client.post(
            f"/api/admin/orders/{first['id']}/ship",
            json={"carrier_code": "YTO", "tracking_no": "1"},
            headers=clerk,
        ),
        403,
    )
    assert_error(await client.get("/api/admin/stats/overview", headers=clerk), 403)


async def test_stats_follow_the_shop_day_in_shanghai(client: httpx.AsyncClient, settings) -> None:
    admin = await admin_headers(client)
    _, (sku,) = await make_product(skus=[({"型": "B"}, 2000, 50)])
    late, _ = await paid_order(client, settings, sku.id, "night")
    early, _ = await paid_order(client, settings, sku.id, "morning")
    midnight = stats.day_start_utc(stats.shop_today())  # 16:00 UTC of the day before
    await Order.filter(id=late["id"]).update(
        created_at=midnight - timedelta(seconds=1), paid_at=midnight - timedelta(seconds=1)
    )
    await Order.filter(id=early["id"]).update(created_at=midnight, paid_at=midnight)
    overview = (await client.get("/api/admin/stats/overview", headers=admin)).json()
    assert overview["timezone"] == "Asia/Shanghai"
    assert overview["orders_today"] == 1 and overview["paid_orders_today"] == 1
    assert overview["paid_amount_today"] == early["pay_amount"]
    assert overview["pending_shipment"] == 2
    series = (await client.get("/api/admin/stats/sales?days=2", headers=admin)).json()["items"]
    assert [d["date"] for d in series] == [
        (stats.shop_today() - timedelta(days=1)).isoformat(),
        stats.shop_today().isoformat(),
    ]
    assert [d["paid_orders"] for d in series] == [1, 1]
    assert [d["paid_amount"] for d in series] == [late["pay_amount"], early["pay_amount"]]
    top = (await client.get("/api/admin/stats/top-products?days=7", headers=admin)).json()
    assert top["items"][0]["units"] == 2 and top["items"][0]["amount"] == 4000
    assert_error(await client.get("/api/admin/stats/sales?days=0", headers=admin), 422)
    assert_error(await client.get("/api/admin/stats/sales?days=9999", headers=admin), 422)


async def test_settings_apply_to_new_orders(client: httpx.AsyncClient, settings) -> None:
    admin = await admin_headers(client)
    current = (await client.get("/api/admin/settings", headers=admin)).json()
    assert current["order_timeout_seconds"] == 1800
    changed = await client.put(
        "/api/admin/settings",
        json={
            **current,
            "order_timeout_seconds": 600,
            "freight_flat": 1000,
            "free_shipping_threshold": 0,
        },
        headers=admin,
    )
    assert changed.status_code == 200, changed.text
    assert_error(
        await client.put(
            "/api/admin/settings", json={**current, "order_timeout_seconds": -1}, headers=admin
        ),
        422,
    )
    _, (sku,) = await make_product(skus=[({"型": "C"}, 50000, 5)])
    [(user, headers)] = await make_buyers(settings, 1, prefix="settings")
    order = (
        await client.post(
            "/api/v1/orders",
            json={
                "items": [{"sku_id": sku.id, "quantity": 1}],
                "address_id": await make_address(user.id),
            },
            headers=headers,
        )
    ).json()
    assert order["freight_amount"] == 1000  # no free-shipping threshold any more
    expires = datetime.fromisoformat(order["expires_at"])
    assert timedelta(seconds=590) < expires - datetime.now(UTC) <= timedelta(seconds=600)
    logs = (await client.get("/api/admin/logs?action=settings.update", headers=admin)).json()
    assert logs["total"] == 1
    assert (await Sku.get(id=sku.id)).stock == 4
