"""The live admin dashboard and the mini-program realtime client, in a real browser.

Headless Chromium from Debian, driven by Playwright for Python, against the real app, the
WeChat simulator, PostgreSQL and Redis. Skipped, saying why, where Playwright or chromium
is missing. MALL_TEST_SCREENSHOTS=<dir> keeps the dashboard's screenshots there.
"""

from __future__ import annotations

import json
import os
import re
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from sanic import Sanic

from mall import events
from tests.browser_support import (
    SESSION_KEY,
    PageErrors,
    expect,
    needs_browser,
    open_console,
)
from tests.factories import (
    assert_error,
    bearer,
    login,
    make_address,
    make_admin,
    make_buyers,
    make_product,
    pay,
    place_order,
)

CLIENT_JS = Path(__file__).resolve().parents[2] / "clients" / "miniprogram" / "mall-realtime.js"
POSITIONS_KEY = "mall-realtime:last-ids"
# While the browser is offline its requests fail: those errors are the point of the test.
OFFLINE_ERRORS = ("ERR_INTERNET_DISCONNECTED", "Failed to load resource", "Failed to fetch")


async def test_dashboard_page_and_assets_are_served_outside_the_api(
    client: httpx.AsyncClient,
) -> None:
    # The page: a redirect to its canonical URL, then HTML under a strict CSP
    moved = await client.get("/admin")
    assert moved.status_code == 308 and moved.headers["location"] == "/admin/"
    page = await client.get("/admin/")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert page.headers["cache-control"] == "no-cache"
    # Everything it loads is served by the app itself: no CDN, no build step
    referenced = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert referenced and all(url.startswith("/admin/assets/") for url in referenced)
    kinds = {".js": "text/javascript", ".css": "text/css", ".svg": "image/svg+xml"}
    for url in {*referenced, "/admin/assets/live.js", "/admin/assets/api.js"}:
        asset = await client.get(url)
        assert asset.status_code == 200, url
        assert asset.headers["content-type"].startswith(kinds[Path(url).suffix]), url
    # A file it was not given is a JSON 404; a copy it has is revalidated cheaply
    assert_error(await client.get("/admin/assets/nope.js"), 404, "asset_not_found")
    assert_error(await client.get("/admin/assets/..%2F..%2Fconfig.py"), 404)
    modified = page.headers["last-modified"]
    again = await client.get("/admin/", headers={"If-Modified-Since": modified})
    assert again.status_code == 304
    # And none of it is an API operation
    spec = (await client.get("/docs/openapi.json")).json()
    assert not [path for path in spec["paths"] if path.startswith("/admin")]


async def open_dashboard(context: Any) -> tuple[Any, PageErrors]:
    """Sign in as the admin `root` on /admin/ and wait for the live connection."""
    return await open_console(context)


def stat(page: Any, name: str) -> Any:
    return page.locator(f'.stat[data-stat="{name}"] .stat-value')


def drop_sockets(app: Sanic, endpoint: str) -> int:
    """Cut the TCP connections under the server's sockets, as a failing network would."""
    dropped = 0
    for conn in list(app.ctx.hub.connections):
        if conn.endpoint == endpoint:
            conn.ws.io_proto.transport.abort()
            dropped += 1
    return dropped


async def stream(redis: Any, channel: str) -> list[tuple[str, str]]:
    """(event id, event name) of everything published on a channel, oldest first."""
    entries = await redis.xrange(events.stream_key(channel))
    return [(sid, json.loads(fields["e"])["event"]) for sid, fields in entries]


def yuan(fen: int) -> str:
    return f"{fen / 100:,.2f}"


@needs_browser
async def test_dashboard_shows_an_order_arriving_then_paid_without_reload(
    context: Any,
    client: httpx.AsyncClient,
    sim: httpx.AsyncClient,
    settings: Any,
    tmp_path: Path,
) -> None:
    # Given an admin on the dashboard, a product running low and a buyer
    await make_admin("root")
    _, (sku,) = await make_product(title="纯棉T恤", skus=[({"颜色": "白"}, 4900, 8)])
    [(buyer, headers)] = await make_buyers(settings, 1)
    address_id = await make_address(buyer.id)
    page, errors = await open_dashboard(context)
    await expect(stat(page, "orders_today")).to_have_text("0")
    await page.evaluate("window.sameDocument = true")

    # When the buyer places an order, it appears on top, pending payment
    order = await place_order(client, headers, address_id, sku.id)
    row = page.locator(f'tr[data-order-id="{order["id"]}"]')
    await expect(row).to_have_attribute("data-status", "pending_payment")
    await expect(row.locator(".badge")).to_have_text("待付款 Pending payment")
    await expect(row).to_contain_text(order["order_no"])
    await expect(row).to_contain_text(f"¥{yuan(order['pay_amount'])}")
    await expect(row).to_contain_text("纯棉T恤")  # the full order, fetched after the event
    first_row = page.locator("#orders-body tr").first
    await expect(first_row).to_have_attribute("data-order-id", str(order["id"]))
    # ... today's figures follow, and the stock it took raises a low-stock alert
    await expect(stat(page, "orders_today")).to_have_text("1")
    toast = page.locator(".toast")
    await expect(toast).to_contain_text("库存不足")
    await expect(toast).to_contain_text("纯棉T恤")
    await expect(toast).to_contain_text("仅剩 7 件")
    await expect(page.locator(f'#alerts li[data-sku-id="{sku.id}"]')).to_contain_text("剩 7 件")

    # When WeChat Pay (the simulator) reports the payment, the row turns paid in place
    await pay(client, sim, headers, order)
    await expect(row).to_have_attribute("data-status", "paid")
    await expect(row.locator(".badge")).to_have_text("已付款 Paid")
    await expect(stat(page, "paid_amount_today")).to_have_text(yuan(order["pay_amount"]))
    await expect(stat(page, "pending_shipment")).to_have_text("1")
    await expect(page.locator('#activity li[data-event="order.paid"]')).to_have_count(1)

    # Then all of it happened in the page first loaded, with no error in the browser
    assert await page.evaluate("window.sameDocument") is True
    assert errors.unexpected() == []
    shots = Path(os.environ.get("MALL_TEST_SCREENSHOTS") or tmp_path)
    await page.wait_for_timeout(300)  # let the highlight fade a little
    await page.screenshot(path=str(shots / "dashboard.png"), full_page=True)
    await page.set_viewport_size({"width": 390, "height": 844})
    await page.screenshot(path=str(shots / "dashboard-phone.png"), full_page=True)


@needs_browser
async def test_dashboard_resumes_after_a_network_drop_without_missing_events(
    context: Any,
    client: httpx.AsyncClient,
    sim: httpx.AsyncClient,
    settings: Any,
    app_server: Sanic,
    redis: Any,
) -> None:
    # Given the dashboard showing a pending order
    await make_admin("root")
    _, (sku,) = await make_product(skus=[({"颜色": "黑"}, 2900, 100)])
    [(buyer, headers)] = await make_buyers(settings, 1)
    address_id = await make_address(buyer.id)
    page, errors = await open_dashboard(context)
    first = await place_order(client, headers, address_id, sku.id)
    first_row = page.locator(f'tr[data-order-id="{first["id"]}"]')
    await expect(first_row).to_have_attribute("data-status", "pending_payment")

    # When the network fails (the browser goes offline and its connection is cut) ...
    await context.set_offline(True)
    assert drop_sockets(app_server, "admin") == 1
    connection = page.locator("#connection")
    await expect(connection).to_have_attribute("data-state", re.compile("offline|reconnecting"))
    # ... while the first order is paid and a second one is placed
    await pay(client, sim, headers, first)
    second = await place_order(client, headers, address_id, sku.id)
    second_row = page.locator(f'tr[data-order-id="{second["id"]}"]')
    await page.wait_for_timeout(300)
    await expect(first_row).to_have_attribute("data-status", "pending_payment")
    await expect(second_row).to_have_count(0)

    # Then, back online, it reconnects, resumes and shows what it missed
    await context.set_offline(False)
    await expect(connection).to_have_attribute("data-state", "open")
    await expect(first_row).to_have_attribute("data-status", "paid")
    await expect(second_row).to_have_attribute("data-status", "pending_payment")
    first_in_list = page.locator("#orders-body tr").first
    await expect(first_in_list).to_have_attribute("data-order-id", str(second["id"]))
    await expect(stat(page, "orders_today")).to_have_text("2")
    # ... each order event of the admin channel exactly once
    order_events = [e for e in await stream(redis, "admin") if e[1].startswith("order.")]
    assert [name for _, name in order_events] == ["order.created", "order.paid", "order.created"]
    shown = await page.eval_on_selector_all(
        "#activity li", "items => items.map(li => [li.dataset.eventId, li.dataset.event])"
    )
    assert sorted(tuple(item) for item in shown if item[1].startswith("order.")) == order_events
    assert errors.unexpected(*OFFLINE_ERRORS) == []


@needs_browser
async def test_dashboard_session_survives_reload_refreshes_and_ends_when_revoked(
    context: Any, client: httpx.AsyncClient
) -> None:
    # Given a signed-in dashboard whose access token is about to expire
    await make_admin("root")
    page, errors = await open_dashboard(context)
    stored = await page.evaluate(f"JSON.parse(sessionStorage.getItem('{SESSION_KEY}'))")
    stored["expires_at"] = int(time.time() * 1000) + 5_000
    await page.evaluate(f"s => sessionStorage.setItem('{SESSION_KEY}', JSON.stringify(s))", stored)

    # When the page is reloaded, it stays signed in, having swapped the tokens first
    await page.reload()
    await expect(page.locator("#connection")).to_have_attribute("data-state", "open")
    await expect(page.locator("#login-view")).to_be_hidden()
    fresh = await page.evaluate(f"JSON.parse(sessionStorage.getItem('{SESSION_KEY}'))")
    assert fresh["refresh_token"] != stored["refresh_token"]
    assert fresh["access_token"] != stored["access_token"]

    # When that login is revoked elsewhere, the server ends the socket (4401), the
    # refresh is refused, and the page asks to sign in again, the tokens forgotten
    resp = await client.post("/api/admin/auth/logout", headers=bearer(fresh["access_token"]))
    assert resp.status_code == 204
    await expect(page.locator("#login-view")).to_be_visible()
    await expect(page.locator("#login-error")).to_contain_text("登录已过期")
    assert await page.evaluate(f"sessionStorage.getItem('{SESSION_KEY}')") is None
    assert errors.unexpected("401 (Unauthorized)") == []


# Starts mall-realtime.js in the page. "websocket": the browser adapter. "wx": a stand-in
# for the mini-program's wx object (connectSocket's SocketTask API and the storage calls,
# over the browser's WebSocket and localStorage), so the client runs its default wx path.
START_CLIENT = """
({url, token, channel, adapter, positionsKey}) => {
  window.received = [];
  window.refreshCalls = 0;
  window.token = token;
  const positions = {
    get: (key) => JSON.parse(localStorage.getItem(key) || "null"),
    set: (key, value) => localStorage.setItem(key, JSON.stringify(value)),
  };
  let socket, storage;
  if (adapter === "wx") {
    window.wx = {
      connectSocket({url}) {
        const ws = new WebSocket(url);
        const on = (name, fn) => ws.addEventListener(name, fn);
        return {
          onOpen: (fn) => on("open", () => fn({header: {}})),
          onMessage: (fn) => on("message", (e) => fn({data: e.data})),
          onClose: (fn) => on("close", (e) => fn({code: e.code, reason: e.reason})),
          onError: (fn) => on("error", () => fn({errMsg: "error"})),
          send: ({data}) => ws.send(data),
          close: ({code, reason}) => ws.close(code, reason),
        };
      },
      getStorageSync: positions.get,
      setStorageSync: positions.set,
    };
  } else {
    socket = MallRealtime.webSocketAdapter(WebSocket);
    storage = positions;
  }
  const rt = new MallRealtime.MallRealtime({
    url,
    getToken: () => window.token,
    // The app would log in again (wx.login); here the test hands the new token over.
    refreshToken: () => {
      window.refreshCalls += 1;
      return new Promise((resolve) => {
        window.giveToken = (t) => { window.token = t; resolve(t); };
      });
    },
    socket,
    storage,
    storageKey: positionsKey,
    backoff: {initialMs: 100, maxMs: 400},
  });
  rt.on("*", (data, e) => window.received.push({channel: e.channel, id: e.id, event: e.event}));
  window.subscribed = false;
  rt.on("subscribed", () => { window.subscribed = true; });
  rt.subscribe(channel);
  window.rt = rt;
}
"""


async def received(page: Any, at_least: int = 0) -> list[dict[str, str]]:
    await page.wait_for_function(f"window.received.length >= {at_least}")
    items: list[dict[str, str]] = await page.evaluate("window.received")
    return items


@needs_browser
@pytest.mark.parametrize("adapter", ["websocket", "wx"])
async def test_miniprogram_client_resumes_every_channel_after_drops(
    adapter: str,
    context: Any,
    client: httpx.AsyncClient,
    sim: httpx.AsyncClient,
    app_server: Sanic,
    base_url: str,
    redis: Any,
) -> None:
    # Given a buyer's page running mall-realtime.js on /ws, subscribed to a product
    product, (sku,) = await make_product(skus=[({"颜色": "红"}, 1500, 100)])
    buyer = await login(client, "mia")
    user_channel = f"user:{buyer['user']['id']}"
    product_channel = f"product:{product.id}"
    address_id = await make_address(buyer["user"]["id"])
    page = await context.new_page()
    errors = PageErrors(page)
    await page.goto("/health/live")  # a page of the app's origin to run it in
    await page.add_script_tag(path=str(CLIENT_JS))
    start = {
        "url": base_url.replace("http://", "ws://") + "/ws",
        "token": buyer["access_token"],
        "channel": product_channel,
        "adapter": adapter,
        "positionsKey": POSITIONS_KEY,
    }
    await page.evaluate(START_CLIENT, start)
    await page.wait_for_function("window.rt.state === 'open' && window.subscribed")

    # When an order is placed, its events arrive on both channels
    first = await place_order(client, bearer(buyer["access_token"]), address_id, sku.id)
    got = await received(page, 2)
    assert {(e["channel"], e["event"]) for e in got} == {
        (user_channel, "order.created"),
        (product_channel, "stock.changed"),
    }

    # When the buyer logs out elsewhere, the server ends the socket (4401) and the client
    # asks the app for a new token; meanwhile the order is paid and another one placed
    await client.post("/api/v1/auth/logout", headers=bearer(buyer["access_token"]))
    await page.wait_for_function("window.refreshCalls === 1 && window.rt.state === 'refreshing'")
    again = await login(client, "mia")
    headers = bearer(again["access_token"])
    await pay(client, sim, headers, first)
    second = await place_order(client, headers, address_id, sku.id)
    assert len(await received(page)) == 2
    # Then, given the new token, it reconnects and resumes both channels
    await page.evaluate("t => window.giveToken(t)", again["access_token"])
    got = await received(page, 6)
    assert [e["event"] for e in got[2:] if e["channel"] == user_channel] == [
        "order.paid",
        "payment.succeeded",
        "order.created",
    ]
    assert [e["event"] for e in got[2:] if e["channel"] == product_channel] == ["stock.changed"]

    # When the network fails: offline, and the connection cut under it
    await context.set_offline(True)
    assert drop_sockets(app_server, "user") == 1
    await page.wait_for_function("['reconnecting', 'connecting'].includes(window.rt.state)")
    resp = await client.post(f"/api/v1/orders/{second['id']}/cancel", headers=headers)
    assert resp.status_code == 200, resp.text
    await page.wait_for_timeout(300)  # a few failed attempts at reconnecting
    assert len(await received(page)) == 6
    # Then, back online, the cancellation and the stock it returned arrive
    await context.set_offline(False)
    got = await received(page, 8)
    assert {(e["channel"], e["event"]) for e in got[6:]} == {
        (user_channel, "order.cancelled"),
        (product_channel, "stock.changed"),
    }

    # Finally: exactly the events of both streams, in order, each once ...
    await page.wait_for_timeout(200)
    got = await received(page)
    for channel in (user_channel, product_channel):
        published = [sid for sid, _ in await stream(redis, channel)]
        assert [e["id"] for e in got if e["channel"] == channel] == published
    # ... and the last positions stored for the app's next start
    latest = {
        channel: (await stream(redis, channel))[-1][0]
        for channel in (user_channel, product_channel)
    }
    await page.wait_for_function(
        "([key, latest]) => {"
        "  const stored = JSON.parse(localStorage.getItem(key) || '{}');"
        "  return Object.keys(latest).every((c) => stored[c] === latest[c]);"
        "}",
        arg=[POSITIONS_KEY, latest],
    )
    await page.evaluate("window.rt.close()")
    assert await page.evaluate("window.rt.state") == "closed"
    assert errors.unexpected(*OFFLINE_ERRORS) == []
