"""A whole mall in real processes on a Redis of the test's choosing: API processes, a
worker and schedulers, sharing the test database and the in-process WeChat simulator,
and the shop-level steps the Redis-mode and fault tests drive through them."""

from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from tests.factories import admin_login, bearer, login, make_address, make_admin, make_product
from tests.processes import MallProcess, wait_http_ready
from tests.redis_servers import free_port

START_TIMEOUT = 60.0  # a generous bound: a busy machine starts processes slowly


@dataclass
class MallStack:
    """`mall serve` x N, `mall worker`, `mall scheduler` x M on the given Redis settings."""

    log_dir: Path
    redis_env: dict[str, str]
    apis: list[MallProcess] = field(default_factory=list)
    ports: list[int] = field(default_factory=list)
    worker: MallProcess | None = None
    schedulers: list[MallProcess] = field(default_factory=list)

    def env(self, **extra: str) -> dict[str, str]:
        return {
            **os.environ,
            **self.redis_env,
            "MALL_TASK_REDELIVERY_MS": "1000",
            "MALL_LOG_LEVEL": "WARNING",
            **extra,
        }

    def api_env(self, port: int) -> dict[str, str]:
        base = f"http://127.0.0.1:{port}"
        return self.env(
            MALL_PUBLIC_BASE_URL=base,
            MALL_WECHAT_PAY_NOTIFY_URL=f"{base}/api/v1/payments/wechat/notify",
            MALL_WECHAT_PAY_REFUND_NOTIFY_URL=f"{base}/api/v1/payments/wechat/refund-notify",
        )

    @property
    def base_urls(self) -> list[str]:
        return [f"http://127.0.0.1:{port}" for port in self.ports]

    @property
    def everything(self) -> list[MallProcess]:
        tasks = [self.worker] if self.worker is not None else []
        return [*self.apis, *tasks, *self.schedulers]

    async def start(
        self, *, apis: int = 1, schedulers: int = 1, timeout: float = START_TIMEOUT
    ) -> None:
        for index in range(apis):
            port = free_port()
            self.ports.append(port)
            self.apis.append(
                MallProcess(
                    f"api-{index}",
                    ["serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "1"],
                    env=self.api_env(port),
                    log_dir=self.log_dir,
                )
            )
        self.worker = MallProcess(
            "worker", ["worker", "--workers", "1"], env=self.env(), log_dir=self.log_dir
        )
        for index in range(schedulers):
            self.schedulers.append(
                MallProcess(
                    f"scheduler-{index}",
                    ["scheduler", "--update-interval", "1", "--log-level", "WARNING"],
                    env=self.env(),
                    log_dir=self.log_dir,
                )
            )
        for proc in self.everything:
            proc.start()
        for url in self.base_urls:
            await wait_http_ready(url, timeout=timeout, watch=self.everything)

    async def stop(self) -> None:
        await asyncio.gather(*(proc.stop() for proc in self.everything))


@dataclass
class Shop:
    admin: dict[str, str]
    admin_token: str
    sku_id: int
    product_id: int


@dataclass
class Customer:
    user_id: int
    token: str
    headers: dict[str, str]
    address_id: int


async def open_shop(http: httpx.AsyncClient, *, stock: int = 500) -> Shop:
    """An admin and one SKU on sale (the product written straight to the database)."""
    await make_admin("root")
    token = (await admin_login(http))["access_token"]
    product, (sku,) = await make_product(skus=[({"颜色": "白"}, 5000, stock)])
    return Shop(admin=bearer(token), admin_token=token, sku_id=sku.id, product_id=product.id)


async def new_customer(http: httpx.AsyncClient, name: str) -> Customer:
    session = await login(http, name)
    user_id = session["user"]["id"]
    return Customer(
        user_id=user_id,
        token=session["access_token"],
        headers=bearer(session["access_token"]),
        address_id=await make_address(user_id),
    )


async def place(http: httpx.AsyncClient, shop: Shop, customer: Customer) -> dict[str, Any]:
    body = {"items": [{"sku_id": shop.sku_id, "quantity": 1}], "address_id": customer.address_id}
    resp = await http.post("/api/v1/orders", json=body, headers=customer.headers)
    assert resp.status_code == 201, resp.text
    order: dict[str, Any] = resp.json()
    return order


async def pay(
    http: httpx.AsyncClient, sim: httpx.AsyncClient, customer: Customer, order: dict[str, Any]
) -> None:
    resp = await http.post(f"/api/v1/orders/{order['id']}/pay", headers=customer.headers)
    assert resp.status_code == 200, resp.text
    resp = await sim.post(f"/sim/pay/{order['order_no']}", json={"result": "SUCCESS"})
    assert resp.status_code == 200, resp.text


async def set_order_timeout(http: httpx.AsyncClient, shop: Shop, seconds: int) -> None:
    current = (await http.get("/api/admin/settings", headers=shop.admin)).json()
    changed = await http.put(
        "/api/admin/settings",
        json={**current, "order_timeout_seconds": seconds},
        headers=shop.admin,
    )
    assert changed.status_code == 200, changed.text
