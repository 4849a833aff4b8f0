"""The delayed cancellation and the cross-process fan-out, with real processes.

`mall worker`, `mall scheduler` and two `mall serve` run as subprocesses, started once for
the module (the tests that kill one restart it). They share the test database, Redis and
the in-process WeChat simulator with the app of the test process, which serves the
websockets watched here unless a test connects to one of the API subprocesses.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import httpx
import pytest
import redis.asyncio as aioredis
import websockets

from mall.runtime import Runtime
from models import FlashSaleItem, Group, Order, OutboxEvent, Payment, RefundRequest, Sku, UserCoupon
from tests.factories import admin_login, bearer, login, make_address, make_admin, make_product
from tests.processes import (
    GROUP,
    SCHEDULE_DUE_KEY,
    STREAM,
    MallProcess,
    describe,
    wait_http_ready,
    wait_scheduler_ready,
    wait_until,
    wait_worker_ready,
)

START_TIMEOUT = 60.0  # a generous bound: a busy machine starts processes slowly
# Due time + the scheduler's one-second tick + the worker's turn, with room for a busy CI box.
CANCEL_WITHIN = 6.0
PRICE = 6000
COUPON_OFF = 1000


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Stack:
    """The module's processes: one worker, one scheduler and two API servers."""

    worker: MallProcess
    scheduler: MallProcess
    api_a: MallProcess
    api_b: MallProcess
    ports: dict[str, int]
    metrics_ports: dict[str, int]
    # The scheduler start that a probe has shown to be sending schedules.
    scheduler_proven: int = 0

    @property
    def tasks(self) -> list[MallProcess]:
        return [self.worker, self.scheduler]

    @property
    def apis(self) -> list[MallProcess]:
        return [self.api_a, self.api_b]

    @property
    def all(self) -> list[MallProcess]:
        return [*self.tasks, *self.apis]

    def start_apis(self) -> None:
        """Start the API processes unless started already (they boot while tests wait)."""
        for api in self.apis:
            if api.process is None:
                api.start()


def api_env(port: int) -> dict[str, str]:
    """An API process of its own: WeChat Pay is told to notify this process."""
    base = f"http://127.0.0.1:{port}"
    return {
        **os.environ,
        "MALL_PUBLIC_BASE_URL": base,
        "MALL_WECHAT_PAY_NOTIFY_URL": f"{base}/api/v1/payments/wechat/notify",
        "MALL_WECHAT_PAY_REFUND_NOTIFY_URL": f"{base}/api/v1/payments/wechat/refund-notify",
    }


@pytest.fixture(scope="module")
async def stack(app_server: Any, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Stack]:
    """Every process of the module; the worker and the scheduler start at once."""
    log_dir = tmp_path_factory.mktemp("mall-processes")
    metrics_ports = {"worker": _free_port(), "scheduler": _free_port()}
    task_env = {
        **os.environ,
        # Redeliver what a killed worker took after 1 s instead of a minute.
        "MALL_TASK_REDELIVERY_MS": "1000",
        "MALL_METRICS_HOST": "127.0.0.1",
        "MALL_METRICS_DIR": str(log_dir / "metrics"),
        "MALL_WORKER_METRICS_PORT": str(metrics_ports["worker"]),
        "MALL_SCHEDULER_METRICS_PORT": str(metrics_ports["scheduler"]),
    }
    ports = {"api-a": _free_port(), "api-b": _free_port()}
    apis = [
        MallProcess(
            name,
            ["serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "1"],
            env=api_env(port),
            log_dir=log_dir,
        )
        for name, port in ports.items()
    ]
    procs = Stack(
        worker=MallProcess("worker", ["worker", "--workers", "1"], env=task_env, log_dir=log_dir),
        scheduler=MallProcess(
            "scheduler",
            ["scheduler", "--update-interval", "1", "--log-level", "WARNING"],
            env=task_env,
            log_dir=log_dir,
        ),
        api_a=apis[0],
        api_b=apis[1],
        ports=ports,
        metrics_ports=metrics_ports,
    )
    try:
        for proc in procs.tasks:
            proc.start()
        yield procs
    finally:
        await asyncio.gather(*(proc.stop() for proc in procs.all))


@pytest.fixture
async def tasks(stack: Stack, redis: aioredis.Redis, rt: Runtime) -> Stack:
    """The worker and the scheduler up and working (conftest has just emptied Redis)."""
    for proc in stack.tasks:
        if not proc.running:  # left dead by a failed test
            proc.start()
    await wait_worker_ready(redis, rt.jobs, timeout=START_TIMEOUT, watch=stack.tasks)
    if stack.scheduler_proven != stack.scheduler.starts:
        await wait_scheduler_ready(redis, rt.jobs, timeout=START_TIMEOUT, watch=stack.tasks)
        stack.scheduler_proven = stack.scheduler.starts
    stack.start_apis()  # for the fan-out test, booting while these tests wait for due times
    return stack


# --- the shop, its customers and their sockets ------------------------------------------


@dataclass
class Shop:
    admin: dict[str, str]
    admin_token: str
    sku_id: int
    stock: int


@dataclass
class Buyer:
    user_id: int
    token: str
    headers: dict[str, str]
    address_id: int
    coupon_id: int | None = None


async def set_order_timeout(client: httpx.AsyncClient, admin: dict[str, str], seconds: int) -> None:
    """Through the admin API, as staff would (applies to orders placed from now on)."""
    current = (await client.get("/api/admin/settings", headers=admin)).json()
    changed = await client.put(
        "/api/admin/settings", json={**current, "order_timeout_seconds": seconds}, headers=admin
    )
    assert changed.status_code == 200, changed.text


async def open_shop(
    client: httpx.AsyncClient, *, timeout_seconds: int | None = None, stock: int = 10
) -> Shop:
    """An admin, maybe a new order timeout, and one SKU on sale."""
    await make_admin("root")
    token = (await admin_login(client))["access_token"]
    if timeout_seconds is not None:
        await set_order_timeout(client, bearer(token), timeout_seconds)
    _, (sku,) = await make_product(skus=[({"颜色": "白"}, PRICE, stock)])
    return Shop(admin=bearer(token), admin_token=token, sku_id=sku.id, stock=stock)


async def new_buyer(
    client: httpx.AsyncClient, shop: Shop, name: str, *, with_coupon: bool = False
) -> Buyer:
    """A customer logged in through WeChat, with an address and maybe a claimed coupon."""
    session = await login(client, name)
    user_id = session["user"]["id"]
    buyer = Buyer(
        user_id=user_id,
        token=session["access_token"],
        headers=bearer(session["access_token"]),
        address_id=await make_address(user_id),
    )
    if with_coupon:
        template = await client.post(
            "/api/admin/coupons",
            json={
                "name": f"满50减10 for {name}",
                "kind": "fixed",
                "amount_off": COUPON_OFF,
                "threshold": 5000,
                "valid_days": 7,
            },
            headers=shop.admin,
        )
        assert template.status_code == 201, template.text
        claimed = await client.post(
            f"/api/v1/coupons/{template.json()['id']}/claim", headers=buyer.headers
        )
        assert claimed.status_code == 201, claimed.text
        buyer.coupon_id = claimed.json()["id"]
    return buyer


async def place_order(
    client: httpx.AsyncClient, shop: Shop, buyer: Buyer, quantity: int = 1
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "items": [{"sku_id": shop.sku_id, "quantity": quantity}],
        "address_id": buyer.address_id,
    }
    if buyer.coupon_id is not None:
        body["coupon_id"] = buyer.coupon_id
    resp = await client.post("/api/v1/orders", json=body, headers=buyer.headers)
    assert resp.status_code == 201, resp.text
    order: dict[str, Any] = resp.json()
    if buyer.coupon_id is not None:
        assert order["discount_amount"] == COUPON_OFF
        assert (await UserCoupon.get(id=buyer.coupon_id)).state == "locked"
    return order


async def stock_of(shop: Shop) -> int:
    return (await Sku.get(id=shop.sku_id)).stock


async def order_status(order_id: int) -> str:
    return (await Order.get(id=order_id)).status


async def events_of(order_id: int, *, channel: str = "admin") -> list[str]:
    """The names of the outbox events about one order on one channel, oldest first."""
    rows = await OutboxEvent.filter(channel=channel).order_by("id")
    return [row.name for row in rows if row.data.get("order_id") == order_id]


async def assert_cancelled_by_timeout(shop: Shop, *orders: tuple[Buyer, dict[str, Any]]) -> None:
    """Cancelled for the timeout, once, with the stock and the coupon back."""
    for buyer, order in orders:
        final = await Order.get(id=order["id"])
        assert final.status == "cancelled" and final.cancel_reason == "timeout"
        if buyer.coupon_id is not None:
            coupon = await UserCoupon.get(id=buyer.coupon_id)
            assert coupon.state == "claimed" and coupon.order_id is None
        assert (await events_of(order["id"])).count("order.cancelled") == 1
        user_channel = f"user:{buyer.user_id}"
        assert (await events_of(order["id"], channel=user_channel)).count("order.cancelled") == 1
    assert await stock_of(shop) == shop.stock


def ws_url(port: int, path: str, token: str) -> str:
    return f"ws://127.0.0.1:{port}{path}?token={token}"


async def welcomed(ws: Any) -> list[str]:
    message = json.loads(await asyncio.wait_for(ws.recv(), 5))
    assert message["type"] == "welcome", message
    channels: list[str] = message["channels"]
    return channels


async def next_event(ws: Any, name: str, *, order_id: int, timeout: float) -> dict[str, Any]:
    """The next event NAME about one order on this socket, skipping others."""
    deadline = time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            raise AssertionError(f"no {name} event within {timeout:.1f}s")
        try:
            message: dict[str, Any] = json.loads(await asyncio.wait_for(ws.recv(), left))
        except TimeoutError:
            continue
        if message.get("type") != "event" or message["event"] != name:
            continue
        if message["data"].get("order_id") == order_id:
            return message


async def wait_cancelled(order_id: int, *, watch: list[MallProcess]) -> None:
    async def cancelled() -> bool:
        return await order_status(order_id) == "cancelled"

    await wait_until(
        cancelled, timeout=START_TIMEOUT, what=f"order {order_id} cancelled", watch=watch
    )


def expiry(order: dict[str, Any]) -> float:
    return datetime.fromisoformat(order["expires_at"]).timestamp()


# --- the delayed cancellation -------------------------------------------------------------


async def scrape(port: int) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """GET /metrics of a worker or scheduler: {(sample name, labels): value}."""
    from prometheus_client.parser import text_string_to_metric_families

    async with httpx.AsyncClient(timeout=5) as http:
        resp = await http.get(f"http://127.0.0.1:{port}/metrics")
    assert resp.status_code == 200, resp.text
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(resp.text)
        for s in family.samples
    }


def value(scraped: dict[Any, float], name: str, **labels: str) -> float:
    return scraped.get((name, frozenset(labels.items())), 0.0)


async def test_worker_and_scheduler_metrics_show_a_real_cancellation(
    client: httpx.AsyncClient, tasks: Stack
) -> None:
    task = "mall.cancel_if_unpaid"
    worker_port, scheduler_port = tasks.metrics_ports["worker"], tasks.metrics_ports["scheduler"]
    worker_before, scheduler_before = await scrape(worker_port), await scrape(scheduler_port)
    # given an order left unpaid past its 2 s timeout
    shop = await open_shop(client, timeout_seconds=2)
    buyer = await new_buyer(client, shop, "mira")
    order = await place_order(client, shop, buyer)
    assert value(await scrape(scheduler_port), "mall_schedules_pending") >= 1

    await wait_cancelled(order["id"], watch=tasks.tasks)

    async def counted() -> dict[Any, float] | None:
        # The task's run is recorded just after its work is committed.
        scraped = await scrape(worker_port)
        runs = value(scraped, "mall_task_runs_total", task=task, result="ok")
        return (
            scraped
            if runs > value(worker_before, "mall_task_runs_total", task=task, result="ok")
            else None
        )

    worker = await wait_until(counted, timeout=5, what="the run counted", watch=tasks.tasks)

    def delta(
        scraped: dict[Any, float], before: dict[Any, float], name: str, **labels: str
    ) -> float:
        return value(scraped, name, **labels) - value(before, name, **labels)

    # then the worker reports the outcome, the run's time and how late it started
    assert (
        delta(worker, worker_before, "mall_task_outcomes_total", task=task, outcome="cancelled")
        == 1
    )
    assert delta(worker, worker_before, "mall_task_duration_seconds_count", task=task) == 1
    assert delta(worker, worker_before, "mall_task_lateness_seconds_count", task=task) == 1
    late = delta(worker, worker_before, "mall_task_lateness_seconds_sum", task=task)
    assert 0 <= late < CANCEL_WITHIN, late
    # and the queue it reads: nothing waits or is left unacknowledged
    assert value(worker, "mall_task_stream_length") >= 1
    assert value(worker, "mall_task_queue_unacked") == 0
    assert ("mall_schedules_pending", frozenset()) in worker

    scheduler = await scrape(scheduler_port)
    assert delta(scheduler, scheduler_before, "mall_schedules_sent_total", task=task) == 1
    sent_late = delta(
        scheduler, scheduler_before, "mall_schedule_send_lateness_seconds_sum", task=task
    )
    assert 0 <= sent_late <= late
    assert value(scheduler, "mall_schedules_overdue") == 0


async def test_timeout_cancels_restores_and_reaches_user_and_admin_sockets(
    client: httpx.AsyncClient, tasks: Stack, base_url: str
) -> None:
    # given a shop whose orders expire after 2 seconds, and a buyer with a coupon
    shop = await open_shop(client, timeout_seconds=2)
    buyer = await new_buyer(client, shop, "tina", with_coupon=True)
    port = int(base_url.rsplit(":", 1)[1])
    async with (
        websockets.connect(ws_url(port, "/ws", buyer.token)) as user_ws,
        websockets.connect(ws_url(port, "/ws/admin", shop.admin_token)) as admin_ws,
    ):
        assert await welcomed(user_ws) == [f"user:{buyer.user_id}"]
        assert await welcomed(admin_ws) == ["admin"]

        # when she orders and never pays
        order = await place_order(client, shop, buyer, quantity=2)
        assert await stock_of(shop) == shop.stock - 2

        # then the worker cancels it on time and both sockets hear it
        mine = await next_event(
            user_ws, "order.cancelled", order_id=order["id"], timeout=CANCEL_WITHIN + 2
        )
        staff = await next_event(admin_ws, "order.cancelled", order_id=order["id"], timeout=2)
    late = time.time() - expiry(order)
    assert -0.1 < late < CANCEL_WITHIN - 2, late
    for event in (mine, staff):
        assert event["data"]["order_id"] == order["id"]
        assert event["data"]["status"] == "cancelled" and event["data"]["reason"] == "timeout"
    assert mine["channel"] == f"user:{buyer.user_id}" and staff["channel"] == "admin"
    await assert_cancelled_by_timeout(shop, (buyer, order))


async def test_worker_killed_while_due_times_pass_cancels_after_restart(
    client: httpx.AsyncClient, tasks: Stack, redis: aioredis.Redis, settings: Any
) -> None:
    # given an order due in 2 s whose row we hold locked, so that the worker taking its
    # cancellation is stuck in the middle of the task, and an order due 2 s later
    shop = await open_shop(client, timeout_seconds=2)
    una = await new_buyer(client, shop, "una", with_coupon=True)
    vic = await new_buyer(client, shop, "vic", with_coupon=True)
    blocker = await asyncpg.connect(settings.database_url)
    try:
        holding = blocker.transaction()
        await holding.start()
        taken = await place_order(client, shop, una)
        await blocker.execute("SELECT id FROM orders WHERE id = $1 FOR UPDATE", taken["id"])
        await set_order_timeout(client, shop.admin, 4)
        queued = await place_order(client, shop, vic)

        async def worker_stuck() -> bool:
            blocked = await blocker.fetchval(
                "SELECT count(*) FROM pg_stat_activity WHERE $1 = ANY(pg_blocking_pids(pid))",
                blocker.get_server_pid(),
            )
            return bool(blocked)

        await wait_until(
            worker_stuck, timeout=CANCEL_WITHIN, what="worker in the task", watch=tasks.tasks
        )
        assert (await redis.xpending(STREAM, GROUP))["pending"] >= 1  # taken, not acked

        # when the worker is killed there (the message it took is never acknowledged),
        # and stays dead while the second order's due time passes; PostgreSQL notices the
        # dead client within client_connection_check_interval and cancels its statement,
        # so nothing the killed worker started is committed
        tasks.worker.kill()

        async def statement_cancelled() -> bool:
            return not await worker_stuck()

        await wait_until(statement_cancelled, timeout=5, what="the orphaned statement to end")
        await holding.rollback()
    finally:
        await blocker.close()
    assert time.time() < expiry(queued), "the worker was killed too late for this test"
    await asyncio.sleep(expiry(queued) - time.time())
    assert await order_status(taken["id"]) == "pending_payment"
    assert await order_status(queued["id"]) == "pending_payment"

    # then the next worker (started after that) runs the task sent meanwhile and claims
    # the abandoned one
    tasks.worker.start()
    for order in (taken, queued):
        await wait_cancelled(order["id"], watch=tasks.tasks)
    await assert_cancelled_by_timeout(shop, (una, taken), (vic, queued))

    async def acknowledged() -> bool:
        return (await redis.xpending(STREAM, GROUP))["pending"] == 0

    await wait_until(acknowledged, timeout=5, what="every task acknowledged", watch=tasks.tasks)


async def test_scheduler_down_at_the_due_time_cancels_after_restart(
    client: httpx.AsyncClient, tasks: Stack, redis: aioredis.Redis
) -> None:
    # given an order due in 2 seconds and no scheduler running
    shop = await open_shop(client, timeout_seconds=2)
    buyer = await new_buyer(client, shop, "wanda", with_coupon=True)
    tasks.scheduler.kill()
    order = await place_order(client, shop, buyer)

    # when the due time passes with nobody to send the task
    await asyncio.sleep(max(0.0, expiry(order) - time.time()) + 0.2)
    assert await order_status(order["id"]) == "pending_payment"
    assert await redis.zscore(SCHEDULE_DUE_KEY, f"cancel-unpaid:{order['id']}") is not None

    # then the scheduler, once started, sends the overdue task and the order is cancelled
    tasks.scheduler.start()
    await wait_cancelled(order["id"], watch=tasks.tasks)
    await assert_cancelled_by_timeout(shop, (buyer, order))
    tasks.scheduler_proven = tasks.scheduler.starts  # no need to probe the new one


async def test_pay_racing_the_timeout_ends_in_one_state_with_stock_counted_once(
    client: httpx.AsyncClient, tasks: Stack, wechat_sim: str
) -> None:
    # given orders that expire 6 s after they are placed (a prepay needs 5 s left), each
    # with its WeChat prepay
    offsets = [-0.3, 0.0, 0.1, 0.2, 0.35, 0.5, 0.7, 1.0]
    shop = await open_shop(client, timeout_seconds=6, stock=len(offsets))

    async def placed_and_prepaid(i: int) -> dict[str, Any]:
        buyer = await new_buyer(client, shop, f"racer{i}")
        order = await place_order(client, shop, buyer)
        resp = await client.post(f"/api/v1/orders/{order['id']}/pay", headers=buyer.headers)
        assert resp.status_code == 200, resp.text
        return order

    placed = await asyncio.gather(*(placed_and_prepaid(i) for i in range(len(offsets))))

    async with httpx.AsyncClient(base_url=wechat_sim, timeout=10) as sim:
        # when each customer pays just before, at or just after the expiry (force: WeChat
        # may complete a payment that was under way while the order closed)
        async def pay_at(order: dict[str, Any], offset: float) -> int:
            await asyncio.sleep(max(0.0, expiry(order) + offset - time.time()))
            resp = await sim.post(f"/sim/pay/{order['order_no']}", json={"force": True})
            return resp.status_code

        codes = await asyncio.gather(*(pay_at(o, d) for o, d in zip(placed, offsets)))
        assert set(codes) == {200}, codes

        # then each order ends paid, or cancelled with its payment refunded automatically
        async def refunds_at_wechat(order: dict[str, Any]) -> list[dict[str, Any]]:
            found: list[dict[str, Any]] = (await sim.get(f"/sim/pay/{order['order_no']}")).json()[
                "refunds"
            ]
            return found

        async def settled() -> bool:
            for order in placed:
                status = await order_status(order["id"])
                if status == "pending_payment":
                    return False
                if status == "cancelled" and not await refunds_at_wechat(order):
                    return False
            return True

        await wait_until(
            settled, timeout=CANCEL_WITHIN, what="every order settled", watch=tasks.tasks
        )
        outcomes = {}
        for order in placed:
            final = await Order.get(id=order["id"])
            (payment,) = await Payment.filter(order_id=final.id)
            refunds = await RefundRequest.filter(order_id=final.id)
            names = await events_of(final.id)
            if final.status == "paid":
                assert not payment.unexpected and refunds == []
                assert "order.cancelled" not in names and names.count("order.paid") == 1
            else:
                assert final.status == "cancelled" and final.cancel_reason == "timeout"
                assert payment.unexpected and "order.paid" not in names
                assert names.count("order.cancelled") == 1
                assert [(r.automatic, r.amount) for r in refunds] == [(True, final.pay_amount)]
                refunded = [r["amount"]["refund"] for r in await refunds_at_wechat(order)]
                assert refunded == [final.pay_amount]
            outcomes[final.order_no] = final.status
    paid = sum(status == "paid" for status in outcomes.values())
    assert await stock_of(shop) == shop.stock - paid, outcomes


# --- fan-out across API processes -------------------------------------------------------


async def test_payment_notified_to_one_api_process_reaches_a_socket_on_another(
    client: httpx.AsyncClient, stack: Stack, wechat_sim: str
) -> None:
    # given two API processes, each giving WeChat Pay its own notify URL
    a_url = f"http://127.0.0.1:{stack.ports['api-a']}"
    b_url = f"http://127.0.0.1:{stack.ports['api-b']}"
    apis = stack.apis
    stack.start_apis()
    for url in (a_url, b_url):
        await wait_http_ready(url, timeout=START_TIMEOUT, watch=apis)
    shop = await open_shop(client)
    async with (
        httpx.AsyncClient(base_url=a_url, timeout=10) as api_a,
        httpx.AsyncClient(base_url=wechat_sim, timeout=10) as sim,
    ):
        # and a customer who shops and pays through process A
        buyer = await new_buyer(api_a, shop, "xena")
        order = await place_order(api_a, shop, buyer)
        resp = await api_a.post(f"/api/v1/orders/{order['id']}/pay", headers=buyer.headers)
        assert resp.status_code == 200, resp.text

        # while her phone's socket is connected to process B
        async with websockets.connect(ws_url(stack.ports["api-b"], "/ws", buyer.token)) as ws:
            assert await welcomed(ws) == [f"user:{buyer.user_id}"]

            # when WeChat takes the payment and notifies process A
            paid = await sim.post(f"/sim/pay/{order['order_no']}")
            assert paid.status_code == 200, paid.text

            # then the socket on process B gets order.paid
            event = await next_event(ws, "order.paid", order_id=order["id"], timeout=5)
        assert event["channel"] == f"user:{buyer.user_id}"
        assert event["data"]["order_id"] == order["id"] and event["data"]["status"] == "paid"

        async def answered() -> list[dict[str, Any]]:
            found: list[dict[str, Any]] = (
                await sim.get("/sim/notifications", params={"subject": order["order_no"]})
            ).json()["deliveries"]
            return found if any(d["status"] == 204 for d in found) else []

        deliveries = await wait_until(answered, timeout=5, what="notification answered", watch=apis)
    assert [(d["url"], d["status"]) for d in deliveries] == [
        (f"{a_url}/api/v1/payments/wechat/notify", 204)
    ], describe(apis)
    assert await order_status(order["id"]) == "paid"


async def test_a_flash_sale_starts_and_ends_on_time_through_the_scheduler_and_worker(
    client: httpx.AsyncClient, tasks: Stack
) -> None:
    # given a shop whose flash-sale orders expire after 2 seconds, and a sale starting in
    # 2 seconds and ending 5 seconds later
    shop = await open_shop(client, stock=20)
    settings = await client.patch(
        "/api/admin/settings", json={"flash_sale_timeout_seconds": 2}, headers=shop.admin
    )
    assert settings.status_code == 200, settings.text
    now = datetime.now(UTC)
    created = await client.post(
        "/api/admin/flash-sales",
        json={
            "title": "整点秒杀",
            "starts_at": (now + timedelta(seconds=2)).isoformat(),
            "ends_at": (now + timedelta(seconds=7)).isoformat(),
            "items": [{"sku_id": shop.sku_id, "price": 990, "stock": 5, "per_user_limit": 1}],
        },
        headers=shop.admin,
    )
    assert created.status_code == 201, created.text
    sale = created.json()
    assert await stock_of(shop) == 15
    product = f"product:{(await Sku.get(id=shop.sku_id)).product_id}"

    async def announced(name: str) -> bool:
        return await OutboxEvent.exists(channel=product, name=name)

    # when its start comes, the worker announces it, and a buyer orders and never pays
    deadline = time.monotonic() + CANCEL_WITHIN
    while not await announced("flash_sale.started"):
        assert time.monotonic() < deadline, "flash_sale.started never came"
        await asyncio.sleep(0.1)
    buyer = await new_buyer(client, shop, "fay")
    order = await place_order(client, shop, buyer, quantity=1)
    assert order["pay_amount"] == 990 + order["freight_amount"]
    assert (await FlashSaleItem.get(flash_sale_id=sale["id"])).stock == 4

    # then the timeout gives the unit back to the sale, and the end gives the sale's stock
    # back to the SKU
    deadline = time.monotonic() + 7 + CANCEL_WITHIN
    while not await announced("flash_sale.ended"):
        assert time.monotonic() < deadline, "flash_sale.ended never came"
        await asyncio.sleep(0.1)
    assert (await Order.get(id=order["id"])).status == "cancelled"
    assert (await FlashSaleItem.get(flash_sale_id=sale["id"])).stock == 0
    assert await stock_of(shop) == 20


async def test_an_expired_group_is_failed_by_the_worker_and_its_paid_members_refunded(
    client: httpx.AsyncClient, tasks: Stack, wechat_sim: str
) -> None:
    # given a group of three with two members who paid
    shop = await open_shop(client, stock=10)
    product_id = (await Sku.get(id=shop.sku_id)).product_id
    now = datetime.now(UTC)
    deal = await client.post(
        "/api/admin/group-buys",
        json={
            "product_id": product_id,
            "skus": [{"sku_id": shop.sku_id, "price": 3000}],
            "group_size": 3,
            "expires_in_hours": 1,
            "starts_at": (now - timedelta(seconds=1)).isoformat(),
            "ends_at": (now + timedelta(hours=1)).isoformat(),
        },
        headers=shop.admin,
    )
    assert deal.status_code == 201, deal.text
    orders = []
    group_id = None
    async with httpx.AsyncClient(base_url=wechat_sim, timeout=10) as sim:
        for name in ("gina", "gus"):
            buyer = await new_buyer(client, shop, name)
            body = {
                "items": [{"sku_id": shop.sku_id, "quantity": 1}],
                "address_id": buyer.address_id,
            }
            path = (
                f"/api/v1/groups/{group_id}/join"
                if group_id
                else f"/api/v1/group-buys/{deal.json()['id']}/groups"
            )
            resp = await client.post(path, json=body, headers=buyer.headers)
            assert resp.status_code == 201, resp.text
            group_id, order = resp.json()["group"]["id"], resp.json()["order"]
            prepay = await client.post(f"/api/v1/orders/{order['id']}/pay", headers=buyer.headers)
            assert prepay.status_code == 200, prepay.text
            assert (await sim.post(f"/sim/pay/{order['order_no']}")).status_code == 200
            orders.append(order)
    deadline = time.monotonic() + CANCEL_WITHIN
    while {await order_status(o["id"]) for o in orders} != {"paid"}:
        assert time.monotonic() < deadline, "the payments never landed"
        await asyncio.sleep(0.1)
    assert await stock_of(shop) == 8

    # when its time passes (moved, as if an hour went by; the worker's sweep finds it)
    await Group.filter(id=group_id).update(expires_at=datetime.now(UTC) - timedelta(seconds=1))

    # then the worker asks WeChat Pay to refund both paid orders, once each; when WeChat
    # settles them (the simulator's notification) they are refunded and the stock is back
    deadline = time.monotonic() + 15 + CANCEL_WITHIN
    ids = [o["id"] for o in orders]
    while await RefundRequest.filter(order_id__in=ids, refund_id__not_isnull=True).count() < 2:
        assert time.monotonic() < deadline, "the worker never sent the refunds"
        await asyncio.sleep(0.2)
    async with httpx.AsyncClient(base_url=wechat_sim, timeout=10) as sim:
        for refund in await RefundRequest.filter(order_id__in=ids):
            assert (await sim.post(f"/sim/refund/{refund.out_refund_no}")).status_code == 200
    deadline = time.monotonic() + CANCEL_WITHIN
    while {await order_status(i) for i in ids} != {"refunded"}:
        assert time.monotonic() < deadline, [await order_status(i) for i in ids]
        await asyncio.sleep(0.1)
    assert (await Group.get(id=group_id)).status == "failed"
    for order in orders:
        assert await RefundRequest.filter(order_id=order["id"]).count() == 1
    assert await stock_of(shop) == 10
