"""The operator console in a real browser: staff run the shop from /admin/, live.

Headless Chromium from Debian under Playwright, against the real app, the WeChat
simulator, PostgreSQL and Redis; customers act through the mini-program API and their
own websockets. One browser for the module, a fresh context (one console) per operator.
MALL_TEST_SCREENSHOTS=<dir> keeps a screenshot of each screen there.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import websockets

from mall.catalog.demo import gradient_png
from models import Category
from tests.browser_support import (
    PHONE,
    expect,
    needs_browser,
    new_context,
    open_console,
    shots_dir,
)
from tests.factories import (
    ADMIN_PASSWORD,
    admin_login,
    assert_error,
    bearer,
    login,
    make_address,
    make_admin,
    make_buyers,
    make_product,
    pay,
    place_order,
    until_status,
)

pytestmark = needs_browser

DESKTOP_1280 = {"width": 1280, "height": 800}


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
        await expect(dialog.locator('[name="carrier_code"] option[value="SF"]')).to_have_count(1)
        await dialog.locator('[name="carrier_code"]').select_option("SF")
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
        await expect(late.locator('[name="carrier_code"] option[value="ZTO"]')).to_have_count(1)
        await late.locator('[name="carrier_code"]').select_option("ZTO")
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
    order, headers, _sku = await paid_order(client, sim, settings)
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
            json={"carrier_code": "SF", "tracking_no": "SF1"},
            headers=clerk,
        ),
        403,
        "permission_denied",
    )
    await until_status(order["id"], "paid")
    assert errors.unexpected("403 (Forbidden)") == []


@pytest.fixture
def upload_dir(rt: Any, settings: Any, tmp_path: Path) -> Iterator[Path]:
    """Uploads of this test go to a temporary directory."""
    from mall.catalog.storage import LocalStorage

    previous = rt.images
    rt.images = LocalStorage(tmp_path / "uploads", base_url=settings.public_base_url)
    yield tmp_path / "uploads"
    rt.images = previous


# Files handed to the page as a drag and drop would hand them over.
DROP_FILES = """async (files) => {
  const dt = new DataTransfer();
  for (const [name, b64] of files) {
    const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    dt.items.add(new File([bytes], name, {type: "image/png"}));
  }
  return dt;
}"""


async def add_spec(page: Any, index: int, name: str, values: str) -> None:
    await page.click('[data-action="add-spec"]')
    await page.locator(f'[data-role="spec-name"][data-index="{index}"]').fill(name)
    await page.locator(f'[data-role="spec-name"][data-index="{index}"]').dispatch_event("change")
    value = page.locator(f'[data-role="spec-value"][data-index="{index}"]')
    await value.fill(values)
    await value.press("Enter")


async def test_a_product_made_with_a_2x3_sku_matrix_and_two_dropped_images_can_be_ordered(
    context: Any,
    client: httpx.AsyncClient,
    settings: Any,
    upload_dir: Path,
    tmp_path: Path,
) -> None:
    # Given an operator on a new product, in a category
    await make_admin("root")
    await Category.create(name="服装")
    page, errors = await open_console(context, "root", "/admin/#/products/new")
    await page.fill('#product-form [name="title"]', "法式条纹衬衫")
    await page.select_option('#product-form [name="category_id"]', label="服装")
    await page.check('#product-form [name="on_sale"]')

    # When the specs are colour (2 values) by size (3 values)
    await add_spec(page, 0, "颜色", "蓝白,红白")
    await add_spec(page, 1, "尺码", "S M L")
    rows = page.locator("#sku-matrix tr")
    await expect(rows).to_have_count(6)
    # ... every row priced and stocked at once, then one priced on its own
    await page.fill('[name="fill_price"]', "129.00")
    await page.fill('[name="fill_stock"]', "20")
    await page.click('[data-action="fill"]')
    large = page.locator('#sku-matrix tr[data-specs=\'{"颜色":"红白","尺码":"L"}\']')
    await large.locator('[data-role="price"]').fill("139.50")
    # ... and two pictures are dropped on the page, then put in the other order
    pictures = [
        ("front.png", gradient_png(40, 40, (30, 60, 200), (250, 250, 250))),
        ("back.png", gradient_png(40, 40, (200, 30, 30), (250, 250, 250))),
    ]
    dropped = await page.evaluate_handle(
        DROP_FILES, [[name, base64.b64encode(data).decode()] for name, data in pictures]
    )
    await page.dispatch_event('[data-role="dropzone"]', "drop", {"dataTransfer": dropped})
    gallery = page.locator('[data-role="gallery"] li')
    await expect(gallery).to_have_count(2)
    await expect(page.locator('[data-role="gallery"] li.is-uploading')).to_have_count(0)
    await gallery.nth(0).locator('[data-role="right"]').click()
    shots = shots_dir(tmp_path)
    await page.screenshot(path=str(shots / "console-product-editor.png"), full_page=True)
    await page.click('[data-action="save-product"]')

    # Then the console shows the saved product with its six SKUs
    await expect(page.locator('#sku-matrix tr[data-sku-id=""]')).to_have_count(0)
    await expect(page.locator("#sku-matrix tr")).to_have_count(6)
    product_id = int(page.url.rsplit("/", 1)[1])
    # ... which the storefront sells as made: 6 SKUs, the prices, the pictures in order
    detail = (await client.get(f"/api/v1/products/{product_id}")).json()
    assert {tuple(sorted(s["specs"].items())) for s in detail["skus"]} == {
        (("尺码", size), ("颜色", colour)) for colour in ("蓝白", "红白") for size in "SML"
    }
    by_specs = {(s["specs"]["颜色"], s["specs"]["尺码"]): s for s in detail["skus"]}
    assert by_specs[("红白", "L")]["price"] == 13950 and by_specs[("蓝白", "S")]["price"] == 12900
    assert all(s["stock"] == 20 for s in detail["skus"])
    digests = [hashlib.sha256(data).hexdigest() for _, data in pictures]
    assert [url.rsplit("/", 1)[1] for url in detail["images"]] == [
        f"{digests[1]}.png",
        f"{digests[0]}.png",
    ]
    for url in detail["images"]:
        assert (await client.get(url)).status_code == 200
    # ... and a customer can order it
    [(buyer, headers)] = await make_buyers(settings, 1)
    address_id = await make_address(buyer.id)
    order = await place_order(client, headers, address_id, by_specs[("红白", "L")]["id"])
    assert order["pay_amount"] == 13950 + order["freight_amount"]
    assert errors.unexpected() == []


async def test_stock_adjusted_in_the_console_reaches_the_product_channel(
    context: Any, base_url: str, client: httpx.AsyncClient, settings: Any
) -> None:
    # Given a product, a customer's socket on its channel, and an operator on its page
    await make_admin("root")
    product, (red, blue) = await make_product(
        skus=[({"颜色": "红"}, 4900, 12), ({"颜色": "蓝"}, 4900, 30)]
    )
    customer = await login(client, "mia")
    async with websockets.connect(ws_url(base_url, "/ws", customer["access_token"])) as ws:
        await ws.send(json.dumps({"op": "subscribe", "channel": f"product:{product.id}"}))
        page, errors = await open_console(context, "root", f"/admin/#/products/{product.id}")
        row = page.locator(f'#sku-matrix tr[data-sku-id="{red.id}"]')
        await expect(row.locator(".stock-value")).to_have_text("12")

        # When the operator takes 5 of the red ones away, saying why
        await row.locator('[data-action="adjust-stock"]').click()
        dialog = page.locator('dialog[data-dialog="adjust-stock"]')
        await dialog.locator('[name="delta"]').fill("-5")
        await dialog.locator('[name="reason"]').fill("盘点差异")
        await dialog.locator('[data-role="submit"]').click()

        # Then the customer's socket hears the new stock on the product's channel
        event = await next_event(ws, "stock.changed")
        assert event["channel"] == f"product:{product.id}"
        assert event["data"]["skus"] == [{"sku_id": red.id, "stock": 7}]
        # ... the console shows it
        await expect(row.locator(".stock-value")).to_have_text("7")
        # ... and a change made elsewhere (an order) shows up there live too
        [(buyer, headers)] = await make_buyers(settings, 1)
        address_id = await make_address(buyer.id)
        await place_order(client, headers, address_id, blue.id)
        blue_row = page.locator(f'#sku-matrix tr[data-sku-id="{blue.id}"]')
        await expect(blue_row.locator(".stock-value")).to_have_text("29")
    log = (await client.get("/api/admin/logs", headers=await root_headers(client))).json()
    adjusted = next(e for e in log["items"] if e["action"] == "sku.stock_adjust")
    assert adjusted["detail"]["reason"] == "盘点差异" and adjusted["detail"]["delta"] == -5
    assert errors.unexpected() == []


async def shop_with_a_bit_of_everything(
    client: httpx.AsyncClient, sim: httpx.AsyncClient, settings: Any
) -> dict[str, Any]:
    """Orders in several states, an after-sale, low stock, a coupon, a banner, categories,
    a clerk role."""
    root = await root_headers(client)
    order, _, sku = await paid_order(client, sim, settings, stock=12)
    _, (mug,) = await make_product(
        title="陶瓷马克杯", skus=[({"颜色": "白"}, 3900, 3)], category_name="家居"
    )
    [(buyer, other)] = await make_buyers(settings, 1, prefix="tour")
    address_id = await make_address(buyer.id)
    await place_order(client, other, address_id, mug.id)
    shipped = await place_order(client, other, address_id, sku.id)
    await pay(client, sim, other, shipped)
    resp = await client.post(
        f"/api/admin/orders/{shipped['id']}/ship",
        json={"carrier_code": "SF", "tracking_no": "SF42"},
        headers=root,
    )
    assert resp.status_code == 200, resp.text
    resp = await client.post(
        f"/api/v1/orders/{shipped['id']}/after-sales",
        json={
            "type": "refund",
            "items": [{"order_item_id": shipped["items"][0]["id"], "quantity": 1}],
            "reason": "不想要了",
        },
        headers=other,
    )
    assert resp.status_code == 201, resp.text
    resp = await client.post(
        "/api/admin/coupons",
        json={
            "name": "新人券",
            "kind": "fixed",
            "amount_off": 500,
            "threshold": 5000,
            "valid_days": 7,
        },
        headers=root,
    )
    assert resp.status_code == 201, resp.text
    resp = await client.post(
        "/api/admin/banners",
        json={"title": "秋季上新", "image": "https://img.example.com/banner.png"},
        headers=root,
    )
    assert resp.status_code == 201, resp.text
    resp = await client.post(
        "/api/admin/roles",
        json={"name": "客服", "permissions": ["orders.read", "users.read"]},
        headers=root,
    )
    assert resp.status_code == 201, resp.text
    await held_review(client, settings, nickname="小红", content="待审：颜色很正")
    return {"order": order, "mug": mug}


SCREENS = {
    "overview": "#/",
    "orders": "#/orders",
    "after-sales": "#/after-sales",
    "products": "#/products",
    "stock": "#/stock",
    "categories": "#/categories",
    "banners": "#/banners",
    "coupons": "#/coupons",
    "customers": "#/customers",
    "reviews": "#/reviews",
    "settings": "#/settings",
    "freight": "#/freight",
    "staff": "#/staff",
    "logs": "#/logs",
}
# What each screen shows once its data is in.
LOADED = {
    "overview": "#orders-body tr",
    "orders": "#order-list tr",
    "after-sales": "#after-sale-list tr",
    "products": "#product-list tr",
    "stock": "#low-stock tr",
    "categories": "#category-tree li",
    "banners": "#banner-list tr",
    "coupons": "#coupon-list tr",
    "customers": "#customer-list tr",
    "reviews": "#review-list tr",
    "settings": '#settings-form [name="low_stock_threshold"]',
    "freight": "#freight-list tr, #freight-empty",
    "staff": "#role-list tr",
    "logs": "#log-list tr",
}


async def test_every_screen_works_at_desktop_and_phone_width(
    browser: Any,
    base_url: str,
    client: httpx.AsyncClient,
    sim: httpx.AsyncClient,
    settings: Any,
) -> None:
    # Given a shop with a bit of everything
    await make_admin("root")
    shop = await shop_with_a_bit_of_everything(client, sim, settings)
    shots = (
        Path(os.environ["MALL_TEST_SCREENSHOTS"])
        if os.environ.get("MALL_TEST_SCREENSHOTS")
        else None
    )
    for width, viewport in (("desktop", DESKTOP_1280), ("phone", PHONE)):
        ctx = await new_context(browser, base_url, viewport)
        try:
            page, errors = await open_console(ctx, "root")
            for name, route in SCREENS.items():
                # When staff open each screen from the nav
                await page.click(f'.nav-link[data-screen="{name}"]')
                assert page.url.endswith(route)
                # Then it shows its data, fits the window and raises no error
                await expect(page.locator(LOADED[name]).first).to_be_visible()
                overflow = await page.evaluate(
                    "document.documentElement.scrollWidth - window.innerWidth"
                )
                assert overflow <= 0, f"{name} is {overflow}px wider than a {width} window"
                if shots is not None:
                    await page.wait_for_timeout(150)
                    await page.screenshot(
                        path=str(shots / f"console-{name}-{width}.png"), full_page=True
                    )
            # ... and the paid order opens in the drawer over the list, ready to ship
            await page.goto(f"/admin/#/orders/{shop['order']['id']}")
            drawer = page.locator(f'#drawer[data-order-id="{shop["order"]["id"]}"]')
            await expect(drawer.locator('[data-action="ship"]')).to_be_visible()
            assert await drawer.evaluate("d => d.scrollWidth <= d.clientWidth")
            if shots is not None:
                await page.wait_for_timeout(300)
                await page.screenshot(path=str(shots / f"console-order-drawer-{width}.png"))
            # ... and the product editor fits too
            await page.goto(f"/admin/#/products/{shop['mug'].product_id}")
            await expect(page.locator("#sku-matrix tr")).to_have_count(1)
            overflow = await page.evaluate("document.documentElement.scrollWidth - innerWidth")
            assert overflow <= 0, f"the product editor is {overflow}px too wide at {width}"
            if shots is not None:
                await page.screenshot(
                    path=str(shots / f"console-product-editor-{width}.png"), full_page=True
                )
            assert errors.unexpected() == [], width
        finally:
            await ctx.close()


async def test_low_stock_is_listed_when_the_page_opens_then_kept_live(
    context: Any, client: httpx.AsyncClient, settings: Any
) -> None:
    # Given SKUs already low before anyone opens the console (one of them off sale)
    await make_admin("root")
    _, (tee, _) = await make_product(
        title="纯棉T恤", skus=[({"颜色": "白"}, 4900, 2), ({"颜色": "黑"}, 4900, 40)]
    )
    _, (mug,) = await make_product(title="马克杯", skus=[({"颜色": "蓝"}, 3900, 5)])
    _, (cap,) = await make_product(title="棒球帽", skus=[({"颜色": "红"}, 5900, 11)])
    await make_product(title="下架商品", skus=[({"颜色": "灰"}, 100, 1)], on_sale=False)

    # When the console opens
    page, errors = await open_console(context)

    # Then the panel lists them at once, agreeing with the figure
    alerts = page.locator("#alerts li")
    await expect(alerts).to_have_count(2)
    await expect(page.locator('.stat[data-stat="low_stock_skus"] .stat-value')).to_have_text("2")
    await expect(page.locator(f'#alerts li[data-sku-id="{tee.id}"]')).to_contain_text("剩 2 件")
    await expect(page.locator("#alerts-empty")).to_be_hidden()

    # When the T-shirt is restocked (elsewhere) and an order takes the cap below 10
    root = await root_headers(client)
    resp = await client.post(
        f"/api/admin/skus/{tee.id}/stock/adjust", json={"delta": 50, "reason": "补货"}, headers=root
    )
    assert resp.status_code == 200, resp.text
    [(buyer, headers)] = await make_buyers(settings, 1)
    address_id = await make_address(buyer.id)
    for _ in range(2):
        await place_order(client, headers, address_id, cap.id)

    # Then the restocked one leaves the panel and the cap arrives, live
    await expect(page.locator(f'#alerts li[data-sku-id="{tee.id}"]')).to_have_count(0)
    await expect(page.locator(f'#alerts li[data-sku-id="{cap.id}"]')).to_contain_text("剩 9 件")
    await expect(page.locator(f'#alerts li[data-sku-id="{mug.id}"]')).to_be_visible()
    # ... and the stock screen shows the same SKUs, emptiest first
    await page.click('.nav-link[data-screen="stock"]')
    rows = page.locator("#low-stock tr")
    await expect(rows).to_have_count(2)
    assert await rows.evaluate_all("rs => rs.map(r => Number(r.dataset.skuId))") == [mug.id, cap.id]
    assert errors.unexpected() == []


async def test_recent_activity_survives_a_reload(
    context: Any, client: httpx.AsyncClient, settings: Any
) -> None:
    # Given a console that has seen an order placed and a category created
    await make_admin("root")
    _, (sku,) = await make_product(skus=[({"颜色": "白"}, 4900, 50)])
    page, errors = await open_console(context)
    [(buyer, headers)] = await make_buyers(settings, 1)
    address_id = await make_address(buyer.id)
    first = await place_order(client, headers, address_id, sku.id)
    root = await root_headers(client)
    resp = await client.post("/api/admin/categories", json={"name": "新品"}, headers=root)
    assert resp.status_code == 201, resp.text
    feed = page.locator("#activity li")
    await expect(page.locator('#activity li[data-event="admin.action"]')).to_have_count(1)
    await expect(page.locator('#activity li[data-event="order.created"]')).to_have_count(1)
    before = await feed.evaluate_all("items => items.map(li => li.dataset.eventId)")

    # When the page is reloaded, and something happens while it loads
    await page.evaluate("window.oldDocument = true")
    reloading = asyncio.ensure_future(page.reload())
    second = await place_order(client, headers, address_id, sku.id)
    await reloading
    assert await page.evaluate("window.oldDocument === undefined")
    await expect(page.locator("#connection")).to_have_attribute("data-state", "open")

    # Then the feed shows what it showed, from the admin stream, and what came meanwhile
    await expect(page.locator(f'#activity li[data-event-id="{before[0]}"]')).to_be_visible()
    after = await feed.evaluate_all("items => items.map(li => li.dataset.eventId)")
    assert after[-len(before) :] == before
    assert len(after) == len(before) + 1
    newest = page.locator("#activity li").first
    await expect(newest).to_have_attribute("data-event", "order.created")
    await expect(newest).to_contain_text(second["order_no"])
    await expect(page.locator("#activity li").last).to_contain_text(first["order_no"])
    # ... what was seen before counts as history, not news
    replayed = await feed.evaluate_all("items => items.map(li => li.dataset.replayed)")
    assert replayed[1:] == ["true"] * len(before)
    assert errors.unexpected() == []


async def test_coupons_settings_catalog_and_staff_are_run_from_the_console_and_stay_live(
    browser: Any, base_url: str, client: httpx.AsyncClient, upload_dir: Path
) -> None:
    # Given two operators, the second watching the coupons
    await make_admin("root")
    await make_admin("ops")
    first_ctx = await new_context(browser, base_url)
    second_ctx = await new_context(browser, base_url)
    keeper_ctx = await new_context(browser, base_url)
    try:
        page, errors = await open_console(first_ctx, "root", "/admin/#/coupons")
        other, other_errors = await open_console(second_ctx, "ops", "/admin/#/coupons")

        # When the first creates a coupon: ¥5 off from ¥50, valid 7 days after claim
        await page.click('[data-action="new-coupon"]')
        form = page.locator('dialog[data-dialog="coupon"]')
        await form.locator('[name="name"]').fill("新人券")
        await form.locator('[name="amount_off"]').fill("5")
        await form.locator('[name="threshold"]').fill("50")
        await form.locator('[data-role="submit"]').click()
        # Then both consoles list it, the second without a reload
        row = other.locator("#coupon-list tr", has_text="新人券")
        await expect(row).to_have_attribute("data-active", "true")
        await expect(row).to_contain_text("满 ¥50.00 减 ¥5.00")
        # When the first stops it, the second sees it stopped; its usage is empty
        await (
            page.locator("#coupon-list tr", has_text="新人券")
            .locator('[data-action="stop"]')
            .click()
        )
        await page.locator('dialog[data-dialog="stop-coupon"] [data-role="submit"]').click()
        await expect(row).to_have_attribute("data-active", "false")
        await row.locator('[data-action="usage"]').click()
        usage = other.locator('dialog[data-dialog="coupon-usage"]')
        await expect(usage.locator('[data-usage="issued"]')).to_have_text("0")
        await usage.locator('[data-role="submit"]').click()

        # When the first changes a setting, the second's settings form follows
        await other.click('.nav-link[data-screen="settings"]')
        threshold = other.locator('#settings-form [name="low_stock_threshold"]')
        await expect(threshold).to_have_value("10")
        await page.click('.nav-link[data-screen="settings"]')
        await page.locator('#settings-form [name="low_stock_threshold"]').fill("20")
        await page.locator('#settings-form [name="freight_flat"]').fill("12.50")
        await page.click('[data-action="save-settings"]')
        await expect(threshold).to_have_value("20")
        await expect(other.locator('#settings-form [name="freight_flat"]')).to_have_value("12.50")
        shop = (await client.get("/api/admin/settings", headers=await root_headers(client))).json()
        assert shop["low_stock_threshold"] == 20 and shop["freight_flat"] == 1250

        # When the first builds a category tree and a banner with an uploaded image
        await page.click('.nav-link[data-screen="categories"]')
        await page.click('[data-action="add-category"]')
        await page.locator('dialog[data-dialog="category"] [name="name"]').fill("家居")
        await page.locator('dialog[data-dialog="category"] [data-role="submit"]').click()
        home = page.locator("#category-tree > li", has_text="家居")
        await home.locator('[data-action="add-child"]').first.click()
        await page.locator('dialog[data-dialog="category"] [name="name"]').fill("厨具")
        await page.locator('dialog[data-dialog="category"] [data-role="submit"]').click()
        await expect(home.locator("ul li")).to_contain_text("厨具")
        await page.click('.nav-link[data-screen="banners"]')
        await page.click('[data-action="new-banner"]')
        banner = page.locator('dialog[data-dialog="banner"]')
        await banner.locator('[data-role="file"]').set_input_files(
            files=[
                {
                    "name": "autumn.png",
                    "mimeType": "image/png",
                    "buffer": gradient_png(60, 30, (240, 120, 0), (255, 240, 200)),
                }
            ]
        )
        await expect(banner.locator('[data-role="gallery"] li:not(.is-uploading)')).to_have_count(1)
        await banner.locator('[name="title"]').fill("秋季上新")
        await banner.locator('[data-role="submit"]').click()
        await expect(page.locator("#banner-list tr", has_text="秋季上新")).to_have_attribute(
            "data-active", "true"
        )
        shown = (await client.get("/api/v1/banners")).json()["items"]
        assert [b["title"] for b in shown] == ["秋季上新"]
        assert shown[0]["image_url"].endswith(".png")

        # When the first makes a stock keeper role and account
        await page.click('.nav-link[data-screen="staff"]')
        await page.click('[data-action="new-role"]')
        role = page.locator('dialog[data-dialog="role"]')
        await role.locator('[name="name"]').fill("仓管")
        for permission in ("catalog.read", "stock.write"):
            await role.locator(f'[name="permission"][value="{permission}"]').check()
        await role.locator('[data-role="submit"]').click()
        await expect(page.locator('#role-list tr[data-name="仓管"]')).to_be_visible()
        await page.click('[data-action="new-admin"]')
        account = page.locator('dialog[data-dialog="admin"]')
        await account.locator('[name="username"]').fill("keeper")
        await account.locator('[name="password"]').fill(ADMIN_PASSWORD)
        await account.locator("label", has_text="仓管").locator('[name="role"]').check()
        await account.locator('[data-role="submit"]').click()
        await expect(page.locator('#admin-list tr[data-username="keeper"]')).to_contain_text("仓管")

        # Then the keeper signs in to a console that offers only what the role allows
        # (without orders.read: no live feed, the console says so)
        keeper, keeper_errors = await open_console(keeper_ctx, "keeper", live=False)
        links = await keeper.eval_on_selector_all(
            ".nav-link", "els => els.map(e => e.dataset.screen)"
        )
        assert links == ["overview", "products", "stock", "categories", "banners"]
        await keeper.click('.nav-link[data-screen="categories"]')
        await expect(keeper.locator("#category-tree")).to_contain_text("厨具")
        await expect(keeper.locator('[data-action="add-category"]')).to_have_count(0)
        assert errors.unexpected() == [] and other_errors.unexpected() == []
        assert keeper_errors.unexpected("403 (Forbidden)") == []
    finally:
        for ctx in (first_ctx, second_ctx, keeper_ctx):
            await ctx.close()


async def test_a_held_nickname_is_approved_in_one_console_and_another_follows(
    browser: Any, base_url: str, client: httpx.AsyncClient
) -> None:
    # Given two operators on the customers screen, and a customer WeChat's check holds
    await make_admin("root")
    await make_admin("ops")
    customer = await login(client, "renamer")
    first_ctx = await new_context(browser, base_url)
    second_ctx = await new_context(browser, base_url)
    try:
        page, errors = await open_console(first_ctx, "root", "/admin/#/customers")
        other, other_errors = await open_console(second_ctx, "ops", "/admin/#/customers")
        row_of = f'#customer-list tr[data-user-id="{customer["user"]["id"]}"]'
        await expect(page.locator(row_of)).to_have_count(1)

        # When the customer asks for a nickname WeChat wants a person to look at
        held = await client.patch(
            "/api/v1/me",
            json={"nickname": "待审的新名字"},
            headers=bearer(customer["access_token"]),
        )
        assert held.json()["nickname_pending"] == "待审的新名字"
        # Then both consoles show it held, without a reload
        for console in (page, other):
            await expect(console.locator(f"{row_of} [data-nickname-pending]")).to_contain_text(
                "待审的新名字"
            )
        # And the first operator's filter lists only customers waiting for a look
        await page.select_option('select[name="nickname_pending"]', "true")
        await page.click('form.filters button[type="submit"]')
        await expect(page.locator("#customer-list tr")).to_have_count(1)

        # When the first approves it, the second console shows the new nickname
        await page.click(f'{row_of} [data-action="approve-nickname"]')
        await expect(other.locator(f"{row_of} [data-nickname-pending]")).to_have_count(0)
        await expect(other.locator(row_of)).to_contain_text("待审的新名字")
        await expect(page.locator("#customer-list tr")).to_have_count(0)
        me = await client.get("/api/v1/me", headers=bearer(customer["access_token"]))
        assert (me.json()["nickname"], me.json()["nickname_pending"]) == ("待审的新名字", None)
        assert errors.unexpected() == [] and other_errors.unexpected() == []
    finally:
        for ctx in (first_ctx, second_ctx):
            await ctx.close()


async def held_review(
    client: httpx.AsyncClient, settings: Any, *, nickname: str, content: str
) -> dict[str, Any]:
    """A customer's review WeChat's content check holds for staff (text with 待审), written
    through the mini-program API on an order completed (for this test) in the database."""
    from models import Order, Review, User

    product, (sku,) = await make_product(title="纯棉T恤", skus=[({"颜色": "白"}, 4900, 50)])
    [(buyer, headers)] = await make_buyers(settings, 1, prefix=f"reviewer-{nickname}")
    await User.filter(id=buyer.id).update(nickname=nickname)
    order = await place_order(client, headers, await make_address(buyer.id), sku.id)
    await Order.filter(id=order["id"]).update(status="completed")
    resp = await client.post(
        f"/api/v1/orders/{order['id']}/reviews",
        json={"order_item_id": order["items"][0]["id"], "rating": 4, "content": content},
        headers=headers,
    )
    assert resp.status_code == 201, resp.text
    review: dict[str, Any] = resp.json()
    assert review["state"] == "held"
    # A picture, as an approved upload would be (pictures elsewhere are fulfilled locally).
    await Review.filter(id=review["id"]).update(images=["https://img.example.com/review-1.png"])
    return {**review, "product_id": product.id}


async def test_a_held_review_is_published_and_answered_in_one_console_and_another_follows(
    browser: Any,
    base_url: str,
    client: httpx.AsyncClient,
    sim: httpx.AsyncClient,
    settings: Any,
    tmp_path: Path,
) -> None:
    # Given a review WeChat's content check holds for staff, a moderator, and a colleague
    # who may only read reviews
    await make_admin("root")
    await make_admin("reader", superuser=False, permissions=["orders.read", "reviews.read"])
    text = "待审：颜色很正，很舒服"
    review = await held_review(client, settings, nickname="小红", content=text)
    first_ctx = await new_context(browser, base_url)
    second_ctx = await new_context(browser, base_url)
    try:
        page, errors = await open_console(first_ctx, "root", "/admin/#/reviews?state=held")
        other, other_errors = await open_console(second_ctx, "reader", "/admin/#/reviews")
        row_of = f'#review-list tr[data-review-id="{review["id"]}"]'
        row, other_row = page.locator(row_of), other.locator(row_of)
        # Then both list it held, with product, rating, text, picture and customer
        for shown in (row, other_row):
            await expect(shown).to_have_attribute("data-state", "held")
            await expect(shown.locator('[data-role="product"]')).to_have_text("纯棉T恤")
            await expect(shown.locator("[data-rating]")).to_have_attribute("data-rating", "4")
            await expect(shown.locator('[data-role="content"]')).to_have_text(text)
            await expect(shown.locator('[data-role="author"]')).to_have_text("小红")
            await expect(shown.locator('[data-role="images"] img')).to_have_count(1)
        assert await row.locator("img").evaluate("img => img.complete && img.naturalWidth > 0")
        # ... the reader's console offers no moderation, its nav the screen
        await expect(other_row.locator("[data-action]")).to_have_count(0)
        assert await other.locator('.nav-link[data-screen="reviews"]').count() == 1
        await other.evaluate("window.sameDocument = true")
        shots = shots_dir(tmp_path)
        await page.screenshot(path=str(shots / "console-reviews.png"), full_page=True)

        # When the moderator publishes it
        await row.locator('[data-action="show-review"]').click()
        # Then it leaves the held queue, and the other console shows it published
        await expect(row).to_have_count(0)
        await expect(other_row).to_have_attribute("data-state", "published")

        # When the moderator lists every review and replies under this one
        await page.select_option('form.filters select[name="state"]', "")
        await page.click('form.filters button[type="submit"]')
        await row.locator('[data-action="reply-review"]').click()
        reply = page.locator('dialog[data-dialog="reply-review"]')
        await reply.locator('[name="content"]').fill("谢谢支持，欢迎再来")
        await reply.locator('[data-role="submit"]').click()
        # Then the reply shows under it in both consoles, the other without a reload
        await expect(row.locator('[data-role="reply"]')).to_contain_text("谢谢支持，欢迎再来")
        await expect(other_row.locator('[data-role="reply"]')).to_contain_text("谢谢支持，欢迎再来")
        assert await other.evaluate("window.sameDocument") is True
        # ... and under the review in the product's public reviews
        public = (await client.get(f"/api/v1/products/{review['product_id']}/reviews")).json()
        assert [(r["id"], r["reply"]) for r in public["items"]] == [
            (review["id"], "谢谢支持，欢迎再来")
        ]
        assert public["items"][0]["author"]["nickname"] == "小红"

        # When the moderator hides it, it leaves the storefront and the other console follows
        await row.locator('[data-action="hide-review"]').click()
        await expect(other_row).to_have_attribute("data-state", "hidden")
        public = (await client.get(f"/api/v1/products/{review['product_id']}/reviews")).json()
        assert public["total"] == 0
        assert errors.unexpected() == [] and other_errors.unexpected() == []
    finally:
        for ctx in (first_ctx, second_ctx):
            await ctx.close()


async def save_settings(page: Any) -> int:
    """Click save on the settings screen: the status the server answered the PUT with."""
    async with page.expect_response(
        lambda r: r.url.endswith("/api/admin/settings") and r.request.method == "PUT"
    ) as answer:
        await page.click('[data-action="save-settings"]')
    return int((await answer.value).status)


async def test_subscription_templates_are_set_in_the_settings_and_bad_ones_refused(
    context: Any, client: httpx.AsyncClient, tmp_path: Path
) -> None:
    # Given an operator on the settings screen of a shop that sends no subscription messages
    await make_admin("root")
    page, errors = await open_console(context, "root", "/admin/#/settings")
    form = page.locator("#settings-form")
    paid = form.locator('[data-template="order_paid"]')
    await expect(paid.locator('[name="order_paid.template_id"]')).to_have_value("")

    # When it maps the order-paid template's fields and saves
    await paid.locator('[name="order_paid.template_id"]').fill("tmpl_paid-01")
    await paid.locator('[name="order_paid.fields"]').fill(
        "character_string1: order_no\namount2: order_amount\nthing3: =感谢惠顾"
    )
    assert await save_settings(page) == 200
    # Then the shop sends that template, fields mapped as typed, and no other
    root = await root_headers(client)

    async def templates() -> dict[str, Any]:
        doc = (await client.get("/api/admin/settings", headers=root)).json()
        return dict(doc["subscribe_templates"])

    expected = {
        "template_id": "tmpl_paid-01",
        "fields": {
            "character_string1": "order_no",
            "amount2": "order_amount",
            "thing3": "=感谢惠顾",
        },
    }
    assert await templates() == {
        "order_paid": expected,
        "order_shipped": None,
        "refund_result": None,
        "order_expiring": None,
    }

    # When it maps the shipped template to something the order-shipped event has not got
    shipped = form.locator('[data-template="order_shipped"]')
    await shipped.locator('[name="order_shipped.template_id"]').fill("tmpl_ship")
    await shipped.locator('[name="order_shipped.fields"]').fill("thing1: refund_amount")
    assert await save_settings(page) == 422
    # Then the server's 422 is shown, naming the field, and nothing changed
    refused = form.locator("[data-error]")
    await expect(refused).to_have_attribute("data-status", "422")
    await expect(refused).to_contain_text("order_shipped")
    # ... and a key WeChat templates do not have is refused the same way
    await shipped.locator('[name="order_shipped.fields"]').fill("tracking1: tracking_no")
    assert await save_settings(page) == 422
    await expect(refused).to_have_attribute("data-code", "validation_error")
    await expect(refused).to_contain_text("tracking1")
    assert (await templates())["order_shipped"] is None
    await page.screenshot(path=str(shots_dir(tmp_path) / "console-settings.png"), full_page=True)

    # When it fixes the mapping, the template is saved; a reload shows both as saved
    await shipped.locator('[name="order_shipped.fields"]').fill(
        "character_string1: tracking_no\nthing2: carrier"
    )
    assert await save_settings(page) == 200
    await expect(refused).to_be_hidden()
    assert (await templates())["order_shipped"] == {
        "template_id": "tmpl_ship",
        "fields": {"character_string1": "tracking_no", "thing2": "carrier"},
    }
    await page.reload()
    await expect(form.locator('[name="order_shipped.fields"]')).to_have_value(
        "character_string1: tracking_no\nthing2: carrier"
    )
    # ... and emptying one stops that message
    await form.locator('[name="order_paid.template_id"]').fill("")
    await form.locator('[name="order_paid.fields"]').fill("")
    assert await save_settings(page) == 200
    assert (await templates())["order_paid"] is None
    assert errors.unexpected("422 (Unprocessable") == []


async def test_a_failed_shipping_sync_is_retried_from_the_drawer_and_every_console_follows(
    browser: Any,
    base_url: str,
    client: httpx.AsyncClient,
    sim: httpx.AsyncClient,
    settings: Any,
    redis: Any,
    rt: Any,
    tmp_path: Path,
) -> None:
    # Given a real worker uploading shipping to WeChat (the simulator), whose automatic
    # retries are pushed far out, and a paid order open in two consoles: an operator who
    # may fulfil orders and a clerk who may only read them
    from tests.processes import MallProcess, wait_worker_ready

    env = {**os.environ, "MALL_TASK_REDELIVERY_MS": "1000", "MALL_WECHAT_RETRY_SCALE": "1000"}
    worker = MallProcess("worker", ["worker", "--workers", "1"], env=env, log_dir=tmp_path)
    assert (await sim.post("/sim/wxa-reset")).status_code == 200
    await make_admin("root")
    await make_admin("clerk", superuser=False, permissions=["orders.read"])
    order, _, _ = await paid_order(client, sim, settings)
    first_ctx = await new_context(browser, base_url)
    second_ctx = await new_context(browser, base_url)
    try:
        worker.start()
        await wait_worker_ready(redis, rt.jobs, timeout=20.0, watch=[worker])
        path = f"/admin/#/orders/{order['id']}"
        page, errors = await open_console(first_ctx, "root", path)
        other, other_errors = await open_console(second_ctx, "clerk", path)
        sync, other_sync = (
            console.locator('#drawer [data-section="shipment"] [data-role="shipping-sync"]')
            for console in (page, other)
        )
        await expect(page.locator("#drawer")).to_have_attribute("data-status", "paid")
        await other.evaluate("window.sameDocument = true")

        # When WeChat refuses the upload once and the order ships
        armed = await sim.post(
            "/sim/fault", json={"api": "upload_shipping_info", "errcode": -1, "times": 1}
        )
        assert armed.status_code == 200, armed.text
        shipped = await client.post(
            f"/api/admin/orders/{order['id']}/ship",
            json={"carrier_code": "SF", "tracking_no": "SF1234567890"},
            headers=await root_headers(client),
        )
        assert shipped.status_code == 200, shipped.text

        # Then both drawers show the failed sync with WeChat's error, without a reload
        for shown in (sync, other_sync):
            await expect(shown).to_have_attribute("data-sync-state", "failed")
            await expect(shown.locator('[data-role="sync-error"]')).to_contain_text("-1")
        # ... a retry for the operator, none for the clerk
        await expect(sync.locator('[data-action="retry-sync"]')).to_be_visible()
        await expect(other_sync.locator('[data-action="retry-sync"]')).to_have_count(0)
        await page.screenshot(path=str(shots_dir(tmp_path) / "console-order-sync-failed.png"))

        # When the operator retries it
        await sync.locator('[data-action="retry-sync"]').click()
        # Then the worker uploads it and both drawers show it synced, with no retry left
        for shown in (sync, other_sync):
            await expect(shown).to_have_attribute("data-sync-state", "synced")
        await expect(page.locator('[data-action="retry-sync"]')).to_have_count(0)
        assert await other.evaluate("window.sameDocument") is True
        detail = await client.get(
            f"/api/admin/orders/{order['id']}", headers=await root_headers(client)
        )
        assert detail.json()["shipping_sync"]["state"] == "synced"
        # ... and the failure stays in the recent activity, a click away from the order
        await other.click("#drawer .drawer-close")
        await other.click('.nav-link[data-screen="overview"]')
        failure = other.locator('#activity li[data-event="shipping_sync.failed"]')
        await expect(failure).to_contain_text(order["order_no"])
        await expect(failure.locator("a.what")).to_have_attribute("href", f"#/orders/{order['id']}")
        assert errors.unexpected() == [] and other_errors.unexpected() == []
    finally:
        await worker.stop()
        for ctx in (first_ctx, second_ctx):
            await ctx.close()


async def test_staff_correct_an_order_from_its_drawer(
    context: Any, client: httpx.AsyncClient, settings: Any
) -> None:
    # Given an unpaid order open in the console
    await make_admin("root")
    _, (sku,) = await make_product(title="羊毛围巾", skus=[({"颜色": "灰"}, 12800, 20)])
    [(buyer, headers)] = await make_buyers(settings, 1, prefix="drawer")
    order = await place_order(client, headers, await make_address(buyer.id), sku.id)
    page, errors = await open_console(context, "root", f"/admin/#/orders/{order['id']}")
    drawer = page.locator(f'#drawer[data-order-id="{order["id"]}"]')
    await expect(drawer).to_have_attribute("data-status", "pending_payment")

    # When staff lower its price
    await drawer.locator('[data-action="adjust-price"]').click()
    dialog = page.locator('dialog[data-dialog="adjust-price"]')
    await dialog.locator('[name="pay_amount"]').fill("99.50")
    await dialog.locator('[name="reason"]').fill("老客户优惠")
    await dialog.locator('[data-role="submit"]').click()
    # Then the drawer shows what the customer pays now, and the adjustment
    await expect(drawer.locator('[data-field="pay_amount"]')).to_contain_text("99.50")
    await expect(drawer.locator('[data-section="history"]')).to_contain_text("老客户优惠")

    # When they send the parcel to another province
    await drawer.locator('[data-action="change-address"]').click()
    dialog = page.locator('dialog[data-dialog="change-address"]')
    await expect(dialog.locator('[name="province"]')).to_have_value("广东省")
    await dialog.locator('[name="province"]').select_option("浙江省")
    await dialog.locator('[name="city"]').fill("杭州市")
    await dialog.locator('[name="district"]').fill("西湖区")
    await dialog.locator('[data-role="submit"]').click()
    await expect(drawer.locator('[data-section="address"]')).to_contain_text("浙江省 杭州市")

    # ... and note something only staff see
    await drawer.locator('[data-action="staff-remark"]').click()
    dialog = page.locator('dialog[data-dialog="staff-remark"]')
    await dialog.locator('[name="staff_remark"]').fill("周末送达")
    await dialog.locator('[data-role="submit"]').click()
    await expect(drawer.locator('[data-field="staff_remark"]')).to_have_text("周末送达")

    # Then the shop has all three
    from models import Order

    saved = await Order.get(id=order["id"])
    assert (saved.pay_amount, saved.address["province"], saved.staff_remark) == (
        9950,
        "浙江省",
        "周末送达",
    )
    mine = (await client.get(f"/api/v1/orders/{order['id']}", headers=headers)).json()
    assert mine["pay_amount"] == 9950 and "staff_remark" not in mine
    assert errors.unexpected() == []


async def test_staff_ship_from_a_csv_file_and_export_the_list(
    context: Any, client: httpx.AsyncClient, sim: httpx.AsyncClient, settings: Any, tmp_path: Path
) -> None:
    # Given two paid orders and an operator on the order list
    await make_admin("root")
    first, _, sku = await paid_order(client, sim, settings)
    [(buyer, headers)] = await make_buyers(settings, 1, prefix="second")
    second = await place_order(client, headers, await make_address(buyer.id), sku.id)
    await pay(client, sim, headers, second)
    page, errors = await open_console(context, "root", "/admin/#/orders?status=paid")
    await expect(page.locator(f'#order-list tr[data-order-id="{second["id"]}"]')).to_be_visible()

    # When they export the list, they get Excel's CSV of exactly those orders
    async with page.expect_download() as downloading:
        await page.click('[data-action="export-orders"]')
    saved = tmp_path / "orders.csv"
    await (await downloading.value).save_as(saved)
    content = saved.read_bytes()
    assert content.startswith(b"\xef\xbb\xbf")
    numbers = {line.split(",")[0].strip() for line in content.decode("utf-8-sig").splitlines()[1:]}
    assert numbers == {first["order_no"], second["order_no"]}

    # When they upload a shipping file with one good row and one bad one
    csv_file = tmp_path / "ship.csv"
    csv_file.write_text(f"{first['order_no']},SF,SF777\r\n20990101000000000000,SF,SF1\r\n")
    await page.click('[data-action="ship-batch"]')
    dialog = page.locator('dialog[data-dialog="ship-batch"]')
    await dialog.locator('[name="file"]').set_input_files(str(csv_file))
    await dialog.locator('[data-role="submit"]').click()

    # Then the result names the bad row, and the good one shipped
    result = page.locator('dialog[data-dialog="ship-batch-result"]')
    await expect(result.locator('[data-role="batch-summary"]')).to_contain_text("shipped 1")
    await expect(result.locator('[data-row="2"]')).to_contain_text("order_not_found")
    await result.locator('[data-role="submit"]').click()
    await until_status(first["id"], "shipped")
    await until_status(second["id"], "paid")
    assert errors.unexpected() == []


async def test_a_product_names_its_freight_template_and_weights_in_the_editor(
    context: Any, client: httpx.AsyncClient, settings: Any
) -> None:
    # Given a freight template by weight, and an operator on a new product
    await make_admin("root")
    await Category.create(name="食品")
    from models import FreightTemplate, Product, Sku

    template = await FreightTemplate.create(
        name="生鲜冷链",
        charge_by="weight",
        rules=[
            {
                "regions": [],
                "first": 1000,
                "first_fee": 1200,
                "additional": 500,
                "additional_fee": 400,
            }
        ],
        free_rules=[],
        excluded_regions=["西藏自治区"],
    )
    page, errors = await open_console(context, "root", "/admin/#/products/new")
    await page.fill('#product-form [name="title"]', "阳澄湖大闸蟹")
    await page.select_option('#product-form [name="category_id"]', label="食品")
    await page.check('#product-form [name="on_sale"]')
    # When they pick the template and weigh the one SKU
    await page.select_option('#product-form [name="freight_template_id"]', label="生鲜冷链")
    row = page.locator("#sku-matrix tr").first
    await row.locator('[data-role="price"]').fill("288.00")
    await row.locator('[data-role="weight"]').fill("2500")
    await page.click('[data-action="save-product"]')
    await expect(page.locator('#sku-matrix tr[data-sku-id=""]')).to_have_count(0)

    # Then the product ships by that template, with that weight
    product = await Product.get(title="阳澄湖大闸蟹")
    assert product.freight_template_id == template.id
    [sku] = await Sku.filter(product_id=product.id)
    assert sku.weight == 2500
    # ... and the editor shows them again when reopened
    await page.reload()
    await expect(page.locator('#product-form [name="freight_template_id"]')).to_have_value(
        str(template.id)
    )
    await expect(page.locator('#sku-matrix [data-role="weight"]')).to_have_value("2500")
    assert errors.unexpected() == []


async def test_staff_make_a_freight_template_the_shops_default(
    context: Any, client: httpx.AsyncClient, settings: Any
) -> None:
    # Given an operator on the freight templates screen, with none yet
    await make_admin("root")
    page, errors = await open_console(context, "root", "/admin/#/freight")
    await expect(page.locator("#freight-empty")).to_be_visible()

    # When they make one: 1 piece for 6 yuan, 2 more each; Xinjiang dearer; free from 3
    # pieces; Tibet not served; the shop's default
    await page.click('[data-action="new-template"]')
    dialog = page.locator('dialog[data-dialog="freight-template"]')
    await dialog.locator('[name="name"]').fill("全国包邮门槛")
    await dialog.locator('[name="is_default"]').check()
    first = dialog.locator('[data-role="rule"]').first
    await first.locator('[name="first_fee"]').fill("6.00")
    await first.locator('[name="additional_fee"]').fill("2.00")
    await dialog.locator('[data-action="add-rule"]').click()
    xinjiang = dialog.locator('[data-role="rule"]').nth(1)
    await xinjiang.locator('[name="regions"]').select_option(["新疆维吾尔自治区"])
    await xinjiang.locator('[name="first_fee"]').fill("15.00")
    await xinjiang.locator('[name="additional_fee"]').fill("5.00")
    await dialog.locator('[data-action="add-free-rule"]').click()
    await dialog.locator('[data-role="free-rule"] [name="min_quantity"]').fill("3")
    await dialog.locator('[name="excluded_regions"]').select_option(["西藏自治区"])
    await dialog.locator('[data-role="submit"]').click()

    # Then the list shows it as the default, and checkout follows it
    row = page.locator("#freight-list tr")
    await expect(row).to_have_count(1)
    await expect(row.locator('[data-role="default"]')).to_be_visible()
    await expect(row).to_contain_text("西藏自治区")
    from models import FreightTemplate

    saved = await FreightTemplate.get(name="全国包邮门槛")
    assert saved.is_default and saved.excluded_regions == ["西藏自治区"]
    assert sorted((r["regions"], r["first_fee"], r["additional_fee"]) for r in saved.rules) == [
        ([], 600, 200),
        (["新疆维吾尔自治区"], 1500, 500),
    ]
    assert saved.free_rules == [{"regions": [], "min_amount": None, "min_quantity": 3}]

    # When a rule contradicts another, the dialog says what the server refused
    await page.click('[data-action="edit-template"]')
    dialog = page.locator('dialog[data-dialog="freight-template"]')
    await dialog.locator('[data-action="add-rule"]').click()
    await dialog.locator('[data-role="submit"]').click()
    await expect(dialog).to_contain_text("at most one rule covers every other province")
    assert errors.unexpected("422") == []


RETURN_ADDRESS = {"name": "售后部", "phone": "13800000000", "address": "上海市浦东新区世纪大道1号"}


async def shipped_order(
    client: httpx.AsyncClient, sim: httpx.AsyncClient, settings: Any
) -> tuple[dict[str, Any], dict[str, str], Any]:
    """A customer's paid order of 3 T-shirts, shipped by staff: (order, headers, sku)."""
    _, (sku,) = await make_product(title="纯棉T恤", skus=[({"颜色": "白"}, 4900, 50)])
    [(buyer, headers)] = await make_buyers(settings, 1, prefix="returner")
    address_id = await make_address(buyer.id)
    body = {"items": [{"sku_id": sku.id, "quantity": 3}], "address_id": address_id}
    placed = await client.post(
        "/api/v1/orders", json=body, headers={**headers, "Idempotency-Key": f"return-{buyer.id}"}
    )
    assert placed.status_code == 201, placed.text
    order: dict[str, Any] = placed.json()
    await pay(client, sim, headers, order)
    resp = await client.post(
        f"/api/admin/orders/{order['id']}/ship",
        json={"carrier_code": "SF", "tracking_no": "SF1234567890"},
        headers=await root_headers(client),
    )
    assert resp.status_code == 200, resp.text
    return order, headers, sku


async def test_a_return_is_approved_received_and_refunded_from_the_console_and_another_follows(
    browser: Any,
    base_url: str,
    client: httpx.AsyncClient,
    sim: httpx.AsyncClient,
    settings: Any,
    tmp_path: Path,
) -> None:
    from models import Sku

    # Given a shop with a return address, two operators and a colleague who may only read
    await make_admin("root")
    await make_admin("ops")
    await make_admin("reader", superuser=False, permissions=["orders.read", "after_sales.read"])
    patched = await client.patch(
        "/api/admin/settings",
        json={"return_address": RETURN_ADDRESS},
        headers=await root_headers(client),
    )
    assert patched.status_code == 200, patched.text
    order, headers, sku = await shipped_order(client, sim, settings)
    contexts = [await new_context(browser, base_url) for _ in range(3)]
    try:
        page, errors = await open_console(contexts[0], "root", "/admin/#/after-sales")
        other, other_errors = await open_console(contexts[1], "ops", "/admin/#/after-sales")
        reader, reader_errors = await open_console(contexts[2], "reader", "/admin/#/after-sales")
        await expect(page.locator("#after-sale-empty")).to_be_visible()

        # When the customer asks to return 2 of the 3 through the mini-program API
        asked = await client.post(
            f"/api/v1/orders/{order['id']}/after-sales",
            json={
                "type": "return_refund",
                "items": [{"order_item_id": order["items"][0]["id"], "quantity": 2}],
                "reason": "尺码偏大",
            },
            headers=headers,
        )
        assert asked.status_code == 201, asked.text
        after_sale = asked.json()
        row_of = f'#after-sale-list tr[data-after-sale-id="{after_sale["id"]}"]'
        row, other_row, reader_row = (c.locator(row_of) for c in (page, other, reader))
        # Then every console lists it pending, without a reload, with what was asked
        for shown in (row, other_row, reader_row):
            await expect(shown).to_have_attribute("data-state", "pending")
            await expect(shown.locator('[data-role="order"]')).to_have_text(order["order_no"])
            await expect(shown.locator('[data-role="items"]')).to_contain_text("纯棉T恤")
            await expect(shown.locator('[data-role="items"]')).to_contain_text("× 2")
            await expect(shown.locator('[data-role="refund-amount"]')).to_have_text(
                f"¥{after_sale['refund_amount'] / 100:,.2f}"
            )
            await expect(shown.locator('[data-role="reason"]')).to_have_text("尺码偏大")
        # ... the reader's console offers no action, theirs approve and reject
        await expect(reader_row.locator("[data-action]")).to_have_count(0)
        await expect(row.locator('[data-action="approve-after-sale"]')).to_be_visible()
        await expect(row.locator('[data-action="reject-after-sale"]')).to_be_visible()
        await expect(row.locator('[data-action="receive-after-sale"]')).to_have_count(0)
        await other.evaluate("window.sameDocument = true")
        await page.screenshot(
            path=str(shots_dir(tmp_path) / "console-after-sales.png"), full_page=True
        )

        # When the second operator opens it and starts approving it, and the first approves
        await other_row.locator('[data-role="details"]').click()
        drawer = other.locator(f'#drawer[data-after-sale-id="{after_sale["id"]}"]')
        await expect(drawer).to_have_attribute("data-state", "pending")
        await drawer.locator('[data-action="approve-after-sale"]').click()
        await row.locator('[data-action="approve-after-sale"]').click()
        await page.locator('dialog[data-dialog="approve-after-sale"] [data-role="submit"]').click()
        # Then both consoles show it waiting for the goods, the drawer with its history
        await expect(row).to_have_attribute("data-state", "approved")
        await expect(other_row).to_have_attribute("data-state", "approved")
        await expect(drawer).to_have_attribute("data-state", "approved")
        await expect(drawer.locator('[data-section="history"] li')).to_have_count(2)
        await expect(drawer).to_contain_text("售后部")
        # ... and the second's approve, sent late, is refused as the server says it
        stale = other.locator('dialog[data-dialog="approve-after-sale"]')
        await stale.locator('[data-role="submit"]').click()
        await expect(stale.locator("[data-error]")).to_have_attribute("data-status", "409")
        await expect(stale.locator("[data-error]")).to_contain_text(
            "Cannot approve an after-sale that is approved"
        )
        await stale.locator("button", has_text="取消").click()

        # When the customer sends the goods back with a tracking number
        sent = await client.post(
            f"/api/v1/after-sales/{after_sale['id']}/return",
            json={"carrier_code": "SF", "tracking_no": "SF9876543210"},
            headers=headers,
        )
        assert sent.status_code == 200, sent.text
        # Then both consoles show the tracking, and receiving is offered
        await expect(drawer.locator('[data-field="return_tracking"]')).to_contain_text(
            "SF9876543210"
        )
        await expect(row.locator('[data-role="return-tracking"]')).to_contain_text("SF9876543210")
        await expect(row).to_have_attribute("data-state", "returning")

        # When the first operator receives them as resellable
        stock_before = (await Sku.get(id=sku.id)).stock
        await row.locator('[data-action="receive-after-sale"]').click()
        receive = page.locator('dialog[data-dialog="receive-after-sale"]')
        await receive.locator('[name="resellable"]').check()
        await receive.locator('[data-role="submit"]').click()
        # Then the units are back in stock and the refund is with WeChat Pay
        await expect(row).to_have_attribute("data-state", "refunding")
        await expect(drawer).to_have_attribute("data-state", "refunding")
        assert (await Sku.get(id=sku.id)).stock == stock_before + 2
        detail = (
            await client.get(
                f"/api/admin/after-sales/{after_sale['id']}", headers=await root_headers(client)
            )
        ).json()
        assert detail["resellable"] is True

        # When WeChat Pay (the simulator) reports the money returned
        resp = await sim.post(f"/sim/refund/{detail['refund']['out_refund_no']}")
        assert resp.status_code == 200, resp.text
        # Then both consoles show it refunded, with nothing left to do
        await expect(row).to_have_attribute("data-state", "refunded")
        await expect(other_row).to_have_attribute("data-state", "refunded")
        await expect(drawer).to_have_attribute("data-state", "refunded")
        await expect(drawer.locator('[data-refund-status="refunded"]')).to_have_count(1)
        await expect(drawer.locator("[data-action]")).to_have_count(0)
        await expect(row.locator("[data-action]")).to_have_count(0)
        assert await other.evaluate("window.sameDocument") is True
        # ... and the customer's steps are in the recent activity
        await page.click('.nav-link[data-screen="overview"]')
        for event in ("after_sale.requested", "after_sale.returned", "after_sale.refunded"):
            shown = page.locator(f'#activity li[data-event="{event}"]')
            await expect(shown).to_have_count(1)
            await expect(shown).to_contain_text(order["order_no"])
        assert errors.unexpected() == [] and reader_errors.unexpected() == []
        assert other_errors.unexpected("409 (Conflict)") == []
    finally:
        for ctx in contexts:
            await ctx.close()


async def test_staff_refund_some_units_then_everything_left_from_the_order_drawer(
    browser: Any,
    base_url: str,
    client: httpx.AsyncClient,
    sim: httpx.AsyncClient,
    settings: Any,
) -> None:
    # Given a shipped order of 3 T-shirts, an operator, and a colleague who may read
    # orders and after-sales but not refund
    await make_admin("root")
    await make_admin("reader", superuser=False, permissions=["orders.read", "after_sales.read"])
    order, _headers, _sku = await shipped_order(client, sim, settings)
    item = order["items"][0]
    first_ctx = await new_context(browser, base_url)
    second_ctx = await new_context(browser, base_url)
    try:
        page, errors = await open_console(first_ctx, "root", f"/admin/#/orders/{order['id']}")
        other, other_errors = await open_console(
            second_ctx, "reader", f"/admin/#/orders/{order['id']}"
        )
        drawer = page.locator(f'#drawer[data-order-id="{order["id"]}"]')
        other_drawer = other.locator(f'#drawer[data-order-id="{order["id"]}"]')
        await expect(drawer).to_have_attribute("data-status", "shipped")
        await expect(other_drawer).to_have_attribute("data-status", "shipped")
        # ... the reader is offered no refund
        await expect(other_drawer.locator('[data-action="staff-refund"]')).to_have_count(0)

        # When the operator refunds 1 of the 3 units, with a reason
        await drawer.locator('[data-action="staff-refund"]').click()
        dialog = page.locator('dialog[data-dialog="staff-refund"]')
        await dialog.locator('input[name="scope"][value="items"]').check()
        await dialog.locator(f'[name="qty.{item["id"]}"]').fill("1")
        await dialog.locator('[name="reason"]').fill("破损补偿")
        await dialog.locator('[data-role="submit"]').click()
        await expect(dialog).to_have_count(0)
        # Then both drawers list the after-sale, refunding 1 unit
        listed = '[data-section="after-sales"] li'
        for shown in (drawer, other_drawer):
            await expect(shown.locator(listed)).to_have_count(1)
            await expect(shown.locator(listed)).to_have_attribute("data-state", "refunding")
            await expect(shown.locator(listed)).to_contain_text("× 1")
            await expect(shown.locator(listed)).to_contain_text("破损补偿")
        root = await root_headers(client)
        found = (
            await client.get(f"/api/admin/after-sales?order_id={order['id']}", headers=root)
        ).json()
        [first] = found["items"]
        assert [(line["order_item_id"], line["quantity"]) for line in first["items"]] == [
            (item["id"], 1)
        ]
        assert first["refund_amount"] == item["paid_amount"] // 3

        # When WeChat Pay confirms, then both drawers show it refunded
        resp = await sim.post(f"/sim/refund/{first['refund']['out_refund_no']}")
        assert resp.status_code == 200, resp.text
        for shown in (drawer, other_drawer):
            await expect(shown.locator(listed)).to_have_attribute("data-state", "refunded")

        # When the operator refunds everything left
        await drawer.locator('[data-action="staff-refund"]').click()
        await dialog.locator('[name="reason"]').fill("缺货全退")
        await dialog.locator('[data-role="submit"]').click()
        # Then the second after-sale takes the other 2 units, and no refund is left to offer
        for shown in (drawer, other_drawer):
            await expect(shown.locator(listed)).to_have_count(2)
        found = (
            await client.get(f"/api/admin/after-sales?order_id={order['id']}", headers=root)
        ).json()
        second = next(a for a in found["items"] if a["id"] != first["id"])
        assert [line["quantity"] for line in second["items"]] == [2]
        assert first["refund_amount"] + second["refund_amount"] == item["paid_amount"]
        await expect(drawer.locator('[data-action="staff-refund"]')).to_have_count(0)
        resp = await sim.post(f"/sim/refund/{second['refund']['out_refund_no']}")
        assert resp.status_code == 200, resp.text
        await expect(drawer).to_have_attribute("data-status", "refunded")
        await expect(other_drawer).to_have_attribute("data-status", "refunded")
        assert errors.unexpected() == [] and other_errors.unexpected() == []
    finally:
        for ctx in (first_ctx, second_ctx):
            await ctx.close()


async def test_after_sale_days_and_the_return_address_are_set_and_cleared_in_the_settings(
    context: Any, client: httpx.AsyncClient
) -> None:
    # Given an operator on the settings screen of a shop without a return address
    await make_admin("root")
    root = await root_headers(client)

    async def saved() -> tuple[int, Any]:
        doc = (await client.get("/api/admin/settings", headers=root)).json()
        return doc["after_sale_days"], doc["return_address"]

    page, errors = await open_console(context, "root", "/admin/#/settings")
    form = page.locator("#settings-form")
    await expect(form.locator('[name="after_sale_days"]')).to_have_value("7")
    address = form.locator('[data-role="return-address"]')
    await expect(address.locator('[name="return_address.name"]')).to_have_value("")

    # When it allows 15 days and sets the return address
    await form.locator('[name="after_sale_days"]').fill("15")
    await address.locator('[name="return_address.name"]').fill(RETURN_ADDRESS["name"])
    await address.locator('[name="return_address.phone"]').fill(RETURN_ADDRESS["phone"])
    await address.locator('[name="return_address.address"]').fill(RETURN_ADDRESS["address"])
    assert await save_settings(page) == 200
    # Then the shop has them, and a reload shows them
    assert await saved() == (15, RETURN_ADDRESS)
    await page.reload()
    await expect(form.locator('[name="after_sale_days"]')).to_have_value("15")
    await expect(address.locator('[name="return_address.phone"]')).to_have_value(
        RETURN_ADDRESS["phone"]
    )

    # When the phone is not a phone number, the server's 422 is shown and nothing changes
    await address.locator('[name="return_address.phone"]').fill("call me")
    assert await save_settings(page) == 422
    refused = form.locator("[data-error]")
    await expect(refused).to_have_attribute("data-status", "422")
    await expect(refused).to_contain_text("phone")
    assert await saved() == (15, RETURN_ADDRESS)

    # When it empties the three fields, the shop has no return address any more
    for key in ("name", "phone", "address"):
        await address.locator(f'[name="return_address.{key}"]').fill("")
    assert await save_settings(page) == 200
    assert await saved() == (15, None)
    assert errors.unexpected("422 (Unprocessable") == []
