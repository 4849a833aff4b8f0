"""After-sales per item and quantity, end to end through the API and the WeChat simulator."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from mall.aftersales import service as after_sales
from mall.runtime import Runtime
from models import (
    AfterSale,
    CouponTemplate,
    Order,
    OrderItem,
    OutboxEvent,
    RefundRequest,
    Sku,
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
)

RETURN_ADDRESS = {"name": "售后部", "phone": "020-12345678", "address": "广州市海珠区仓库路1号"}


async def eventually(check: Callable[[], Awaitable[bool]], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not await check():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.02)


async def staff(client: httpx.AsyncClient) -> dict[str, str]:
    await make_admin("root")
    return bearer((await admin_login(client))["access_token"])


async def discounted_order(
    client: httpx.AsyncClient,
    sim: httpx.AsyncClient,
    settings: Any,
    *,
    quantities: tuple[int, ...] = (3, 2),
    prices: tuple[int, ...] = (3333, 1001),
    discount: int = 1777,
    stock: int = 10,
) -> tuple[dict[str, Any], dict[str, str], list[Any]]:
    """A paid order of several items with a coupon taken off: (order, customer, skus)."""
    _, skus = await make_product(
        skus=[({"款": str(n)}, price, stock) for n, price in enumerate(prices)]
    )
    [(user, headers)] = await make_buyers(settings, 1, prefix=f"as{time.monotonic_ns()}")
    body: dict[str, Any] = {
        "items": [
            {"sku_id": sku.id, "quantity": q} for sku, q in zip(skus, quantities, strict=True)
        ],
        "address_id": await make_address(user.id),
    }
    if discount:
        template = await CouponTemplate.create(
            name="立减", kind="fixed", amount_off=discount, threshold=0, scope="all"
        )
        coupon = await UserCoupon.create(
            user_id=user.id,
            template_id=template.id,
            state="claimed",
            valid_from=datetime.now(UTC) - timedelta(hours=1),
            valid_until=datetime.now(UTC) + timedelta(days=1),
        )
        body["coupon_id"] = coupon.id
    placed = await client.post(
        "/api/v1/orders", json=body, headers={**headers, "Idempotency-Key": uuid.uuid4().hex}
    )
    assert placed.status_code == 201, placed.text
    order: dict[str, Any] = placed.json()
    assert (await client.post(f"/api/v1/orders/{order['id']}/pay", headers=headers)).is_success
    assert (await sim.post(f"/sim/pay/{order['order_no']}")).status_code == 200

    async def paid() -> bool:
        return (await Order.get(id=order["id"])).status == "paid"

    await eventually(paid)
    return order, headers, skus


async def ship(client: httpx.AsyncClient, admin: dict[str, str], order_id: int) -> None:
    resp = await client.post(
        f"/api/admin/orders/{order_id}/ship",
        json={"carrier_code": "SF", "tracking_no": "SF1234567890"},
        headers=admin,
    )
    assert resp.status_code == 200, resp.text


async def ask(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    order_id: int,
    lines: list[tuple[int, int]],
    kind: str = "refund",
) -> httpx.Response:
    return await client.post(
        f"/api/v1/orders/{order_id}/after-sales",
        json={
            "type": kind,
            "items": [{"order_item_id": i, "quantity": q} for i, q in lines],
            "reason": "不合适",
        },
        headers=headers,
    )


async def settle(sim: httpx.AsyncClient, out_refund_no: str, after_sale_id: int) -> None:
    """WeChat finishes the refund and notifies the mall, which settles the after-sale."""
    assert (await sim.post(f"/sim/refund/{out_refund_no}")).status_code == 200

    async def refunded() -> bool:
        return (await AfterSale.get(id=after_sale_id)).state == "refunded"

    await eventually(refunded)


async def test_return_flow_end_to_end_with_a_partial_wechat_refund(
    client: httpx.AsyncClient, settings, wechat_sim: str, rt: Runtime
) -> None:
    admin = await staff(client)
    async with httpx.AsyncClient(base_url=wechat_sim) as sim:
        order, headers, skus = await discounted_order(client, sim, settings)
        await ship(client, admin, order["id"])
        items = await OrderItem.filter(order_id=order["id"]).order_by("id")
        first = items[0]  # 3 x 33.33, its share of freight and of the 17.77 off

        # Given a return of 2 of the 3 units: the refund is the server's, 2/3 of the paid share
        asked = await ask(client, headers, order["id"], [(first.id, 2)], kind="return_refund")
        assert asked.status_code == 201, asked.text
        after_sale = asked.json()
        assert after_sale["state"] == "pending" and after_sale["type"] == "return_refund"
        assert after_sale["refund_amount"] == first.paid_amount * 2 // 3
        assert after_sale["items"] == [
            {
                "order_item_id": first.id,
                "sku_id": skus[0].id,
                "title": first.title,
                "specs": first.specs,
                "quantity": 2,
                "amount": first.paid_amount * 2 // 3,
            }
        ]
        path = f"/api/admin/after-sales/{after_sale['id']}"

        # Staff cannot approve a return before the shop has a return address
        assert_error(
            await client.post(f"{path}/approve", headers=admin), 409, "return_address_not_set"
        )
        patched = await client.patch(
            "/api/admin/settings", json={"return_address": RETURN_ADDRESS}, headers=admin
        )
        assert patched.status_code == 200, patched.text
        rt.shop.forget()
        approved = await client.post(f"{path}/approve", headers=admin)
        assert approved.status_code == 200, approved.text
        assert approved.json()["state"] == "approved"

        # The customer sees where to send the goods, and sends them
        mine = await client.get(f"/api/v1/after-sales/{after_sale['id']}", headers=headers)
        assert mine.json()["return_address"] == RETURN_ADDRESS
        sent = await client.post(
            f"/api/v1/after-sales/{after_sale['id']}/return",
            json={"carrier_code": "SF", "tracking_no": "SF9876543210"},
            headers=headers,
        )
        assert sent.status_code == 200, sent.text
        assert sent.json()["state"] == "returning"
        assert sent.json()["return_tracking_no"] == "SF9876543210"

        # Staff receive resellable goods: back in stock, and the refund goes to WeChat Pay
        stock_before = (await Sku.get(id=skus[0].id)).stock
        received = await client.post(f"{path}/receive", json={"resellable": True}, headers=admin)
        assert received.status_code == 200, received.text
        body = received.json()
        assert body["state"] == "refunding" and body["resellable"] is True
        assert (await Sku.get(id=skus[0].id)).stock == stock_before + 2
        refund = body["refund"]
        assert refund["amount"] == after_sale["refund_amount"]
        at_wechat = await rt.pay_gateway().query_refund(out_refund_no=refund["out_refund_no"])
        assert (at_wechat.refund_fen, at_wechat.total_fen) == (
            after_sale["refund_amount"],
            order["pay_amount"],
        )
        assert at_wechat.refund_fen is not None and at_wechat.refund_fen < order["pay_amount"]

        # WeChat settles the partial refund and notifies the mall (twice: once counts)
        await settle(sim, refund["out_refund_no"], after_sale["id"])
        again = await sim.post(f"/sim/notify/replay/{refund['out_refund_no']}", json={"times": 2})
        assert again.status_code == 200
        assert (await Sku.get(id=skus[0].id)).stock == stock_before + 2
        # the order keeps its state: not everything is refunded
        assert (await Order.get(id=order["id"])).status == "shipped"
        shown = (await client.get(f"/api/v1/orders/{order['id']}", headers=headers)).json()
        assert (
            shown["items"][0]["after_sale_quantity"],
            shown["items"][0]["refunded_quantity"],
        ) == (2, 2)
        detail = (await client.get(path, headers=admin)).json()
        assert [h["to_state"] for h in detail["history"]] == [
            "pending",
            "approved",
            "returning",
            "refunding",
            "refunded",
        ]
        names = [
            e.name
            for e in await OutboxEvent.filter(channel=f"user:{detail['user_id']}").order_by("id")
            if e.name.startswith("after_sale.")
        ]
        assert names == [
            "after_sale.requested",
            "after_sale.approved",
            "after_sale.returned",
            "after_sale.received",
            "after_sale.refunded",
        ]
        assert await OutboxEvent.filter(name="after_sale.refunded", channel="admin").count() == 1

        # Then everything else is refunded: exactly what was paid, and the order is refunded
        rest = await ask(client, headers, order["id"], [(first.id, 1), (items[1].id, 2)])
        assert rest.status_code == 201, rest.text
        assert after_sale["refund_amount"] + rest.json()["refund_amount"] == order["pay_amount"]
        approved = await client.post(
            f"/api/admin/after-sales/{rest.json()['id']}/approve", headers=admin
        )
        assert approved.status_code == 200, approved.text
        await settle(sim, approved.json()["refund"]["out_refund_no"], rest.json()["id"])
    assert (await Order.get(id=order["id"])).status == "refunded"
    refunded = await RefundRequest.filter(order_id=order["id"], status="refunded")
    assert sum(r.amount for r in refunded) == order["pay_amount"]
    assert await OutboxEvent.filter(name="order.refunded", channel="admin").count() == 1
    # nothing more can be asked for
    assert_error(await ask(client, headers, order["id"], [(first.id, 1)]), 409)


async def test_two_concurrent_after_sales_cannot_take_more_than_an_items_quantity(
    client: httpx.AsyncClient, settings, wechat_sim: str
) -> None:
    async with httpx.AsyncClient(base_url=wechat_sim) as sim:
        order, headers, _ = await discounted_order(client, sim, settings, quantities=(3, 1))
    item = await OrderItem.filter(order_id=order["id"]).order_by("id").first()
    assert item is not None
    answers = await asyncio.gather(
        *(ask(client, headers, order["id"], [(item.id, 2)]) for _ in range(6))
    )
    assert sorted(a.status_code for a in answers) == [201] + [409] * 5
    refused = [a for a in answers if a.status_code == 409]
    assert refused[0].json()["error"]["code"] == "after_sale_quantity_exceeded"
    assert refused[0].json()["error"]["details"]["available"] == 1
    # one unit is left, and ten asking for it at once: one gets it
    answers = await asyncio.gather(
        *(ask(client, headers, order["id"], [(item.id, 1)]) for _ in range(10))
    )
    assert sorted(a.status_code for a in answers) == [201] + [409] * 9
    taken = await OrderItem.get(id=item.id)
    assert (taken.after_sale_quantity, taken.after_sale_amount) == (3, taken.paid_amount)
    amounts = [a.refund_amount for a in await AfterSale.filter(order_id=order["id"])]
    assert sum(amounts) == taken.paid_amount


async def test_without_the_lock_concurrent_after_sales_would_oversell_an_item(
    client: httpx.AsyncClient, settings, wechat_sim: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The race above is real: with the order's lock taken out (a deliberately broken
    variant), the same concurrent requests take more units than the item has."""

    async def unlocked(order_id: int) -> tuple[Order, list[OrderItem]]:
        order = await Order.get(id=order_id)
        return order, list(await OrderItem.filter(order_id=order_id).order_by("id"))

    async with httpx.AsyncClient(base_url=wechat_sim) as sim:
        order, headers, _ = await discounted_order(client, sim, settings, quantities=(1, 1))
    item = await OrderItem.filter(order_id=order["id"]).order_by("id").first()
    assert item is not None
    monkeypatch.setattr(after_sales, "lock_order", unlocked)
    answers = await asyncio.gather(
        *(ask(client, headers, order["id"], [(item.id, 1)]) for _ in range(10))
    )
    granted = [a for a in answers if a.status_code == 201]
    assert len(granted) > 1, "the broken variant did not race: the test proves nothing"


async def test_customers_cancel_pending_after_sales_and_staff_reject_with_a_reason(
    client: httpx.AsyncClient, settings, wechat_sim: str
) -> None:
    admin = await staff(client)
    async with httpx.AsyncClient(base_url=wechat_sim) as sim:
        order, headers, _ = await discounted_order(client, sim, settings, quantities=(2, 1))
    item = await OrderItem.filter(order_id=order["id"]).order_by("id").first()
    assert item is not None
    first = (await ask(client, headers, order["id"], [(item.id, 2)])).json()
    assert_error(await ask(client, headers, order["id"], [(item.id, 1)]), 409)
    cancelled = await client.post(f"/api/v1/after-sales/{first['id']}/cancel", headers=headers)
    assert cancelled.status_code == 200 and cancelled.json()["state"] == "cancelled"
    assert_error(
        await client.post(f"/api/v1/after-sales/{first['id']}/cancel", headers=headers),
        409,
        "invalid_after_sale_state",
    )
    # the units are free again; staff refuse this one
    second = (await ask(client, headers, order["id"], [(item.id, 2)])).json()
    assert second["refund_amount"] == first["refund_amount"]
    rejected = await client.post(
        f"/api/admin/after-sales/{second['id']}/reject", json={"reason": "已过质保"}, headers=admin
    )
    assert rejected.status_code == 200, rejected.text
    assert rejected.json()["reject_reason"] == "已过质保"
    assert (await OrderItem.get(id=item.id)).after_sale_quantity == 0
    # a return is not for goods that never left the shop
    assert_error(
        await ask(client, headers, order["id"], [(item.id, 1)], kind="return_refund"),
        409,
        "invalid_order_state",
    )
    assert_error(await ask(client, headers, order["id"], [(10**9, 1)]), 404, "order_item_not_found")
    # the customer's list, and staff's with filters
    mine = (await client.get("/api/v1/after-sales", headers=headers)).json()
    assert [a["state"] for a in mine["items"]] == ["rejected", "cancelled"]
    listed = await client.get(
        "/api/admin/after-sales", params={"state": "rejected", "type": "refund"}, headers=admin
    )
    assert [a["id"] for a in listed.json()["items"]] == [second["id"]]
    today = datetime.now(UTC).astimezone().date().isoformat()
    tomorrow = (datetime.now(UTC) + timedelta(days=2)).date().isoformat()
    dated = await client.get(
        "/api/admin/after-sales", params={"date_from": tomorrow}, headers=admin
    )
    assert dated.json()["items"] == []
    assert_error(
        await client.get(
            "/api/admin/after-sales",
            params={"date_from": tomorrow, "date_to": today},
            headers=admin,
        ),
        422,
    )


async def test_a_refund_of_an_unshipped_order_puts_its_units_back_in_stock(
    client: httpx.AsyncClient, settings, wechat_sim: str
) -> None:
    admin = await staff(client)
    async with httpx.AsyncClient(base_url=wechat_sim) as sim:
        order, headers, skus = await discounted_order(client, sim, settings, quantities=(4, 1))
        item = await OrderItem.filter(order_id=order["id"]).order_by("id").first()
        assert item is not None
        asked = (await ask(client, headers, order["id"], [(item.id, 3)])).json()
        approved = await client.post(f"/api/admin/after-sales/{asked['id']}/approve", headers=admin)
        assert approved.status_code == 200, approved.text
        assert approved.json()["state"] == "refunding"
        await settle(sim, approved.json()["refund"]["out_refund_no"], asked["id"])
    assert (await Sku.get(id=skus[0].id)).stock == 10 - 4 + 3
    assert (await Order.get(id=order["id"])).status == "paid"


async def test_the_window_closes_days_after_completion(
    client: httpx.AsyncClient, settings, wechat_sim: str
) -> None:
    admin = await staff(client)
    async with httpx.AsyncClient(base_url=wechat_sim) as sim:
        order, headers, _ = await discounted_order(client, sim, settings, discount=0)
    await ship(client, admin, order["id"])
    assert (await client.post(f"/api/v1/orders/{order['id']}/confirm", headers=headers)).is_success
    item = await OrderItem.filter(order_id=order["id"]).order_by("id").first()
    assert item is not None
    await Order.filter(id=order["id"]).update(completed_at=datetime.now(UTC) - timedelta(days=8))
    assert_error(
        await ask(client, headers, order["id"], [(item.id, 1)]), 409, "after_sale_window_closed"
    )
    patched = await client.patch("/api/admin/settings", json={"after_sale_days": 10}, headers=admin)
    assert patched.status_code == 200, patched.text
    await asyncio.sleep(2.1)  # each process caches the settings for 2 s
    assert (await ask(client, headers, order["id"], [(item.id, 1)])).status_code == 201


async def test_the_whole_order_refund_asks_for_what_after_sales_left(
    client: httpx.AsyncClient, settings, wechat_sim: str
) -> None:
    admin = await staff(client)
    async with httpx.AsyncClient(base_url=wechat_sim) as sim:
        order, headers, skus = await discounted_order(client, sim, settings, quantities=(2, 1))
        item = await OrderItem.filter(order_id=order["id"]).order_by("id").first()
        assert item is not None
        asked = (await ask(client, headers, order["id"], [(item.id, 1)])).json()
        # the whole-order refund waits while an after-sale is open
        whole = {"reason": "都不要了"}
        assert_error(
            await client.post(f"/api/v1/orders/{order['id']}/refund", json=whole, headers=headers),
            409,
            "after_sale_in_progress",
        )
        approved = await client.post(f"/api/admin/after-sales/{asked['id']}/approve", headers=admin)
        await settle(sim, approved.json()["refund"]["out_refund_no"], asked["id"])
        resp = await client.post(
            f"/api/v1/orders/{order['id']}/refund", json=whole, headers=headers
        )
        assert resp.status_code == 200, resp.text
        assert resp.json()["refund"]["amount"] == order["pay_amount"] - asked["refund_amount"]
        done = await client.post(f"/api/admin/orders/{order['id']}/refund/approve", headers=admin)
        await sim.post(f"/sim/refund/{done.json()['refund']['out_refund_no']}")

        async def refunded() -> bool:
            return (await Order.get(id=order["id"])).status == "refunded"

        await eventually(refunded)
    # the unit the after-sale refunded went back with it (unshipped); the rest now
    assert [(await Sku.get(id=s.id)).stock for s in skus] == [10, 10]


async def test_staff_refund_some_units_then_the_rest_and_no_client_sets_an_amount(
    client: httpx.AsyncClient, settings, wechat_sim: str
) -> None:
    admin = await staff(client)
    async with httpx.AsyncClient(base_url=wechat_sim) as sim:
        order, headers, _ = await discounted_order(client, sim, settings, quantities=(3, 2))
        await ship(client, admin, order["id"])
        items = await OrderItem.filter(order_id=order["id"]).order_by("id")
        path = f"/api/admin/orders/{order['id']}/refund"
        line = {"order_item_id": items[1].id, "quantity": 1}
        assert_error(
            await client.post(
                path, json={"items": [line], "reason": "破损", "amount": 1}, headers=admin
            ),
            422,
        )
        assert_error(
            await ask_with(client, headers, order["id"], {"refund_amount": 1}),
            422,
        )
        partial = await client.post(path, json={"items": [line], "reason": "破损"}, headers=admin)
        assert partial.status_code == 201, partial.text
        first = partial.json()
        assert first["state"] == "refunding" and first["requested_by"] == "admin:root"
        assert first["refund_amount"] == items[1].paid_amount // 2
        await settle(sim, first["refund"]["out_refund_no"], first["id"])
        assert (await Order.get(id=order["id"])).status == "shipped"

        whole = await client.post(path, json={"reason": "补偿"}, headers=admin)
        assert whole.status_code == 201, whole.text
        rest = whole.json()
        assert {(i["order_item_id"], i["quantity"]) for i in rest["items"]} == {
            (items[0].id, 3),
            (items[1].id, 1),
        }
        assert first["refund_amount"] + rest["refund_amount"] == order["pay_amount"]
        await settle(sim, rest["refund"]["out_refund_no"], rest["id"])
    assert (await Order.get(id=order["id"])).status == "refunded"
    assert_error(await client.post(path, json={"reason": "再退"}, headers=admin), 409)


async def test_staff_cancel_a_paid_unshipped_order_with_a_full_refund(
    client: httpx.AsyncClient, settings, wechat_sim: str
) -> None:
    admin = await staff(client)
    async with httpx.AsyncClient(base_url=wechat_sim) as sim:
        order, headers, skus = await discounted_order(client, sim, settings, quantities=(2, 1))
        # a customer's open after-sale is decided first
        item = await OrderItem.filter(order_id=order["id"]).order_by("id").first()
        assert item is not None
        theirs = (await ask(client, headers, order["id"], [(item.id, 1)])).json()
        assert_error(
            await client.post(f"/api/admin/orders/{order['id']}/cancel", headers=admin),
            409,
            "after_sale_in_progress",
        )
        withdrawn = await client.post(f"/api/v1/after-sales/{theirs['id']}/cancel", headers=headers)
        assert withdrawn.status_code == 200, withdrawn.text
        cancelled = await client.post(f"/api/admin/orders/{order['id']}/cancel", headers=admin)
        assert cancelled.status_code == 200, cancelled.text
        body = cancelled.json()
        assert body["status"] == "paid" and body["refund"]["amount"] == order["pay_amount"]
        # nothing ships while the refund is open
        assert_error(
            await client.post(
                f"/api/admin/orders/{order['id']}/ship",
                json={"carrier_code": "SF", "tracking_no": "SF1234567890"},
                headers=admin,
            ),
            409,
            "after_sale_in_progress",
        )
        (after_sale,) = await AfterSale.filter(order_id=order["id"], requested_by="admin:root")
        await settle(sim, body["refund"]["out_refund_no"], after_sale.id)
    assert (await Order.get(id=order["id"])).status == "refunded"
    assert [(await Sku.get(id=s.id)).stock for s in skus] == [10, 10]
    assert (
        await UserCoupon.filter(
            user_id=(await Order.get(id=order["id"])).user_id, state="claimed"
        ).count()
        == 1
    )

    # a shipped order is not cancelled (its goods are on the way: after-sales are for that)
    async with httpx.AsyncClient(base_url=wechat_sim) as sim:
        shipped, _, _ = await discounted_order(client, sim, settings, discount=0)
    await ship(client, admin, shipped["id"])
    assert_error(
        await client.post(f"/api/admin/orders/{shipped['id']}/cancel", headers=admin),
        409,
        "invalid_order_state",
    )


async def ask_with(
    client: httpx.AsyncClient, headers: dict[str, str], order_id: int, extra: dict[str, Any]
) -> httpx.Response:
    item = await OrderItem.filter(order_id=order_id).order_by("id").first()
    assert item is not None
    body = {
        "type": "refund",
        "items": [{"order_item_id": item.id, "quantity": 1}],
        "reason": "不合适",
        **extra,
    }
    return await client.post(f"/api/v1/orders/{order_id}/after-sales", json=body, headers=headers)
