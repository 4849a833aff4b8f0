"""WeChat Pay end to end through the simulator: pay, notifications (and their abuse), refunds."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import load_pem_private_key

from mall.orders import lifecycle
from mall.payments import service as payments
from mall.runtime import Runtime
from mall.wechat.simulator import build_notification, transaction_resource
from models import Order, OutboxEvent, Payment, RefundRequest, Sku, User
from tests.factories import (
    admin_login,
    assert_error,
    bearer,
    make_address,
    make_admin,
    make_buyers,
    make_product,
)

NOTIFY = "/api/v1/payments/wechat/notify"


async def eventually(check: Callable[[], Awaitable[bool]], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not await check():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.02)


async def place_order(
    client: httpx.AsyncClient, settings: Any, *, stock: int = 10, price: int = 12000
) -> tuple[dict, dict, Any]:
    _, (sku,) = await make_product(skus=[({"色": "金"}, price, stock)])
    [(user, headers)] = await make_buyers(settings, 1, prefix=f"payer{time.monotonic_ns()}")
    body = {"items": [{"sku_id": sku.id, "quantity": 1}], "address_id": await make_address(user.id)}
    resp = await client.post("/api/v1/orders", json=body, headers=headers)
    assert resp.status_code == 201, resp.text
    return resp.json(), headers, sku


async def prepay(client: httpx.AsyncClient, order: dict, headers: dict) -> dict:
    resp = await client.post(f"/api/v1/orders/{order['id']}/pay", headers=headers)
    assert resp.status_code == 200, resp.text
    params: dict = resp.json()
    return params


async def status_of(order_id: int) -> str:
    return (await Order.get(id=order_id)).status


async def pay_through_simulator(sim: httpx.AsyncClient, order: dict) -> None:
    """The customer pays; WeChat notifies; the order turns paid."""
    assert (await sim.post(f"/sim/pay/{order['order_no']}")).status_code == 200

    async def paid() -> bool:
        return await status_of(order["id"]) == "paid"

    await eventually(paid)


async def test_pay_end_to_end_and_the_cancellation_never_fires(
    client: httpx.AsyncClient, settings, wechat_sim: str, redis, rt: Runtime
) -> None:
    order, headers, sku = await place_order(client, settings)
    params = await prepay(client, order, headers)
    assert set(params) == {"timeStamp", "nonceStr", "package", "signType", "paySign"}
    assert params["package"].startswith("prepay_id=") and params["signType"] == "RSA"
    again = await prepay(client, order, headers)
    assert again["package"] == params["package"]  # the prepay is reused while valid
    assert await redis.zscore("mall:schedule:{s}:due", f"cancel-unpaid:{order['id']}") is not None

    async with httpx.AsyncClient(base_url=wechat_sim) as sim:
        await pay_through_simulator(sim, order)
    shown = (await client.get(f"/api/v1/orders/{order['id']}", headers=headers)).json()
    assert shown["status"] == "paid" and shown["paid_at"]
    assert await Payment.filter(order_id=order["id"]).count() == 1
    owner = (await Order.get(id=order["id"])).user_id
    names = [e.name for e in await OutboxEvent.filter(channel=f"user:{owner}")]
    assert "order.paid" in names and "payment.succeeded" in names

    # Paying removes the cancellation schedule (right after the commit that marked it paid);
    # the task would also find nothing to do.
    async def unscheduled() -> bool:
        return await redis.zscore("mall:schedule:{s}:due", f"cancel-unpaid:{order['id']}") is None

    await eventually(unscheduled)
    assert await lifecycle.cancel_if_unpaid(rt, order_id=order["id"]) == "settled"
    assert await status_of(order["id"]) == "paid"
    assert (await Sku.get(id=sku.id)).stock == 9
    assert_error(
        await client.post(f"/api/v1/orders/{order['id']}/pay", headers=headers),
        409,
        "invalid_order_state",
    )


async def test_lost_notification_is_settled_by_query(
    client: httpx.AsyncClient, settings, wechat_sim: str
) -> None:
    order, headers, _ = await place_order(client, settings)
    await prepay(client, order, headers)
    async with httpx.AsyncClient(base_url=wechat_sim) as sim:
        resp = await sim.post(f"/sim/pay/{order['order_no']}", json={"notify": False})
        assert resp.status_code == 200
    await asyncio.sleep(0.2)
    assert await status_of(order["id"]) == "pending_payment"
    # Far from expiry a read does not bother WeChat; near expiry it asks and settles.
    far = (await client.get(f"/api/v1/orders/{order['id']}", headers=headers)).json()
    assert far["status"] == "pending_payment"
    await Order.filter(id=order["id"]).update(expires_at=datetime.now(UTC) + timedelta(seconds=30))
    near = (await client.get(f"/api/v1/orders/{order['id']}", headers=headers)).json()
    assert near["status"] == "paid"
    assert await Payment.filter(order_id=order["id"]).count() == 1


async def test_cancellation_task_settles_a_paid_order_instead(
    client: httpx.AsyncClient, settings, wechat_sim: str, rt: Runtime
) -> None:
    order, headers, sku = await place_order(client, settings)
    await prepay(client, order, headers)
    async with httpx.AsyncClient(base_url=wechat_sim) as sim:
        await sim.post(f"/sim/pay/{order['order_no']}", json={"notify": False})
    await Order.filter(id=order["id"]).update(expires_at=datetime.now(UTC) - timedelta(seconds=2))
    assert await lifecycle.cancel_if_unpaid(rt, order_id=order["id"]) == "settled"
    assert await status_of(order["id"]) == "paid"
    assert (await Sku.get(id=sku.id)).stock == 9


async def test_timeout_closes_the_wechat_order_first(
    client: httpx.AsyncClient, settings, wechat_sim: str, rt: Runtime
) -> None:
    order, headers, sku = await place_order(client, settings)
    await prepay(client, order, headers)
    await Order.filter(id=order["id"]).update(expires_at=datetime.now(UTC) - timedelta(seconds=2))
    assert await lifecycle.cancel_if_unpaid(rt, order_id=order["id"]) == "cancelled"
    assert await status_of(order["id"]) == "cancelled"
    assert (await Sku.get(id=sku.id)).stock == 10
    async with httpx.AsyncClient(base_url=wechat_sim) as sim:
        view = (await sim.get(f"/sim/pay/{order['order_no']}")).json()
        assert "CLOSED" in str(view)
        late = await sim.post(f"/sim/pay/{order['order_no']}")
        assert late.status_code == 409  # a closed order cannot be paid any more


async def test_ten_identical_notifications_at_once_record_one_payment(
    client: httpx.AsyncClient, settings, wechat_sim: str
) -> None:
    order, headers, _ = await place_order(client, settings)
    await prepay(client, order, headers)
    async with httpx.AsyncClient(base_url=wechat_sim) as sim:
        await pay_through_simulator(sim, order)
        replay = await sim.post(f"/sim/notify/replay/{order['order_no']}", json={"times": 10})
        assert replay.status_code == 200, replay.text
    statuses = [d["status"] for d in replay.json()["deliveries"]]
    assert len(statuses) == 10 and all(status == 204 for status in statuses), statuses
    assert await Payment.filter(order_id=order["id"]).count() == 1
    assert await OutboxEvent.filter(name="order.paid", channel="admin").count() == 1
    assert await OutboxEvent.filter(name="payment.succeeded", channel="admin").count() == 1


def _keys(settings: Any) -> Any:
    return load_pem_private_key(
        settings.wechat_sim_platform_private_key_path.read_bytes(), password=None
    )


def _notification(settings: Any, order: dict, openid: str, **overrides: Any) -> Any:
    total = overrides.pop("total_fen", order["pay_amount"])
    resource = transaction_resource(
        appid=overrides.pop("appid", settings.wechat_appid),
        mchid=overrides.pop("mchid", settings.wechat_mchid),
        out_trade_no=overrides.pop("out_trade_no", order["order_no"]),
        total_fen=total,
        openid=openid,
    )
    return build_notification(
        event_type="TRANSACTION.SUCCESS",
        resource=resource,
        apiv3_key=overrides.pop("apiv3_key", settings.wechat_pay_apiv3_key),
        sign_with=overrides.pop("sign_with", _keys(settings)),
        public_key_id=settings.wechat_pay_public_key_id,
        **overrides,
    )


async def test_notification_abuse_changes_nothing(
    client: httpx.AsyncClient, settings, wechat_sim: str
) -> None:
    order, headers, sku = await place_order(client, settings)
    await prepay(client, order, headers)
    owner = await User.get(id=(await Order.get(id=order["id"])).user_id)
    openid = owner.openid
    other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)

    forged = _notification(settings, order, openid, sign_with=other_key)
    stale = _notification(settings, order, openid, timestamp=int(time.time()) - 3600)
    wrong_amount = _notification(settings, order, openid, total_fen=1)
    unknown = _notification(settings, order, openid, out_trade_no="20990101000000123456")
    wrong_mch = _notification(settings, order, openid, mchid="1230000109")
    genuine = _notification(settings, order, openid)
    tampered_body = genuine.body.replace(b'"ciphertext":"', b'"ciphertext":"AAAA')
    cases = [
        (forged.headers, forged.body),
        (stale.headers, stale.body),
        (genuine.headers, tampered_body),
        (wrong_amount.headers, wrong_amount.body),
        (unknown.headers, unknown.body),
        (wrong_mch.headers, wrong_mch.body),
        ({}, genuine.body),
        (genuine.headers, b"not json at all"),
        (genuine.headers, b""),
    ]
    for hdrs, body in cases:
        resp = await client.post(NOTIFY, content=body, headers=hdrs)
        assert 400 <= resp.status_code < 500, (resp.status_code, resp.text)
        assert resp.json()["code"] == "FAIL" and resp.json()["message"]
    assert await status_of(order["id"]) == "pending_payment"
    assert await Payment.all().count() == 0
    assert await OutboxEvent.filter(name="order.paid").count() == 0
    assert (await Sku.get(id=sku.id)).stock == 9


async def test_payment_for_a_cancelled_order_is_refunded_automatically(
    client: httpx.AsyncClient, settings, wechat_sim: str, rt: Runtime
) -> None:
    order, headers, sku = await place_order(client, settings)
    await prepay(client, order, headers)
    cancelled = await client.post(f"/api/v1/orders/{order['id']}/cancel", headers=headers)
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    async with httpx.AsyncClient(base_url=wechat_sim) as sim:
        # The payment completes just as the order closes: WeChat still notifies.
        late = await sim.post(f"/sim/pay/{order['order_no']}", json={"force": True})
        assert late.status_code == 200, late.text

        async def recorded() -> bool:
            return await RefundRequest.filter(order_id=order["id"], automatic=True).exists()

        await eventually(recorded)
        refund = await RefundRequest.get(order_id=order["id"], automatic=True)
        # The worker runs this task in production; run the same service call here.
        refund = await payments.process_refund(rt, refund_id=refund.id)
        assert refund.status in ("refunding", "refunded")
        if refund.status == "refunding":
            await sim.post(f"/sim/refund/{refund.out_refund_no}")

            async def refunded() -> bool:
                return (await RefundRequest.get(id=refund.id)).status == "refunded"

            await eventually(refunded)
    final = await Order.get(id=order["id"])
    assert final.status == "cancelled"
    assert (await Sku.get(id=sku.id)).stock == 10  # restored once, by the cancel
    payment = await Payment.get(order_id=order["id"])
    assert payment.unexpected is True


async def test_refund_end_to_end_with_duplicate_refund_notification(
    client: httpx.AsyncClient, settings, wechat_sim: str
) -> None:
    await make_admin("root")
    admin = bearer((await admin_login(client))["access_token"])
    order, headers, sku = await place_order(client, settings)
    await prepay(client, order, headers)
    async with httpx.AsyncClient(base_url=wechat_sim) as sim:
        await pay_through_simulator(sim, order)
        asked = await client.post(
            f"/api/v1/orders/{order['id']}/refund", json={"reason": "尺码不合适"}, headers=headers
        )
        assert asked.status_code == 200 and asked.json()["status"] == "refunding"
        approved = await client.post(
            f"/api/admin/orders/{order['id']}/refund/approve", headers=admin
        )
        assert approved.status_code == 200, approved.text
        refund = approved.json()["refund"]
        assert refund["status"] in ("refunding", "refunded")
        await sim.post(f"/sim/refund/{refund['out_refund_no']}")

        async def refunded() -> bool:
            return await status_of(order["id"]) == "refunded"

        await eventually(refunded)
        again = await sim.post(f"/sim/notify/replay/{refund['out_refund_no']}", json={"times": 2})
        assert again.status_code == 200
    assert (await Sku.get(id=sku.id)).stock == 10  # restored exactly once
    assert await OutboxEvent.filter(name="order.refunded", channel="admin").count() == 1
    history = (await client.get(f"/api/admin/orders/{order['id']}", headers=admin)).json()
    assert [h["to_status"] for h in history["history"]] == [
        "pending_payment",
        "paid",
        "refunding",
        "refunded",
    ]


async def test_failed_refund_is_visible_and_can_be_retried(
    client: httpx.AsyncClient, settings, wechat_sim: str
) -> None:
    await make_admin("root")
    admin = bearer((await admin_login(client))["access_token"])
    order, headers, _ = await place_order(client, settings)
    await prepay(client, order, headers)
    async with httpx.AsyncClient(base_url=wechat_sim) as sim:
        await pay_through_simulator(sim, order)
        await client.post(
            f"/api/v1/orders/{order['id']}/refund", json={"reason": "坏了"}, headers=headers
        )
        fault = await sim.post(
            "/sim/fault",
            json={
                "api": "refund",
                "status": 403,
                "code": "NOT_ENOUGH",
                "message": "余额不足",
                "times": 1,
            },
        )
        assert fault.status_code in (200, 204), fault.text
        first = await client.post(f"/api/admin/orders/{order['id']}/refund/approve", headers=admin)
        assert first.status_code == 200
        assert first.json()["refund"]["status"] == "failed"
        assert "NOT_ENOUGH" in first.json()["refund"]["failure"]
        assert (await client.get("/api/admin/stats/overview", headers=admin)).json()[
            "pending_refunds"
        ] == 1
        second = await client.post(f"/api/admin/orders/{order['id']}/refund/approve", headers=admin)
        assert second.status_code == 200
        refund = second.json()["refund"]
        assert refund["status"] in ("refunding", "refunded")
        await sim.post(f"/sim/refund/{refund['out_refund_no']}")

        async def refunded() -> bool:
            return await status_of(order["id"]) == "refunded"

        await eventually(refunded)


async def test_pay_refuses_what_cannot_be_paid(client: httpx.AsyncClient, settings) -> None:
    order, headers, _ = await place_order(client, settings)
    await Order.filter(id=order["id"]).update(expires_at=datetime.now(UTC) + timedelta(seconds=1))
    assert_error(
        await client.post(f"/api/v1/orders/{order['id']}/pay", headers=headers),
        409,
        "order_expired",
    )
    await client.post(f"/api/v1/orders/{order['id']}/cancel", headers=headers)
    assert_error(
        await client.post(f"/api/v1/orders/{order['id']}/pay", headers=headers),
        409,
        "invalid_order_state",
    )
