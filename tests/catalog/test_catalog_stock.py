"""Admin stock changes: never below zero, events in the outbox and the Redis streams."""

from __future__ import annotations

import asyncio

import httpx
import orjson
import redis.asyncio as aioredis

from mall import events
from mall.config import Settings
from mall.runtime import Runtime
from mall.shop.schemas import ShopSettingsDoc
from models import AdminLog, OutboxEvent
from tests.catalog_support import ADMIN, admin_headers, as_input, category, product, sku
from tests.factories import assert_error, make_address, make_buyers


async def stream(redis: aioredis.Redis, channel: str) -> list[dict[str, object]]:
    entries = await redis.xrange(events.stream_key(channel))
    return [orjson.loads(fields["e"]) for _, fields in entries]


async def test_setting_stock_emits_changed_and_low(
    client: httpx.AsyncClient, settings: Settings, redis: aioredis.Redis, rt: Runtime
) -> None:
    admin = await admin_headers(settings)
    cat = await category(client, admin, "服饰")
    made = await product(client, admin, category_id=cat, skus=[sku({"颜色": "红"}, 4900, 50)])
    sku_id, pid = made["skus"][0]["id"], made["id"]
    threshold = ShopSettingsDoc().low_stock_threshold

    resp = await client.put(
        f"{ADMIN}/skus/{sku_id}/stock",
        json={"stock": threshold - 1, "reason": "盘点差异"},
        headers=admin,
    )
    assert resp.status_code == 200, resp.text
    assert resp.json() == {
        "sku_id": sku_id,
        "product_id": pid,
        "previous": 50,
        "stock": threshold - 1,
        "low": True,
    }

    recorded = await OutboxEvent.exclude(name="admin.action").order_by("id")
    assert [(e.channel, e.name) for e in recorded] == [
        ("admin", "stock.low"),
        (f"product:{pid}", "stock.changed"),
    ]
    # ... and, after them, the audit entry's event for every open console
    action = await OutboxEvent.filter(name="admin.action").order_by("-id").first()
    assert action is not None and action.id > recorded[-1].id
    assert action.data["action"] == "sku.stock_set" and action.data["target_id"] == str(sku_id)
    assert recorded[1].data == {
        "product_id": pid,
        "skus": [{"sku_id": sku_id, "stock": threshold - 1}],
        "reason": "admin",
    }
    low = recorded[0].data
    assert low["threshold"] == threshold and low["specs"] == {"颜色": "红"}
    await rt.events.marks.flush()
    recorded = await OutboxEvent.all().order_by("id")
    assert all(e.published_at is not None for e in recorded)
    changed = await stream(redis, f"product:{pid}")
    assert changed[0]["event"] == "stock.changed"
    assert changed[0]["data"]["skus"] == [{"sku_id": sku_id, "stock": threshold - 1}]  # type: ignore[index]
    admin_events = [e["event"] for e in await stream(redis, "admin")]
    assert admin_events == ["admin.action", "admin.action", "stock.low", "admin.action"]

    # Raising it again (still below the threshold) is a change, not an alert.
    await client.put(
        f"{ADMIN}/skus/{sku_id}/stock",
        json={"stock": threshold - 1 + 2, "reason": "补货"},
        headers=admin,
    )
    assert await OutboxEvent.filter(name="stock.low").count() == 1
    assert await OutboxEvent.filter(name="stock.changed").count() == 2
    # Setting the same value changes nothing and says nothing.
    for _ in range(2):
        await client.put(
            f"{ADMIN}/skus/{sku_id}/stock",
            json={"stock": threshold + 5, "reason": "补货"},
            headers=admin,
        )
    assert await OutboxEvent.filter(name="stock.changed").count() == 3


async def test_adjustments_never_go_below_zero(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    admin = await admin_headers(settings)
    cat = await category(client, admin, "服饰")
    made = await product(client, admin, category_id=cat, skus=[sku({}, 100, 5)])
    url = f"{ADMIN}/skus/{made['skus'][0]['id']}/stock/adjust"

    answers = await asyncio.gather(
        *(client.post(url, json={"delta": -1, "reason": "破损"}, headers=admin) for _ in range(12))
    )
    assert sorted(r.status_code for r in answers) == [200] * 5 + [409] * 7
    refused = next(r for r in answers if r.status_code == 409)
    assert assert_error(refused, 409, "insufficient_stock")["details"]["stock"] == 0

    added = await client.post(url, json={"delta": 20, "reason": "到货"}, headers=admin)
    assert added.json()["stock"] == 20 and added.json()["previous"] == 0
    for bad in (
        {"delta": 0, "reason": "x"},
        {"delta": 1},
        {"delta": "1", "reason": "x"},
        {"delta": 1, "reason": ""},
        {"delta": 10**9, "reason": "x"},
    ):
        assert_error(await client.post(url, json=bad, headers=admin), 422)
    assert_error(
        await client.put(
            f"{ADMIN}/skus/{made['skus'][0]['id']}/stock",
            json={"stock": -1, "reason": "x"},
            headers=admin,
        ),
        422,
    )
    detail = (await client.get(f"/api/v1/products/{made['id']}")).json()
    assert detail["stock"] == 20
    logged = await AdminLog.filter(action="sku.stock_adjust").order_by("-id").first()
    assert logged is not None
    assert logged.detail == {
        "product_id": made["id"],
        "previous": 0,
        "stock": 20,
        "reason": "到货",
        "delta": 20,
    }


async def test_removing_a_sku_held_by_an_unpaid_order_is_refused(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    admin = await admin_headers(settings)
    cat = await category(client, admin, "服饰")
    made = await product(client, admin, category_id=cat, on_sale=True)
    held = made["skus"][1]["id"]
    [(buyer, buyer_headers)] = await make_buyers(settings, 1, prefix="holder")
    ordered = await client.post(
        "/api/v1/orders",
        json={
            "items": [{"sku_id": held, "quantity": 1}],
            "address_id": await make_address(buyer.id),
        },
        headers=buyer_headers,
    )
    assert ordered.status_code == 201, ordered.text
    body = as_input(made)
    body["skus"] = body["skus"][:1]
    err = assert_error(
        await client.put(f"{ADMIN}/products/{made['id']}", json=body, headers=admin),
        409,
        "sku_in_use",
    )
    assert err["details"]["sku_ids"] == [held]
    assert_error(
        await client.delete(f"{ADMIN}/products/{made['id']}", headers=admin), 409, "sku_in_use"
    )
    still = (await client.get(f"{ADMIN}/products/{made['id']}", headers=admin)).json()
    assert len(still["skus"]) == 2
    # Once the order no longer waits for payment, the SKU may go.
    order_id = ordered.json()["id"]
    cancelled = await client.post(f"/api/v1/orders/{order_id}/cancel", headers=buyer_headers)
    assert cancelled.status_code == 200
    edited = await client.put(f"{ADMIN}/products/{made['id']}", json=body, headers=admin)
    assert edited.status_code == 200, edited.text
    assert [s["id"] for s in edited.json()["skus"]] == [made["skus"][0]["id"]]


async def test_low_stock_lists_the_skus_the_overview_counts(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    # Given SKUs below, at and above the threshold, one of them off sale, one archived
    admin = await admin_headers(settings)
    threshold = ShopSettingsDoc().low_stock_threshold
    cat = await category(client, admin, "服饰")
    tee = await product(
        client,
        admin,
        category_id=cat,
        title="纯棉T恤",
        skus=[
            sku({"颜色": "红"}, 4900, threshold - 1),
            sku({"颜色": "蓝"}, 4900, threshold),
            sku({"颜色": "白"}, 4900, 0),
            sku({"颜色": "黑"}, 4900, 2),
        ],
    )
    await product(
        client, admin, category_id=cat, title="下架", on_sale=False, skus=[sku({}, 100, 1)]
    )
    red, _, white, black = (s["id"] for s in tee["skus"])
    body = as_input(tee)
    body["skus"] = [s for s in body["skus"] if s["id"] != black]
    resp = await client.put(f"{ADMIN}/products/{tee['id']}", json=body, headers=admin)
    assert resp.status_code == 200, resp.text

    # When staff ask for the low-stock SKUs
    resp = await client.get(f"{ADMIN}/skus/low-stock", headers=admin)

    # Then they get the live SKUs on sale strictly below the threshold, emptiest first
    assert resp.status_code == 200, resp.text
    low = resp.json()
    assert low["threshold"] == threshold and low["total"] == 2
    assert [(i["sku_id"], i["stock"]) for i in low["items"]] == [(white, 0), (red, threshold - 1)]
    assert low["items"][0]["title"] == "纯棉T恤" and low["items"][0]["specs"] == {"颜色": "白"}
    assert low["items"][0]["cover_url"] == "https://img.example.com/a.png"
    # ... exactly as many as the overview's figure counts
    overview = (await client.get(f"{ADMIN}/stats/overview", headers=admin)).json()
    assert overview["low_stock_skus"] == low["total"]
    # ... paged like every list
    second = (await client.get(f"{ADMIN}/skus/low-stock?page=2&page_size=1", headers=admin)).json()
    assert [i["sku_id"] for i in second["items"]] == [red] and second["total"] == 2

    # And it needs catalog.read
    clerk = await admin_headers(settings, username="clerk", permissions=["orders.read"])
    assert_error(await client.get(f"{ADMIN}/skus/low-stock", headers=clerk), 403)
