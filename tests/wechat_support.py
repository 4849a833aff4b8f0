"""Shop, customer and order steps the WeChat tests share (through the API and the simulator)."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from models import Order, Payment, User
from tests.factories import admin_login, bearer, login, make_address, make_admin
from tests.processes import wait_until

WITHIN = 15.0


async def shop_admin(client: httpx.AsyncClient) -> dict[str, str]:
    await make_admin("root")
    return bearer((await admin_login(client))["access_token"])


async def customer(client: httpx.AsyncClient) -> tuple[int, dict[str, str], str]:
    session = await login(client, f"c{uuid.uuid4().hex[:10]}")
    user_id = session["user"]["id"]
    await make_address(user_id)
    openid = (await User.get(id=user_id)).openid
    return user_id, bearer(session["access_token"]), openid


async def paid_order(
    client: httpx.AsyncClient, sim: httpx.AsyncClient, headers: dict[str, str], sku_id: int
) -> dict[str, Any]:
    """Ordered, paid through WeChat Pay (the simulator notifies the app), and paid."""
    me = await client.get("/api/v1/addresses", headers=headers)
    address_id = me.json()[0]["id"] if isinstance(me.json(), list) else me.json()["items"][0]["id"]
    placed = await client.post(
        "/api/v1/orders",
        json={"items": [{"sku_id": sku_id, "quantity": 1}], "address_id": address_id},
        headers=headers,
    )
    assert placed.status_code == 201, placed.text
    order: dict[str, Any] = placed.json()
    assert (
        await client.post(f"/api/v1/orders/{order['id']}/pay", headers=headers)
    ).status_code == 200
    assert (await sim.post(f"/sim/pay/{order['order_no']}")).status_code == 200

    async def paid() -> bool:
        return (await Order.get(id=order["id"])).status == "paid"

    await wait_until(paid, timeout=WITHIN, what="order paid")
    return order


async def ship(
    client: httpx.AsyncClient, admin: dict[str, str], order_id: int, carrier: str = "SF"
) -> dict[str, Any]:
    resp = await client.post(
        f"/api/admin/orders/{order_id}/ship",
        json={"carrier_code": carrier, "tracking_no": f"{carrier}1234567890"},
        headers=admin,
    )
    assert resp.status_code == 200, resp.text
    body: dict[str, Any] = resp.json()
    return body


async def transaction_of(order_id: int) -> str:
    return (await Payment.get(order_id=order_id)).transaction_id
