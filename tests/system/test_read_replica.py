"""Read replicas: a PostgreSQL cluster of the test's own and a streaming replica of it
(pg_basebackup, started as a hot standby), an API process given both. With the replica's
replay paused, what only the primary has shows which server answered: catalog, search and
statistics reads come from the replica, logins, orders and payments from the primary, and
a product staff just changed is read from the primary; with the replica gone, catalog reads
fall back to the primary."""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import httpx
import pytest
from tortoise import connections

from mall.config import db_connection
from mall.pg import MallPostgresClient
from tests.factories import make_product
from tests.mall_stack import new_customer, open_shop, pay, place
from tests.pg_servers import PostgresCluster
from tests.processes import ROOT, MallProcess, wait_http_ready
from tests.redis_servers import RedisServer, free_port, wait_for

LAG = 5.0  # MALL_DATABASE_REPLICA_LAG
REPLICA_TIMEOUT = 1.0  # MALL_DATABASE_REPLICA_TIMEOUT


@dataclass
class Replicated:
    primary: PostgresCluster
    replica: PostgresCluster
    api: MallProcess
    base_url: str


async def migrate(env: dict[str, str]) -> None:
    run = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "mall.cli",
        "migrate",
        env=env,
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await asyncio.wait_for(run.communicate(), 180)
    assert run.returncode == 0, out.decode()[-3000:]


@pytest.fixture(scope="module")
async def replicated(
    app_server: object, wechat_sim: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Replicated]:
    base = tmp_path_factory.mktemp("replica")
    primary = PostgresCluster()
    redis = RedisServer(base)
    replica: PostgresCluster | None = None
    api: MallProcess | None = None
    try:
        await asyncio.to_thread(primary.init)
        await primary.start()
        await redis.start()
        port = free_port()
        env = {
            **os.environ,
            "MALL_DATABASE_URL": primary.url("mall"),
            "MALL_REDIS_URL": redis.url,
            "MALL_PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
            "MALL_LOG_LEVEL": "WARNING",
        }
        env.pop("MALL_MIGRATE_DATABASE_URL", None)
        await migrate(env)
        replica = await primary.replica()
        env["MALL_DATABASE_REPLICA_URLS"] = replica.url("mall")
        env["MALL_DATABASE_REPLICA_LAG"] = str(LAG)
        env["MALL_DATABASE_REPLICA_TIMEOUT"] = str(REPLICA_TIMEOUT)
        api = MallProcess(
            "api-replica",
            ["serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "1"],
            env=env,
            log_dir=Path(base),
        )
        api.start()
        await wait_http_ready(f"http://127.0.0.1:{port}", timeout=60, watch=[api])
        yield Replicated(primary, replica, api, f"http://127.0.0.1:{port}")
    finally:
        if api is not None:
            await api.stop()
        if replica is not None:
            await replica.stop()
        await primary.stop()
        await redis.stop()


@contextlib.asynccontextmanager
async def orm_on(url: str) -> AsyncIterator[None]:
    """The test's own ORM calls (factories) go to this database inside the block."""
    config = db_connection(url)
    client = MallPostgresClient(connection_name="default", **config["credentials"])
    token = connections.set("default", client)
    try:
        yield
    finally:
        connections.reset(token)
        await client.close()


async def replica_has_product(replica: PostgresCluster, product_id: int) -> bool:
    conn = await asyncpg.connect(replica.url("mall"))
    try:
        return bool(await conn.fetchval("SELECT count(*) FROM products WHERE id = $1", product_id))
    finally:
        await conn.close()


async def set_replay(replica: PostgresCluster, *, paused: bool) -> None:
    conn = await asyncpg.connect(replica.url("mall"))
    try:
        await conn.execute(f"SELECT pg_wal_replay_{'pause' if paused else 'resume'}()")

        async def settled() -> bool:
            state = await conn.fetchval("SELECT pg_get_wal_replay_pause_state()")
            return bool(state == ("paused" if paused else "not paused"))

        await wait_for(settled, timeout=10, what="replay pause state")
    finally:
        await conn.close()


async def test_catalog_and_statistics_read_the_replica_and_the_rest_the_primary(
    replicated: Replicated, wechat_sim: str
) -> None:
    primary, replica = replicated.primary, replicated.replica
    async with (
        orm_on(primary.url("mall")),
        httpx.AsyncClient(base_url=replicated.base_url, timeout=30) as http,
        httpx.AsyncClient(base_url=wechat_sim, timeout=30) as sim,
    ):
        shop = await open_shop(http, stock=100)

        async def replicated_shop() -> bool:
            return await replica_has_product(replica, shop.product_id)

        await wait_for(replicated_shop, timeout=15, what="the shop on the replica")
        listed = await http.get("/api/v1/products")
        assert listed.status_code == 200, listed.text
        assert [p["id"] for p in listed.json()["items"]] == [shop.product_id]

        await set_replay(replica, paused=True)
        try:
            # Only the primary has what is written from now on.
            newer, _ = await make_product(title="只在主库的新品")
            customer = await new_customer(http, "replica-reader")
            order = await place(http, shop, customer)
            await pay(http, sim, customer, order)
            mine = await http.get("/api/v1/orders", headers=customer.headers)
            assert [o["id"] for o in mine.json()["items"]] == [order["id"]]

            # Catalog and search: the replica's view (no new product).
            search = await http.get("/api/v1/products", params={"q": "新品"})
            assert search.status_code == 200, search.text
            assert search.json()["items"] == []
            page = await http.get("/api/v1/products", params={"page_size": 50})
            assert [p["id"] for p in page.json()["items"]] == [shop.product_id]
            detail = await http.get(f"/api/v1/products/{newer.id}")
            assert detail.status_code == 404, detail.text
            # Statistics: the replica has no order today yet.
            stats = await http.get("/api/admin/stats/overview", headers=shop.admin)
            assert stats.status_code == 200, stats.text
            assert stats.json()["orders_today"] == 0

            # A product staff just changed is rebuilt from the primary.
            before = await http.get(f"/api/v1/products/{shop.product_id}")
            assert before.status_code == 200, before.text
            off = await http.post(
                f"/api/admin/products/{shop.product_id}/off-sale", headers=shop.admin
            )
            assert off.status_code in (200, 204), off.text
            after = await http.get(f"/api/v1/products/{shop.product_id}")
            assert after.status_code == 404, after.text
        finally:
            await set_replay(replica, paused=False)

        async def caught_up() -> bool:
            return await replica_has_product(replica, newer.id)

        await wait_for(caught_up, timeout=15, what="replay after the resume")
        stats = await http.get("/api/admin/stats/overview", headers=shop.admin)
        assert stats.json()["orders_today"] == 1

        # A replica that stops answering: past MALL_DATABASE_REPLICA_TIMEOUT the read goes
        # to the primary (the off-sale change's window over, list pages read the replica).
        await asyncio.sleep(LAG)
        replica.pause()
        try:
            started = time.monotonic()
            search = await http.get("/api/v1/products", params={"q": "主库"})
            took = time.monotonic() - started
        finally:
            replica.resume()
        assert search.status_code == 200, search.text
        assert [p["id"] for p in search.json()["items"]] == [newer.id]
        assert REPLICA_TIMEOUT * 0.9 < took < REPLICA_TIMEOUT + 3, f"{took:.1f} s"

        # The replica gone: catalog reads fall back to the primary at once.
        await replica.stop()
        search = await http.get("/api/v1/products", params={"q": "新品", "page_size": 10})
        assert search.status_code == 200, search.text
        assert [p["id"] for p in search.json()["items"]] == [newer.id]
        again = await new_customer(http, "replica-gone")
        assert (await http.get("/api/v1/orders", headers=again.headers)).status_code == 200
    assert replicated.api.running
