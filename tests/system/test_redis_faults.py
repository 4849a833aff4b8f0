"""Real time that survives faults: processes and Redis killed, paused and restarted under
traffic, with real processes (two APIs, a worker, two schedulers) on a Redis of the test's
own (append-only file on), and sockets spread over both APIs.

After each fault every socket that stayed or reconnected and resumed must have every event
of its channels exactly once, each order's events in order, compared with the outbox; no
request may fail with a 5xx outside the fault window (a 503 naming Redis inside it is the
promised answer); cancellations keep their time.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from models import Order, OrderHistory, OutboxEvent
from tests.live_support import LiveSocket, assert_exactly_once_in_order, outbox_ids
from tests.mall_stack import (
    Customer,
    MallStack,
    Shop,
    new_customer,
    open_shop,
    set_order_timeout,
)
from tests.processes import wait_http_ready, wait_until
from tests.redis_servers import SENTINEL_MASTER, RedisServer, SentinelSet

# The sweeper's claim lease plus its interval, with room for a busy machine.
SETTLE = 12.0


@dataclass
class Traffic:
    """Orders placed, paid and cancelled by several customers on both APIs, every answer
    kept with the time it came."""

    stack: MallStack
    shop: Shop
    customers: list[Customer]
    sim: httpx.AsyncClient
    answers: list[tuple[float, int, str]] = field(default_factory=list)
    orders: list[int] = field(default_factory=list)
    _stop: asyncio.Event = field(default_factory=asyncio.Event)

    async def _call(self, http: httpx.AsyncClient, method: str, url: str, **kw: Any) -> Any:
        try:
            resp = await http.request(method, url, **kw)
        except httpx.HTTPError:
            return None  # a process down: no answer, not a 5xx
        self.answers.append((time.monotonic(), resp.status_code, f"{method} {url}"))
        return resp

    async def _customer(self, index: int, customer: Customer) -> None:
        step = 0
        while not self._stop.is_set():
            base = self.stack.base_urls[(index + step) % len(self.stack.base_urls)]
            step += 1
            async with httpx.AsyncClient(base_url=base, timeout=20) as http:
                body = {
                    "items": [{"sku_id": self.shop.sku_id, "quantity": 1}],
                    "address_id": customer.address_id,
                }
                resp = await self._call(
                    http, "POST", "/api/v1/orders", json=body, headers=customer.headers
                )
                if resp is not None and resp.status_code == 201:
                    order = resp.json()
                    self.orders.append(order["id"])
                    if step % 2:
                        paid = await self._call(
                            http,
                            "POST",
                            f"/api/v1/orders/{order['id']}/pay",
                            headers=customer.headers,
                        )
                        if paid is not None and paid.status_code == 200:
                            with contextlib.suppress(httpx.HTTPError):
                                await self.sim.post(
                                    f"/sim/pay/{order['order_no']}", json={"result": "SUCCESS"}
                                )
                    else:
                        await self._call(
                            http,
                            "POST",
                            f"/api/v1/orders/{order['id']}/cancel",
                            headers=customer.headers,
                        )
            await asyncio.sleep(0.05)

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        tasks = [asyncio.create_task(self._customer(i, c)) for i, c in enumerate(self.customers)]
        try:
            yield
        finally:
            self._stop.set()
            await asyncio.gather(*tasks, return_exceptions=True)

    def server_errors(self, *, outside: tuple[float, float]) -> list[tuple[float, int, str]]:
        start, end = outside
        return [a for a in self.answers if a[1] >= 500 and not start <= a[0] <= end]


@dataclass
class World:
    redis: RedisServer
    stack: MallStack
    shop: Shop
    customers: list[Customer]
    sockets: dict[str, LiveSocket]
    sim: httpx.AsyncClient


@dataclass
class Servers:
    """The module's Redis and processes, started once; a test that kills one of them
    leaves it to the next test's `world` to start again."""

    redis: RedisServer
    stack: MallStack


@pytest.fixture(scope="module")
async def servers(
    app_server: Any, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Servers]:
    base = tmp_path_factory.mktemp("faults")
    redis = RedisServer(base / "redis", aof=True)
    await redis.start()
    (base / "logs").mkdir()
    stack = MallStack(base / "logs", {"MALL_REDIS_URL": redis.url})
    try:
        await stack.start(apis=2, schedulers=2)
        yield Servers(redis, stack)
    finally:
        await stack.stop()
        await redis.stop()


@pytest.fixture
async def world(servers: Servers, wechat_sim: str) -> AsyncIterator[World]:
    redis, stack = servers.redis, servers.stack
    if not redis.child.running:
        await redis.start()
    client = redis.client()
    try:
        # The database was emptied for this test (outbox ids start again): so is Redis.
        await client.flushall()
    finally:
        await client.aclose()
    for proc in stack.everything:
        if not proc.running:
            proc.start()
    for url in stack.base_urls:
        await wait_http_ready(url, timeout=30, watch=stack.everything)
    sim = httpx.AsyncClient(base_url=wechat_sim, timeout=15)
    sockets: dict[str, LiveSocket] = {}
    try:
        async with httpx.AsyncClient(base_url=stack.base_urls[0], timeout=15) as http:
            shop = await open_shop(http, stock=10_000)
            customers = [await new_customer(http, f"fault-{n}") for n in range(6)]
        for n, customer in enumerate(customers):
            # Half on each API, each able to fail over to the other.
            urls = stack.base_urls if n % 2 == 0 else stack.base_urls[::-1]
            sockets[f"user:{customer.user_id}"] = LiveSocket(urls, "/ws", customer.token)
        sockets["admin"] = LiveSocket(stack.base_urls[::-1], "/ws/admin", shop.admin_token)
        product = LiveSocket(stack.base_urls, "/ws", customers[0].token)
        sockets[f"product:{shop.product_id}"] = product
        for socket in sockets.values():
            socket.opened_after = await last_outbox_id()
            await socket.open()
        await product.subscribe(f"product:{shop.product_id}")
        await asyncio.sleep(0.5)  # the subscription confirmed before any event
        yield World(redis, stack, shop, customers, sockets, sim)
    finally:
        for socket in sockets.values():
            await socket.close()
        await sim.aclose()


async def last_outbox_id() -> int:
    row = await OutboxEvent.all().order_by("-id").first()
    return row.id if row is not None else 0


def order_body(shop: Shop, customer: Customer) -> dict[str, Any]:
    return {"items": [{"sku_id": shop.sku_id, "quantity": 1}], "address_id": customer.address_id}


async def assert_every_socket_exactly_once(world: World) -> None:
    """Compared with the outbox rows of each socket's channel written since it opened."""
    for channel, socket in world.sockets.items():
        expected = await outbox_ids(channel, after=socket.opened_after)
        await socket.wait_for_outbox_ids(channel, set(expected), timeout=SETTLE + 10)
        assert_exactly_once_in_order(socket, channel, expected)


async def test_an_api_process_killed_mid_burst_loses_and_repeats_no_event(world: World) -> None:
    traffic = Traffic(world.stack, world.shop, world.customers, world.sim)

    async def made(count: int) -> bool:
        return len(traffic.orders) >= count

    # Counted, not timed: a busy machine makes fewer orders a second, never a thinner burst.
    async with traffic.running():
        await wait_until(lambda: made(10), timeout=60, what="a burst under way")
        killed_at = time.monotonic()
        world.stack.apis[0].kill(signal.SIGKILL)
        before = len(traffic.orders)
        await wait_until(lambda: made(before + 12), timeout=60, what="orders after the kill")
    assert len(traffic.orders) > 20
    # Its sockets reconnected to the other API and resumed; what it committed and never
    # published went out through the other processes' sweepers.
    await assert_every_socket_exactly_once(world)
    assert traffic.server_errors(outside=(killed_at, killed_at + 1)) == []


async def test_redis_paused_for_8_seconds_during_a_payment(world: World) -> None:
    customer = world.customers[0]
    async with httpx.AsyncClient(base_url=world.stack.base_urls[0], timeout=30) as http:
        body = {
            "items": [{"sku_id": world.shop.sku_id, "quantity": 1}],
            "address_id": customer.address_id,
        }
        order = (await http.post("/api/v1/orders", json=body, headers=customer.headers)).json()
        resp = await http.post(f"/api/v1/orders/{order['id']}/pay", headers=customer.headers)
        assert resp.status_code == 200, resp.text
        paused_at = time.monotonic()
        world.redis.pause()
        try:
            # WeChat notifies while Redis is frozen (the notification is retried by WeChat
            # if the mall cannot answer in time).
            notify = asyncio.create_task(
                world.sim.post(f"/sim/pay/{order['order_no']}", json={"result": "SUCCESS"})
            )
            during = await http.get("/api/v1/me", headers=customer.headers)
            assert during.status_code == 503, during.text
            assert during.json()["error"]["details"]["server"] == "Redis"
            await asyncio.sleep(max(0.0, 8 - (time.monotonic() - paused_at)))
        finally:
            world.redis.resume()
        resumed_at = time.monotonic()
        await notify
        deadline = time.monotonic() + 20
        while (await Order.get(id=order["id"])).status != "paid":
            assert time.monotonic() < deadline, "the payment never settled"
            await asyncio.sleep(0.1)
        after = await http.get("/api/v1/me", headers=customer.headers)
        assert after.status_code == 200, after.text
    assert resumed_at - paused_at >= 8
    await assert_every_socket_exactly_once(world)


async def test_redis_restarted_with_its_append_only_file_under_traffic(world: World) -> None:
    traffic = Traffic(world.stack, world.shop, world.customers, world.sim)
    async with traffic.running():
        await asyncio.sleep(2)
        down_at = time.monotonic()
        world.redis.kill()  # no goodbye: what the last second wrote may be lost
        await asyncio.sleep(0.5)
        await world.redis.start()
        up_at = time.monotonic()
        await asyncio.sleep(3)
    assert len(traffic.orders) > 20
    await assert_every_socket_exactly_once(world)
    assert traffic.server_errors(outside=(down_at, up_at + 2)) == []


async def test_killing_the_leading_scheduler_delays_no_cancellation_by_more_than_seconds(
    world: World,
) -> None:
    async with httpx.AsyncClient(base_url=world.stack.base_urls[0], timeout=15) as http:
        await set_order_timeout(http, world.shop, 4)
        leader = await _leading_scheduler(world)
        orders = []
        for customer in world.customers:
            body = {
                "items": [{"sku_id": world.shop.sku_id, "quantity": 1}],
                "address_id": customer.address_id,
            }
            resp = await http.post("/api/v1/orders", json=body, headers=customer.headers)
            assert resp.status_code == 201, resp.text
            orders.append(resp.json())
    leader.kill(signal.SIGKILL)
    deadline = time.monotonic() + 20
    for order in orders:
        while (await Order.get(id=order["id"])).status != "cancelled":
            assert time.monotonic() < deadline, "a cancellation never came"
            await asyncio.sleep(0.1)
    for order in orders:
        row = await Order.get(id=order["id"])
        history = await OrderHistory.get(order_id=row.id, to_status="cancelled")
        late = (history.created_at - row.expires_at).total_seconds()
        # The standby takes the lease within its 3 s, plus a tick and the worker's turn.
        assert late < 6, f"order {row.id} cancelled {late:.1f} s late"
    await assert_every_socket_exactly_once(world)


async def _leading_scheduler(world: World) -> Any:
    client = world.redis.client()
    try:
        deadline = time.monotonic() + 10
        while True:
            holder = await client.get("mall:scheduler:{leader}")
            if holder is not None:
                pid = int(holder.decode().split(":")[1])
                for proc in world.stack.schedulers:
                    if proc.process is not None and proc.process.pid == pid:
                        return proc
            assert time.monotonic() < deadline, f"no scheduler leads ({holder!r})"
            await asyncio.sleep(0.2)
    finally:
        await client.aclose()


async def test_a_sentinel_failover_under_traffic_loses_no_event_nor_cancellation(
    app_server: Any, wechat_sim: str, tmp_path: Path
) -> None:
    sentinels = SentinelSet(tmp_path / "sentinel")
    await sentinels.start()
    (tmp_path / "logs").mkdir()
    stack = MallStack(
        tmp_path / "logs",
        {
            "MALL_REDIS_SENTINELS": sentinels.addresses,
            "MALL_REDIS_SENTINEL_MASTER": SENTINEL_MASTER,
            "MALL_REDIS_URL": "redis://ignored/0",
        },
    )
    sim = httpx.AsyncClient(base_url=wechat_sim, timeout=15)
    sockets: dict[str, LiveSocket] = {}
    try:
        await stack.start(apis=2, schedulers=2)
        async with httpx.AsyncClient(base_url=stack.base_urls[0], timeout=15) as http:
            shop = await open_shop(http, stock=10_000)
            customers = [await new_customer(http, f"failover-{n}") for n in range(4)]
            await set_order_timeout(http, shop, 6)
        for n, customer in enumerate(customers):
            urls = stack.base_urls if n % 2 == 0 else stack.base_urls[::-1]
            sockets[f"user:{customer.user_id}"] = LiveSocket(urls, "/ws", customer.token)
        sockets["admin"] = LiveSocket(stack.base_urls, "/ws/admin", shop.admin_token)
        for socket in sockets.values():
            socket.opened_after = await last_outbox_id()
            await socket.open()
        world = World(sentinels.master, stack, shop, customers, sockets, sim)
        traffic = Traffic(stack, shop, customers, sim)
        async with traffic.running():
            await asyncio.sleep(2)
            old = await sentinels.current_master_port()
            failed_at = time.monotonic()
            (sentinels.master if sentinels.master.port == old else sentinels.replica).kill()
            deadline = time.monotonic() + 30
            while await sentinels.current_master_port() == old:
                assert time.monotonic() < deadline, "no failover"
                await asyncio.sleep(0.2)
            promoted_at = time.monotonic()
            await asyncio.sleep(4)
        assert len(traffic.orders) > 10
        await assert_every_socket_exactly_once(world)
        # Every order placed before, during or after the failover that was not paid or
        # cancelled by its customer is cancelled on time, none left behind.
        await asyncio.sleep(8)
        pending = await Order.filter(
            id__in=traffic.orders, status="pending_payment", expires_at__lt=datetime.now(UTC)
        ).count()
        assert pending == 0
        assert traffic.server_errors(outside=(failed_at, promoted_at + 3)) == []
    finally:
        for socket in sockets.values():
            await socket.close()
        await sim.aclose()
        await stack.stop()
        await sentinels.stop()
