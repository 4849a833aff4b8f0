"""Staff's order operations through the admin API: remark and address, price adjustment
(the old WeChat trade can never be paid), batch shipping from CSV."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

import httpx
import pytest

from mall.orders import transitions
from mall.payments import service as payments
from mall.runtime import Runtime
from models import AdminLog, Order, OrderHistory, OutboxEvent, Payment, RefundRequest
from tests.factories import (
    admin_login,
    assert_error,
    bearer,
    make_address,
    make_admin,
    make_buyers,
    make_product,
)

NEW_ADDRESS = {
    "name": "李四",
    "phone": "13900139000",
    "province": "浙江省",
    "city": "杭州市",
    "district": "西湖区",
    "detail": "文三路1号",
}


async def eventually(check: Callable[[], Awaitable[bool]], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not await check():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.02)


async def staff(client: httpx.AsyncClient) -> dict[str, str]:
    await make_admin("root")
    return bearer((await admin_login(client))["access_token"])


async def placed(
    client: httpx.AsyncClient, settings, sku_id: int, prefix: str, *, paid: bool = False
) -> tuple[dict, dict]:
    [(user, headers)] = await make_buyers(settings, 1, prefix=f"{prefix}{time.monotonic_ns()}")
    resp = await client.post(
        "/api/v1/orders",
        json={
            "items": [{"sku_id": sku_id, "quantity": 1}],
            "address_id": await make_address(user.id),
        },
        headers=headers,
    )
    assert resp.status_code == 201, resp.text
    order = resp.json()
    if paid:
        db_order = await Order.get(id=order["id"])
        await transitions.mark_paid(order=db_order, paid_at=datetime.now(UTC), actor="test")
    return order, headers


async def test_staff_remark_and_address_change_until_the_order_ships(
    client: httpx.AsyncClient, settings
) -> None:
    admin = await staff(client)
    _, (sku,) = await make_product()
    order, customer = await placed(client, settings, sku.id, "addr", paid=True)
    url = f"/api/admin/orders/{order['id']}"

    remarked = await client.patch(url, json={"staff_remark": "客户要求周末送"}, headers=admin)
    assert remarked.status_code == 200, remarked.text
    assert remarked.json()["staff_remark"] == "客户要求周末送"
    mine = (await client.get(f"/api/v1/orders/{order['id']}", headers=customer)).json()
    assert "staff_remark" not in mine

    moved = await client.patch(url, json={"address": NEW_ADDRESS}, headers=admin)
    assert moved.status_code == 200, moved.text
    assert moved.json()["address"] == NEW_ADDRESS
    assert moved.json()["staff_remark"] == "客户要求周末送"  # left out: kept
    [note] = [h for h in moved.json()["history"] if h["from_status"] == h["to_status"]]
    assert note["actor"] == "admin:root" and "杭州市" in note["note"] and "广州市" in note["note"]
    updated = await OutboxEvent.filter(name="order.updated", channel="admin").values_list(
        "data", flat=True
    )
    assert [d["changed"] for d in updated] == [["address"]]  # type: ignore[index]
    user_channel = f"user:{moved.json()['user_id']}"
    assert await OutboxEvent.filter(name="order.updated", channel=user_channel).count() == 1
    logs = await AdminLog.filter(action="order.update").order_by("id")
    assert [sorted(log.detail) for log in logs] == [["staff_remark"], ["address"]]
    assert logs[1].detail["address"]["new"]["province"] == "浙江省"

    shipped = await client.post(
        f"{url}/ship", json={"carrier_code": "SF", "tracking_no": "SF1"}, headers=admin
    )
    assert shipped.status_code == 200, shipped.text
    late = await client.patch(
        url, json={"address": NEW_ADDRESS | {"city": "宁波市"}}, headers=admin
    )
    body = assert_error(late, 409, "invalid_order_state")
    assert body["details"] == {"status": "shipped"}
    assert (await Order.get(id=order["id"])).address["city"] == "杭州市"
    # the remark stays editable
    again = await client.patch(url, json={"staff_remark": ""}, headers=admin)
    assert again.status_code == 200 and again.json()["staff_remark"] == ""

    assert_error(await client.patch(url, json={}, headers=admin), 422)
    assert_error(await client.patch(url, json={"staff_remark": None}, headers=admin), 422)
    bad_phone = NEW_ADDRESS | {"phone": "call me"}
    assert_error(await client.patch(url, json={"address": bad_phone}, headers=admin), 422)
    assert_error(
        await client.patch("/api/admin/orders/999999", json={"staff_remark": "x"}, headers=admin),
        404,
        "order_not_found",
    )


async def test_address_change_and_shipping_racing_never_both_win(
    client: httpx.AsyncClient, settings
) -> None:
    admin = await staff(client)
    _, (sku,) = await make_product(skus=[({"型": "R"}, 1000, 50)])
    for round_ in range(5):
        order, _ = await placed(client, settings, sku.id, f"race{round_}", paid=True)
        url = f"/api/admin/orders/{order['id']}"
        patch, ship = await asyncio.gather(
            client.patch(url, json={"address": NEW_ADDRESS}, headers=admin),
            client.post(
                f"{url}/ship", json={"carrier_code": "SF", "tracking_no": "SF9"}, headers=admin
            ),
        )
        assert ship.status_code == 200, ship.text
        final = await Order.get(id=order["id"])
        changed = await OrderHistory.filter(
            order_id=order["id"], note__startswith="address"
        ).exists()
        if patch.status_code == 200:
            # it came first: the parcel ships to the new address
            assert final.address["city"] == "杭州市" and changed
        else:
            assert_error(patch, 409, "invalid_order_state")
            assert final.address["city"] == "广州市" and not changed


async def test_adjusted_price_leaves_the_old_prepay_unpayable(
    client: httpx.AsyncClient, settings, wechat_sim: str, rt: Runtime
) -> None:
    admin = await staff(client)
    _, (sku,) = await make_product(skus=[({"色": "金"}, 12000, 10)])
    order, customer = await placed(client, settings, sku.id, "haggle")
    old_amount = order["pay_amount"]
    first = await client.post(f"/api/v1/orders/{order['id']}/pay", headers=customer)
    assert first.status_code == 200, first.text

    adjusted = await client.post(
        f"/api/admin/orders/{order['id']}/adjust-price",
        json={"pay_amount": 9900, "reason": "老客户优惠"},
        headers=admin,
    )
    assert adjusted.status_code == 200, adjusted.text
    out = adjusted.json()
    assert out["pay_amount"] == 9900 and out["status"] == "pending_payment"
    assert out["adjust_amount"] == 9900 - old_amount
    assert (
        out["goods_amount"] + out["freight_amount"] - out["discount_amount"] + out["adjust_amount"]
        == 9900
    )
    new_trade = out["out_trade_no"]
    assert new_trade != order["order_no"]
    [adjustment] = out["price_adjustments"]
    assert adjustment == adjustment | {
        "old_pay_amount": old_amount,
        "new_pay_amount": 9900,
        "old_out_trade_no": order["order_no"],
        "new_out_trade_no": new_trade,
        "reason": "老客户优惠",
        "actor": "admin:root",
    }
    assert await AdminLog.filter(action="order.adjust_price").count() == 1
    assert await OutboxEvent.filter(
        name="order.updated", channel=f"user:{out['user_id']}", data__contains={"pay_amount": 9900}
    ).exists()
    mine = (await client.get(f"/api/v1/orders/{order['id']}", headers=customer)).json()
    assert mine["pay_amount"] == 9900

    async with httpx.AsyncClient(base_url=wechat_sim) as sim:
        # WeChat closed the old trade: the customer cannot pay the old amount
        refused = await sim.post(f"/sim/pay/{order['order_no']}")
        assert refused.status_code == 409, refused.text
        assert refused.json()["code"] == "ORDER_CLOSED"
        view = (await sim.get(f"/sim/pay/{order['order_no']}")).json()
        assert view["order"]["trade_state"] == "CLOSED"

        # and when WeChat's race lets the old payment through, the money goes back
        late = await sim.post(f"/sim/pay/{order['order_no']}", json={"force": True})
        assert late.status_code == 200, late.text

        async def refund_recorded() -> bool:
            return await RefundRequest.filter(order_id=order["id"], automatic=True).exists()

        await eventually(refund_recorded)
        assert (await Order.get(id=order["id"])).status == "pending_payment"
        refund = await RefundRequest.get(order_id=order["id"], automatic=True)
        assert refund.amount == old_amount
        refund = await payments.process_refund(rt, refund_id=refund.id)
        assert refund.status in ("refunding", "refunded"), refund.failure
        old_view = (await sim.get(f"/sim/pay/{order['order_no']}")).json()
        assert [r["amount"]["refund"] for r in old_view["refunds"]] == [old_amount]

        # the new trade, at the new price, is the one that pays the order
        second = await client.post(f"/api/v1/orders/{order['id']}/pay", headers=customer)
        assert second.status_code == 200, second.text
        assert second.json()["package"] != first.json()["package"]
        paid = await sim.post(f"/sim/pay/{new_trade}")
        assert paid.status_code == 200, paid.text

        async def order_paid() -> bool:
            return (await Order.get(id=order["id"])).status == "paid"

        await eventually(order_paid)
    payments_made = {
        p.out_trade_no: (p.amount, p.unexpected) for p in await Payment.filter(order_id=order["id"])
    }
    assert payments_made == {order["order_no"]: (old_amount, True), new_trade: (9900, False)}
    again = await client.post(
        f"/api/admin/orders/{order['id']}/adjust-price",
        json={"pay_amount": 100, "reason": "再改"},
        headers=admin,
    )
    assert assert_error(again, 409, "invalid_order_state")["details"] == {"status": "paid"}


async def test_adjust_price_twice_and_its_refusals(
    client: httpx.AsyncClient, settings, wechat_sim: str
) -> None:
    admin = await staff(client)
    _, (sku,) = await make_product(skus=[({"色": "银"}, 5000, 10)])
    order, customer = await placed(client, settings, sku.id, "twice")
    url = f"/api/admin/orders/{order['id']}/adjust-price"
    trades = []
    for amount in (4000, 4500):
        # each adjustment closes a prepay the customer had opened
        assert (await client.post(f"/api/v1/orders/{order['id']}/pay", headers=customer)).is_success
        resp = await client.post(url, json={"pay_amount": amount, "reason": "改价"}, headers=admin)
        assert resp.status_code == 200, resp.text
        trades.append(resp.json()["out_trade_no"])
    assert len(set(trades)) == 2 and order["order_no"] not in trades
    async with httpx.AsyncClient(base_url=wechat_sim) as sim:
        for closed in (order["order_no"], trades[0]):
            assert (await sim.post(f"/sim/pay/{closed}")).status_code == 409
    detail = (await client.get(f"/api/admin/orders/{order['id']}", headers=admin)).json()
    assert [a["new_pay_amount"] for a in detail["price_adjustments"]] == [4000, 4500]
    assert detail["adjust_amount"] == 4500 - order["pay_amount"]
    # What after-sales refund from: the items' paid amounts are the adjusted price.
    assert sum(item["paid_amount"] for item in detail["items"]) == 4500
    assert sum(item["adjust_share"] for item in detail["items"]) == detail["adjust_amount"]

    for body in ({"pay_amount": 0, "reason": "x"}, {"pay_amount": 100}, {"pay_amount": "1"}):
        assert_error(await client.post(url, json=body, headers=admin), 422)
    assert_error(
        await client.post(
            "/api/admin/orders/999999/adjust-price",
            json={"pay_amount": 100, "reason": "x"},
            headers=admin,
        ),
        404,
    )
    await make_admin("clerk", superuser=False, permissions=["orders.read", "orders.write"])
    clerk = bearer((await admin_login(client, "clerk"))["access_token"])
    refused = await client.post(url, json={"pay_amount": 100, "reason": "x"}, headers=clerk)
    assert_error(refused, 403)
    assert (await Order.get(id=order["id"])).pay_amount == 4500


async def test_ship_batch_reports_bad_rows_and_ships_the_rest(
    client: httpx.AsyncClient, settings
) -> None:
    admin = await staff(client)
    _, (sku,) = await make_product(skus=[({"型": "B"}, 1000, 50)])
    first, second, third = [
        (await placed(client, settings, sku.id, f"batch{i}", paid=True))[0] for i in range(3)
    ]
    unpaid, _ = await placed(client, settings, sku.id, "batch-unpaid")
    csv_text = "\r\n".join(
        [
            "order_no,carrier_code,tracking_no",
            f"{first['order_no']},SF,SF100",
            f"{second['order_no']},YTO,YT200",
            "20990101000000000000,SF,SF1",
            f"{third['order_no']},NOPE,123",
            f"{unpaid['order_no']},SF,SF4",
            f"{first['order_no']},SF,SF100",
            f"{third['order_no']},SF",
            "",
            f"{third['order_no']},SF,bad tracking!",
        ]
    )
    # Excel's "CSV UTF-8": a BOM first
    resp = await client.post(
        "/api/admin/orders/ship-batch",
        files={"file": ("ship.csv", ("\ufeff" + csv_text).encode(), "text/csv")},
        headers=admin,
    )
    assert resp.status_code == 200, resp.text
    out = resp.json()
    assert (out["shipped"], out["failed"]) == (2, 6)
    summary = [
        (r["row"], r["result"], r["error"]["code"] if r["error"] else None) for r in out["rows"]
    ]
    assert summary == [
        (2, "shipped", None),
        (3, "shipped", None),
        (4, "failed", "order_not_found"),
        (5, "failed", "validation_error"),  # not one of WeChat's carriers
        (6, "failed", "invalid_order_state"),
        (7, "failed", "invalid_order_state"),  # shipped two rows up
        (8, "failed", "validation_error"),
        (10, "failed", "validation_error"),
    ]
    assert out["rows"][3]["error"]["details"][0]["type"] == "unknown_carrier"
    assert out["rows"][4]["error"]["details"] == {"status": "pending_payment"}
    statuses = {o["id"]: (await Order.get(id=o["id"])).status for o in (first, second, third)}
    assert statuses == {first["id"]: "shipped", second["id"]: "shipped", third["id"]: "paid"}
    detail = (await client.get(f"/api/admin/orders/{second['id']}", headers=admin)).json()
    assert detail["shipment"]["tracking_no"] == "YT200"
    assert detail["history"][-1]["actor"] == "admin:root"
    assert await AdminLog.filter(action="order.ship").count() == 2
    assert await AdminLog.filter(action="order.ship_batch").count() == 1
    assert await OutboxEvent.filter(name="order.shipped", channel="admin").count() == 2

    # as Excel in China saves "CSV" (GB18030), no header row
    gbk = f"{third['order_no']},EMS,E300\r\n不存在的订单,EMS,E1\r\n".encode("gb18030")
    resp = await client.post(
        "/api/admin/orders/ship-batch", files={"file": ("发货.csv", gbk)}, headers=admin
    )
    assert resp.status_code == 200, resp.text
    rows = resp.json()["rows"]
    assert [(r["order_no"], r["result"]) for r in rows] == [
        (third["order_no"], "shipped"),
        ("不存在的订单", "failed"),
    ]

    async def upload(content: bytes) -> httpx.Response:
        return await client.post(
            "/api/admin/orders/ship-batch", files={"file": ("x.csv", content)}, headers=admin
        )

    for content in (b"order_no,carrier_code,tracking_no\r\n", b"", b"\xff\xfe\x00\x00garbage"):
        assert assert_error(await upload(content), 422)["details"][0]["type"] == "csv"
    not_a_file = await client.post(
        "/api/admin/orders/ship-batch", json={"file": "a,b,c"}, headers=admin
    )
    assert assert_error(not_a_file, 422)["details"][0]["type"] == "missing"
    await make_admin("viewer", superuser=False, permissions=["orders.read"])
    viewer = bearer((await admin_login(client, "viewer"))["access_token"])
    forbidden = await client.post(
        "/api/admin/orders/ship-batch", files={"file": ("x.csv", gbk)}, headers=viewer
    )
    assert_error(forbidden, 403)


async def test_price_adjustment_racing_the_customer_never_leaves_the_old_amount_payable(
    client: httpx.AsyncClient, settings, wechat_sim: str
) -> None:
    admin = await staff(client)
    _, (sku,) = await make_product(skus=[({"色": "灰"}, 8000, 50)])
    async with httpx.AsyncClient(base_url=wechat_sim) as sim:
        for round_ in range(4):
            order, customer = await placed(client, settings, sku.id, f"rush{round_}")
            if round_ % 2:  # a prepay already open, or not yet
                assert (
                    await client.post(f"/api/v1/orders/{order['id']}/pay", headers=customer)
                ).is_success
            pay, adjust, again = await asyncio.gather(
                client.post(f"/api/v1/orders/{order['id']}/pay", headers=customer),
                client.post(
                    f"/api/admin/orders/{order['id']}/adjust-price",
                    json={"pay_amount": 5000, "reason": "议价"},
                    headers=admin,
                ),
                client.post(
                    f"/api/admin/orders/{order['id']}/adjust-price",
                    json={"pay_amount": 6000, "reason": "议价"},
                    headers=admin,
                ),
            )
            assert pay.status_code in (200, 409, 502), pay.text
            won = [r for r in (adjust, again) if r.status_code == 200]
            for lost in (r for r in (adjust, again) if r.status_code != 200):
                assert_error(lost, 409)
            final = await Order.get(id=order["id"])
            adjustments = (
                await client.get(f"/api/admin/orders/{order['id']}", headers=admin)
            ).json()["price_adjustments"]
            # each adjustment that answered 200 is recorded, in the order they won
            assert len(adjustments) == len(won)
            if adjustments:
                assert final.pay_amount == adjustments[-1]["new_pay_amount"]
            # whatever the customer was handed, only the current amount can be paid:
            # every earlier trade is closed (or never opened) at WeChat
            for old in [a["old_out_trade_no"] for a in adjustments]:
                view = await sim.get(f"/sim/pay/{old}")
                if view.status_code == 200:
                    assert view.json()["order"]["trade_state"] == "CLOSED", view.text
            paid = await client.post(f"/api/v1/orders/{order['id']}/pay", headers=customer)
            assert paid.status_code == 200, paid.text
            current = final.out_trade_no or final.order_no
            view = (await sim.get(f"/sim/pay/{current}")).json()
            assert view["order"]["amount"]["total"] == final.pay_amount


async def test_a_malformed_upload_is_a_422_and_logs_no_error(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    admin = await staff(client)
    bodies = [
        ("multipart/form-data", b"order_no,carrier_code,tracking_no\r\n"),  # no boundary
        ("multipart/form-data; boundary=xyz", b"--xyz\r\nno colon here\r\n\r\nx\r\n--xyz--\r\n"),
        ("multipart/form-data; boundary=xyz", b"\x00\xff garbage"),
        ("text/csv", b"1,SF,SF1\r\n"),
    ]
    with caplog.at_level(logging.ERROR):
        for content_type, body in bodies:
            resp = await client.post(
                "/api/admin/orders/ship-batch",
                content=body,
                headers={**admin, "Content-Type": content_type},
            )
            error = assert_error(resp, 422)
            assert error["details"][0]["field"] == "file", error
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []
