"""The operator console in a real browser: staff run the shop from /admin/, live.

Headless Chromium from Debian under Playwright, against the real app, the WeChat
simulator, PostgreSQL and Redis; customers act through the mini-program API and their
own websockets. One browser for the module, a fresh context (one console) per operator.
MALL_TEST_SCREENSHOTS=<dir> keeps a screenshot of each screen there.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import httpx
import websockets

from tests.browser_support import (
    PHONE,
    expect,
    needs_browser,
    new_context,
    open_console,
    pay,
    place_order,
    shots_dir,
    until_status,
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

pytestmark = needs_browser


async def paid_order(
    client: httpx.AsyncClient, sim: httpx.AsyncClient, settings: Any, *, stock: int = 50
) -> tuple[dict[str, Any], dict[str, str], Any]:
    """A customer's order, paid through the simulator: (order, customer headers, sku)."""
    _, (sku,) = await make_product(title="纯棉T恤", skus=[({"颜色": "白"}, 4900, stock)])
    [(buyer, headers)] = await make_buyers(settings, 1)
    address_id = await make_address(buyer.id)
    order = await place_order(client, headers, address_id, sku.id)
    await pay(client, sim, headers, order)
    return order, headers, sku


def ws_url(base_url: str, path: str, token: str) -> str:
    return base_url.replace("http://", "ws://") + f"{path}?token={token}"


async def next_event(ws: Any, name: str, timeout: float = 8.0) -> dict[str, Any]:
    """The next event called `name` on a socket (others are skipped)."""

    async def read() -> dict[str, Any]:
        while True:
            message: dict[str, Any] = json.loads(await ws.recv())
            if message.get("type") == "event" and message["event"] == name:
                return message

    return await asyncio.wait_for(read(), timeout)


async def test_an_order_shipped_in_one_console_shows_shipped_in_another(
    browser: Any,
    base_url: str,
    client: httpx.AsyncClient,
    sim: httpx.AsyncClient,
    settings: Any,
    tmp_path: Path,
) -> None:
    # Given a paid order and two operators, each with the console open on it
    await make_admin("root")
    await make_admin("ops")
    order, _, _ = await paid_order(client, sim, settings)
    first_ctx = await new_context(browser, base_url)
    second_ctx = await new_context(browser, base_url)
    try:
        first, first_errors = await open_console(
            first_ctx, "root", f"/admin/#/orders/{order['id']}"
        )
        second, second_errors = await open_console(second_ctx, "ops", "/admin/#/orders")
        drawer = first.locator(f'#drawer[data-order-id="{order["id"]}"]')
        await expect(drawer).to_have_attribute("data-status", "paid")
        await expect(drawer.locator('[data-section="items"]')).to_contain_text("纯棉T恤")
        await expect(drawer.locator('[data-section="address"]')).to_contain_text("新港中路397号")
        row = second.locator(f'#order-list tr[data-order-id="{order["id"]}"]')
        await expect(row).to_have_attribute("data-status", "paid")
        await second.evaluate("window.sameDocument = true")
        # ... and the second one opens the ship dialog too, a moment late
        await second.click(f'#order-list tr[data-order-id="{order["id"]}"]')
        await second.click('#drawer [data-action="ship"]')
        await expect(second.locator('dialog[data-dialog="ship"]')).to_be_visible()

        # When the first ships it with a carrier and tracking number
        await first.click('#drawer [data-action="ship"]')
        dialog = first.locator('dialog[data-dialog="ship"]')
        await dialog.locator('[name="carrier"]').fill("顺丰速运")
        await dialog.locator('[name="tracking_no"]').fill("SF1234567890")
        await dialog.locator('[data-role="submit"]').click()

        # Then its drawer shows the shipment and no ship button any more
        await expect(drawer).to_have_attribute("data-status", "shipped")
        await expect(drawer.locator('[data-section="shipment"]')).to_contain_text("SF1234567890")
        await expect(drawer.locator('[data-action="ship"]')).to_have_count(0)
        # ... the other console shows it shipped, in the list, without a reload
        await expect(row).to_have_attribute("data-status", "shipped")
        await expect(row.locator(".badge")).to_have_text("已发货 Shipped")
        assert await second.evaluate("window.sameDocument") is True
        # ... and the second operator's late attempt gets the server's 409, as it says it
        late = second.locator('dialog[data-dialog="ship"]')
        await late.locator('[name="carrier"]').fill("中通快递")
        await late.locator('[name="tracking_no"]').fill("ZT1")
        await late.locator('[data-role="submit"]').click()
        refused = late.locator("[data-error]")
        await expect(refused).to_have_attribute("data-status", "409")
        await expect(refused).to_contain_text("shipped")
        await late.locator("button", has_text="取消").click()
        await expect(second.locator('#drawer [data-section="shipment"]')).to_contain_text(
            "SF1234567890"
        )
        await expect(second.locator('#drawer [data-action="ship"]')).to_have_count(0)
        shots = shots_dir(tmp_path)
        await first.screenshot(path=str(shots / "console-order.png"))
        await second.locator("#drawer .drawer-close").click()
        await expect(second.locator("#drawer")).to_have_count(0)
        assert second.url.endswith("#/orders")
        await second.screenshot(path=str(shots / "console-orders.png"))
        assert first_errors.unexpected() == []
        assert second_errors.unexpected("409 (Conflict)") == []
    finally:
        await first_ctx.close()
        await second_ctx.close()


async def test_a_refund_approved_in_the_console_reaches_the_customers_socket(
    context: Any,
    base_url: str,
    client: httpx.AsyncClient,
    sim: httpx.AsyncClient,
    settings: Any,
) -> None:
    # Given a paid order whose customer asks for a refund, watching their own socket
    await make_admin("root")
    order, headers, sku = await paid_order(client, sim, settings)
    token = headers["Authorization"].split()[1]
    async with websockets.connect(ws_url(base_url, "/ws", token)) as customer:
        page, errors = await open_console(context, "root", "/admin/#/orders?status=refunding")
        asked = await client.post(
            f"/api/v1/orders/{order['id']}/refund", json={"reason": "尺码不合适"}, headers=headers
        )
        assert asked.status_code == 200, asked.text
        # ... which the console lists as it happens
        row = page.locator(f'#order-list tr[data-order-id="{order["id"]}"]')
        await expect(row).to_have_attribute("data-status", "refunding")

        # When an operator opens it and approves the refund
        await row.click()
        drawer = page.locator("#drawer")
        await expect(drawer.locator('[data-section="refund"]')).to_contain_text("尺码不合适")
        await drawer.locator('[data-action="approve-refund"]').click()
        await page.locator('dialog[data-dialog="approve-refund"] [data-role="submit"]').click()
        await expect(drawer.locator("[data-refund-status]")).to_have_attribute(
            "data-refund-status", "refunding"
        )
        # ... and WeChat Pay (the simulator) reports the money returned
        detail = (
            await client.get(f"/api/admin/orders/{order['id']}", headers=await root_headers(client))
        ).json()
        resp = await sim.post(f"/sim/refund/{detail['refund']['out_refund_no']}")
        assert resp.status_code == 200, resp.text

        # Then the customer's socket hears the order refunded
        event = await next_event(customer, "order.refunded")
        assert event["data"]["order_id"] == order["id"]
        # ... and the console shows it, live
        await expect(drawer).to_have_attribute("data-status", "refunded")
        await expect(drawer.locator("[data-refund-status]")).to_have_attribute(
            "data-refund-status", "refunded"
        )
        await expect(drawer.locator('[data-action="approve-refund"]')).to_have_count(0)
        assert errors.unexpected() == []


async def root_headers(client: httpx.AsyncClient) -> dict[str, str]:
    return bearer((await admin_login(client, "root"))["access_token"])


async def test_without_orders_write_there_is_no_ship_button_and_a_forged_call_is_refused(
    context: Any,
    client: httpx.AsyncClient,
    sim: httpx.AsyncClient,
    settings: Any,
) -> None:
    # Given a clerk who may read orders (and stats) but not fulfil them, and a paid order
    await make_admin("clerk", superuser=False, permissions=["orders.read", "stats.read"])
    order, _, _ = await paid_order(client, sim, settings)

    # When the clerk opens the order in the console
    page, errors = await open_console(context, "clerk", f"/admin/#/orders/{order['id']}")
    drawer = page.locator(f'#drawer[data-order-id="{order["id"]}"]')
    await expect(drawer).to_have_attribute("data-status", "paid")

    # Then there is nothing to do: no ship button, no cancel, no refund decision
    await expect(drawer.locator("[data-action]")).to_have_count(0)
    await expect(drawer.locator('[data-section="actions"]')).to_contain_text("没有可执行的操作")
    # ... and the nav offers only what the clerk may see
    links = await page.eval_on_selector_all(".nav-link", "els => els.map(e => e.dataset.screen)")
    assert links == ["overview", "orders"]
    # ... a screen typed into the address bar says so instead of showing data
    await page.goto("/admin/#/staff")
    await expect(page.locator('[data-denied="staff"]')).to_be_visible()

    # When the clerk forges the ship call with its own token anyway, the server refuses it
    forged = await page.evaluate(
        """async (id) => {
          const {access_token} = JSON.parse(sessionStorage.getItem("mall.admin.session"));
          const resp = await fetch(`/api/admin/orders/${id}/ship`, {
            method: "POST",
            headers: {Authorization: `Bearer ${access_token}`, "Content-Type": "application/json"},
            body: JSON.stringify({carrier: "顺丰速运", tracking_no: "SF1"}),
          });
          return {status: resp.status, body: await resp.json()};
        }""",
        order["id"],
    )
    assert forged["status"] == 403
    assert forged["body"]["error"]["code"] == "permission_denied"
    clerk = bearer((await admin_login(client, "clerk"))["access_token"])
    assert_error(
        await client.post(
            f"/api/admin/orders/{order['id']}/ship",
            json={"carrier": "顺丰速运", "tracking_no": "SF1"},
            headers=clerk,
        ),
        403,
        "permission_denied",
    )
    await until_status(order["id"], "paid")
    assert errors.unexpected("403 (Forbidden)") == []
