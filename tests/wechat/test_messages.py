"""Subscription messages driven in this process (the worker's steps called directly):
order_expiring before an unpaid order expires, one message per acceptance, 43101."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx

from mall.notify import messages
from mall.runtime import Runtime
from models import Order, SubscribeMessage, SubscriptionGrant
from tests.factories import make_product
from tests.wechat_support import customer, shop_admin

EXPIRING = {
    "order_expiring": {
        "template_id": "TPL_EXPIRING",
        "fields": {"thing1": "goods", "time2": "expires_at", "thing3": "=请尽快支付"},
    }
}


async def test_order_expiring_goes_out_once_before_expiry(
    client: httpx.AsyncClient, wechat_sim: str, rt: Runtime
) -> None:
    admin = await shop_admin(client)
    current = (await client.get("/api/admin/settings", headers=admin)).json()
    put = await client.put(
        "/api/admin/settings",
        json={**current, "subscribe_templates": EXPIRING, "order_expiring_notice_seconds": 600},
        headers=admin,
    )
    assert put.status_code == 200, put.text
    rt.shop.forget()
    _, (sku,) = await make_product()
    user_id, headers, openid = await customer(client)
    async with httpx.AsyncClient(base_url=wechat_sim) as sim:
        await sim.post("/sim/wxa-reset")
        # Two acceptances (the popup twice): still one message for one order's expiry.
        for _ in range(2):
            await sim.post(
                "/sim/push/subscribe_msg_popup_event",
                json={"openid": openid, "accept": ["TPL_EXPIRING"]},
            )
        address = (await client.get("/api/v1/addresses", headers=headers)).json()
        address_id = address[0]["id"] if isinstance(address, list) else address["items"][0]["id"]
        placed = await client.post(
            "/api/v1/orders",
            json={"items": [{"sku_id": sku.id, "quantity": 1}], "address_id": address_id},
            headers=headers,
        )
        order_id = placed.json()["id"]
        assert await messages.collect(rt) == []  # 30 minutes left: not yet
        await Order.filter(id=order_id).update(expires_at=datetime.now(UTC) + timedelta(minutes=5))
        (message_id,) = await messages.collect(rt)
        assert await messages.collect(rt) == []
        assert await messages.send(rt, message_id=message_id) == "sent"
        sent = (await sim.get("/sim/subscribe-messages", params={"openid": openid})).json()
        (message,) = sent["messages"]
        assert (
            message["template_id"] == "TPL_EXPIRING" and message["data"]["thing3"] == "请尽快支付"
        )
        grants = await SubscriptionGrant.filter(user_id=user_id).order_by("id")
        assert [g.state for g in grants] == ["used", "available"]

        # The customer turns the template off in WeChat: 43101 ends the acceptance.
        await sim.post(
            "/sim/push/subscribe_msg_change_event",
            json={"openid": openid, "reject": ["TPL_EXPIRING"]},
        )
        assert [
            g.state for g in await SubscriptionGrant.filter(user_id=user_id).order_by("id")
        ] == [
            "used",
            "revoked",
        ]
        await SubscribeMessage.filter(id=message_id).update(state="pending")
        assert await messages.send(rt, message_id=message_id) == "refused"
        assert (await SubscribeMessage.get(id=message_id)).error.startswith("43101")
