"""`mall demo`: the walk-through of the README played against a running `mall dev`.

It calls the API the way the mini-program and the console do (HTTP and both websockets) and
the WeChat simulator the way WeChat's payment page would, printing one line per step. Every
run uses a fresh login code (a code works once) and looks up what it needs (a SKU in stock,
its own address and order), so it can be run any number of times.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

import httpx
import orjson
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import InvalidStatus, WebSocketException

DEMO_ADDRESS = {
    "name": "张三",
    "phone": "13800138000",
    "province": "广东省",
    "city": "广州市",
    "district": "海珠区",
    "detail": "新港中路397号",
}
PAGE_SIZE = 50


class DemoFailed(Exception):
    """A step that did not do what it should; the message names it and what came back."""


def _ws_url(base: str, path: str, token: str) -> str:
    parts = urlsplit(base)
    scheme = "wss" if parts.scheme == "https" else "ws"
    return urlunsplit((scheme, parts.netloc, path, f"token={quote(token)}", ""))


def _yuan(fen: int) -> str:
    return f"¥{fen / 100:.2f}"


def _error_text(response: httpx.Response) -> str:
    try:
        error = response.json().get("error") or {}
    except ValueError:
        return response.text[:200]
    if not isinstance(error, dict):
        return response.text[:200]
    return f"{error.get('code')}: {error.get('message')}"


class Socket:
    """One websocket, read in the background; events are kept to be waited for."""

    def __init__(self, name: str, conn: ClientConnection) -> None:
        self.name = name
        self.conn = conn
        self.events: list[dict[str, Any]] = []
        self.welcome: dict[str, Any] | None = None
        self.changed = asyncio.Condition()
        self.reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        with contextlib.suppress(WebSocketException):
            async for raw in self.conn:
                message = orjson.loads(raw)
                async with self.changed:
                    if message.get("type") == "welcome":
                        self.welcome = message
                    elif message.get("type") == "event":
                        self.events.append(message)
                    self.changed.notify_all()

    async def wait_for(
        self, what: str, test: Callable[[dict[str, Any]], bool], within: float
    ) -> dict[str, Any]:
        """The first message (welcome or event) that passes `test`, within `within` s."""

        def found() -> dict[str, Any] | None:
            candidates = ([self.welcome] if self.welcome else []) + self.events
            return next((m for m in candidates if test(m)), None)

        async with self.changed:
            try:
                await asyncio.wait_for(
                    self.changed.wait_for(lambda: found() is not None or self.reader.done()),
                    within,
                )
            except TimeoutError:
                raise DemoFailed(
                    f"no {what} on the {self.name} socket within {within:.0f}s"
                ) from None
            message = found()
        if message is None:
            raise DemoFailed(f"the {self.name} socket closed before {what} arrived")
        return message

    async def close(self) -> None:
        await self.conn.close()
        self.reader.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self.reader


class Demo:
    """The walk-through, step by step; `run` raises DemoFailed naming the failed step."""

    def __init__(
        self,
        *,
        api: str,
        sim: str,
        admin_username: str,
        admin_password: str,
        customer: str = "alice",
        timeout: float = 15.0,
        out: Callable[[str], None] = print,
    ) -> None:
        self.api = api.rstrip("/")
        self.sim = sim.rstrip("/")
        self.admin_username = admin_username
        self.admin_password = admin_password
        self.customer = customer
        self.timeout = timeout
        self.out = out
        self.step_no = 0
        self.title = ""
        self.http = httpx.AsyncClient(timeout=30)
        self.sockets: list[Socket] = []

    def step(self, title: str) -> None:
        """Start the next step (its title names it if it fails)."""
        self.step_no += 1
        self.title = title

    def say(self, detail: str) -> None:
        self.out(f"{self.step_no:>2}. {self.title:<32} {detail}")

    async def call(
        self,
        method: str,
        url: str,
        *,
        expect: int,
        token: str | None = None,
        json: Any = None,
        headers: dict[str, str] | None = None,
    ) -> Any:
        """One HTTP call; anything but the expected status ends the demo, saying why."""
        response = await self.send(method, url, token=token, json=json, headers=headers)
        if response.status_code != expect:
            self.fail(response, expect)
        return response.json() if response.content else None

    def fail(self, response: httpx.Response, expect: int) -> None:
        shown = str(response.request.url).removeprefix(self.api).removeprefix(self.sim)
        raise DemoFailed(
            f"{response.request.method} {shown} answered "
            f"{response.status_code} ({_error_text(response)}), expected {expect}"
        )

    async def send(
        self,
        method: str,
        url: str,
        *,
        token: str | None = None,
        json: Any = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        """The response, whatever its status; a server that does not answer ends the demo."""
        sent = {**(headers or {})}
        if token:
            sent["Authorization"] = f"Bearer {token}"
        server, base = (
            ("WeChat simulator", self.sim)
            if url.startswith(self.sim)
            else (
                "API",
                self.api,
            )
        )
        for attempt in (1, 2):
            try:
                response = await self.http.request(method, url, json=json, headers=sent)
            except httpx.ConnectError as exc:
                raise DemoFailed(
                    f"cannot reach the {server} at {base} ({exc}); "
                    "is `mall dev` running? (--api and --sim name other addresses)"
                ) from None
            except httpx.HTTPError as exc:
                raise DemoFailed(f"{method} {url} failed: {exc!r}") from None
            if response.status_code == 429 and attempt == 1:
                # Logins are rate limited per account: wait as told, once.
                wait = min(int(response.headers.get("Retry-After", "5")), 60)
                self.out(f"    rate limited; waiting {wait}s as the API asks")
                await asyncio.sleep(wait)
                continue
            break
        return response

    async def open_socket(self, name: str, path: str, token: str) -> Socket:
        try:
            conn = await connect(_ws_url(self.api, path, token), open_timeout=self.timeout)
        except (OSError, InvalidStatus, WebSocketException, TimeoutError) as exc:
            raise DemoFailed(f"cannot open {path}: {exc}") from None
        sock = Socket(name, conn)
        self.sockets.append(sock)
        await sock.wait_for("welcome", lambda m: m.get("type") == "welcome", self.timeout)
        return sock

    async def run(self) -> None:
        """Every step in order; prints one line each."""
        try:
            await self._run()
        except DemoFailed as exc:
            raise DemoFailed(f"step {self.step_no} ({self.title}) failed: {exc}") from None
        finally:
            for sock in self.sockets:
                with contextlib.suppress(Exception):
                    await sock.close()
            await self.http.aclose()

    async def _run(self) -> None:
        started = time.monotonic()
        v1, admin = f"{self.api}/api/v1", f"{self.api}/api/admin"
        self.out(f"mall demo: {self.api} (WeChat simulator {self.sim})")

        self.step("API ready")
        ready = await self.call("GET", f"{self.api}/health/ready", expect=200)
        self.say(
            f"GET /health/ready -> postgres {ready.get('postgres')}, redis {ready.get('redis')}"
        )

        self.step("customer logs in (wx.login)")
        code = f"{self.customer}:{secrets.token_hex(4)}"
        login = await self.call("POST", f"{v1}/auth/wechat/login", json={"code": code}, expect=200)
        customer, user_id = login["access_token"], login["user"]["id"]
        self.say(f"code {code} via the simulator -> user {user_id}")

        self.step("adds an address")
        address = await self.call(
            "POST", f"{v1}/addresses", token=customer, json=DEMO_ADDRESS, expect=201
        )
        self.say(f"POST /api/v1/addresses -> address {address['id']} ({address['city']})")

        self.step("finds a SKU in stock")
        product, sku = await self.pick_sku(v1)
        specs = ", ".join(f"{k} {v}" for k, v in (sku.get("specs") or {}).items()) or "-"
        self.say(
            f"product {product['id']} 「{product['title']}」 SKU {sku['id']} ({specs}) "
            f"{_yuan(sku['price'])}, {sku['stock']} in stock"
        )

        self.step("staff log in; both sockets open")
        staff_login = await self.send(
            "POST",
            f"{admin}/auth/login",
            json={"username": self.admin_username, "password": self.admin_password},
        )
        if staff_login.status_code == 401:
            raise DemoFailed(
                f"the API refused admin {self.admin_username!r} ({_error_text(staff_login)}); "
                "pass the password `mall dev` printed with --admin-password, or point "
                "--data-dir at its data directory"
            )
        if staff_login.status_code != 200:
            self.fail(staff_login, 200)
        staff = staff_login.json()["access_token"]
        user_socket = await self.open_socket("customer's", "/ws", customer)
        admin_socket = await self.open_socket("dashboard's", "/ws/admin", staff)
        self.say(
            f"/ws {user_socket.welcome and user_socket.welcome.get('channels')}, "
            f"/ws/admin (staff {self.admin_username}) "
            f"{admin_socket.welcome and admin_socket.welcome.get('channels')}"
        )

        self.step("places an order")
        order = await self.call(
            "POST",
            f"{v1}/orders",
            token=customer,
            headers={"Idempotency-Key": secrets.token_hex(16)},
            json={"items": [{"sku_id": sku["id"], "quantity": 1}], "address_id": address["id"]},
            expect=201,
        )
        order_id, order_no = order["id"], order["order_no"]
        self.say(
            f"order {order_id} ({order_no}), {_yuan(order['pay_amount'])} to pay, {order['status']}"
        )

        self.step("asks to pay (wx.requestPayment)")
        prepay = await self.call("POST", f"{v1}/orders/{order_id}/pay", token=customer, expect=200)
        self.say(f"package {prepay.get('package')}, signType {prepay.get('signType')}")

        self.step("pays in the simulator")
        await self.call("POST", f"{self.sim}/sim/pay/{order_no}", json={}, expect=200)
        self.say(f"POST {self.sim}/sim/pay/{order_no}: WeChat notifies")

        def event_of(name: str) -> Callable[[dict[str, Any]], bool]:
            return lambda m: m.get("event") == name and m["data"].get("order_id") == order_id

        self.step("paid, on the customer's socket")
        paid = await user_socket.wait_for("order.paid", event_of("order.paid"), self.timeout)
        self.say(f"order.paid on {paid['channel']} ({paid['id']})")

        self.step("paid, on the dashboard's socket")
        seen = await admin_socket.wait_for("order.paid", event_of("order.paid"), self.timeout)
        self.say(f"order.paid on {seen['channel']} ({seen['id']})")

        self.step("staff ship it")
        tracking_no = f"SF{secrets.randbelow(10**12):012d}"
        shipped = await self.ship(admin, staff, order_id, tracking_no)
        await user_socket.wait_for("order.shipped", event_of("order.shipped"), self.timeout)
        self.say(f"tracking {tracking_no} -> {shipped['status']}, order.shipped")

        self.step("customer confirms receipt")
        confirmed = await self.call(
            "POST", f"{v1}/orders/{order_id}/confirm", token=customer, json={}, expect=200
        )
        await admin_socket.wait_for("order.completed", event_of("order.completed"), self.timeout)
        self.say(f"-> {confirmed['status']}, order.completed")

        elapsed = time.monotonic() - started
        self.out(
            f"mall demo: done in {elapsed:.1f}s; order {order_no} went pending_payment -> paid "
            f"-> shipped -> {confirmed['status']}. See it in {self.api}/admin/"
        )

    async def pick_sku(self, v1: str) -> tuple[dict[str, Any], dict[str, Any]]:
        """The first SKU with stock of the first products on sale (the catalogue's order)."""
        page = 1
        while True:
            listing = await self.call(
                "GET", f"{v1}/products?page={page}&page_size={PAGE_SIZE}", expect=200
            )
            for item in listing["items"]:
                if item.get("stock", 0) <= 0:
                    continue
                product = await self.call("GET", f"{v1}/products/{item['id']}", expect=200)
                sku = next((s for s in product["skus"] if s["stock"] > 0), None)
                if sku is not None:
                    return product, sku
            if page * PAGE_SIZE >= listing["total"]:
                raise DemoFailed(
                    f"no SKU in stock in the catalogue "
                    f"({listing['total']} products); set stock in the console ({self.api}/admin/)"
                )
            page += 1

    async def ship(self, admin: str, staff: str, order_id: int, tracking_no: str) -> Any:
        """Staff ship it with a carrier from WeChat's list (SF: 顺丰速运)."""
        body = {"carrier_code": "SF", "tracking_no": tracking_no}
        return await self.call(
            "POST", f"{admin}/orders/{order_id}/ship", token=staff, json=body, expect=200
        )
