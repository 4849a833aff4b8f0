"""The shipping sync's backoff and WeChat's settlement push, driven in this process (the
periodic sweep called directly, as a worker calls it)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx

from mall import wechat_jobs
from mall.runtime import Runtime
from mall.shipping import sync
from models import Order, Payment, ShippingSync
from tests.factories import make_product
from tests.wechat_support import customer, paid_order, ship, shop_admin


async def test_a_failed_upload_retries_with_backoff_then_syncs(
    client: httpx.AsyncClient, wechat_sim: str, rt: Runtime
) -> None:
    async with httpx.AsyncClient(base_url=wechat_sim) as sim:
        await sim.post("/sim/wxa-reset")
        admin = await shop_admin(client)
        _, (sku,) = await make_product()
        _, headers, _ = await customer(client)
        order = await paid_order(client, sim, headers, sku.id)
        await sim.post(
            "/sim/fault", json={"api": "upload_shipping_info", "errcode": -1, "times": 2}
        )
        await ship(client, admin, order["id"])

        assert await sync.sync(rt, order_id=order["id"]) == "failed"
        first = await ShippingSync.get(order_id=order["id"])
        assert first.attempts == 1 and first.next_attempt_at is not None
        wait = (first.next_attempt_at - datetime.now(UTC)).total_seconds()
        assert 25 * rt.settings.wechat_retry_scale < wait <= 30 * rt.settings.wechat_retry_scale
        assert await sync.due() == []  # not before its time

        await ShippingSync.filter(id=first.id).update(next_attempt_at=datetime.now(UTC))
        assert (await wechat_jobs.sweep(rt))["shipping"] == 0
        second = await ShippingSync.get(order_id=order["id"])
        assert second.attempts == 2 and second.state == "failed"
        assert (second.next_attempt_at - datetime.now(UTC)) > timedelta(
            seconds=100 * rt.settings.wechat_retry_scale
        )

        await ShippingSync.filter(id=first.id).update(next_attempt_at=datetime.now(UTC))
        assert (await wechat_jobs.sweep(rt))["shipping"] == 1
        done = await ShippingSync.get(order_id=order["id"])
        assert done.state == "synced" and done.error is None and done.attempts == 3

        # The customer confirms receipt in WeChat: the settlement push completes the order.
        tid = (await Payment.get(order_id=order["id"])).transaction_id
        pushed = await sim.post(
            "/sim/push/trade_manage_order_settlement", json={"transaction_id": tid}
        )
        assert pushed.json()["answer"] == "success", pushed.text
        assert (await Order.get(id=order["id"])).status == "completed"
        assert (await ShippingSync.get(order_id=order["id"])).settled_at is not None
