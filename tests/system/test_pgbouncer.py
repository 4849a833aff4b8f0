"""mall behind PgBouncer in transaction mode (Debian's pgbouncer, started by the test on
loopback in front of the test PostgreSQL, 4 server connections for many clients): real
`mall` processes log customers in, place, pay and cancel orders and serve the catalog
concurrently through it, and `mall migrate` takes its direct connection."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import httpx
import pytest

from mall.config import Settings, connect_options
from models import Order
from tests.mall_stack import MallStack, new_customer, open_shop, pay, place
from tests.pg_servers import PgBouncer
from tests.processes import ROOT

CUSTOMERS = 24


@pytest.fixture(scope="module")
async def bouncer(app_server: Any, settings: Settings) -> AsyncIterator[PgBouncer]:
    direct = connect_options(settings.database_url)
    server = PgBouncer(direct["host"], direct["port"])
    await server.start()
    yield server
    await server.stop()


def pooled_env(bouncer: PgBouncer, settings: Settings) -> dict[str, str]:
    """Settings for a mall behind a transaction pooler: no prepared-statement cache, no
    startup parameter PgBouncer refuses, migrations on the direct connection."""
    database = connect_options(settings.database_url)["database"]
    return {
        "MALL_DATABASE_URL": bouncer.url(database) + "?application_name=mall-pooled",
        "MALL_DB_STATEMENT_CACHE_SIZE": "0",
        "MALL_DB_CONNECTION_CHECK_INTERVAL": "0",
        "MALL_MIGRATE_DATABASE_URL": settings.database_url,
    }


@pytest.fixture(scope="module")
async def stack(
    bouncer: PgBouncer, settings: Settings, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[MallStack]:
    logs = tmp_path_factory.mktemp("pgbouncer-logs")
    stack = MallStack(logs, pooled_env(bouncer, settings))
    try:
        await stack.start(apis=1, schedulers=1, timeout=60)
        yield stack
    finally:
        await stack.stop()


async def test_asyncpg_defaults_fail_through_this_pooler(bouncer: PgBouncer) -> None:
    """What the settings avoid is real here: the startup parameter is refused and cached
    prepared statements meet other clients' on shared server connections."""
    with pytest.raises(asyncpg.PostgresError, match="client_connection_check_interval"):
        await asyncpg.connect(
            bouncer.url("postgres"),
            server_settings={"client_connection_check_interval": "1000"},
        )
    pool = await asyncpg.create_pool(bouncer.url("postgres"), min_size=12, max_size=12)
    try:

        async def query(n: int) -> None:
            async with pool.acquire() as conn:
                await conn.fetchval("SELECT $1::int + 1", n)
                await conn.fetchval("SELECT $1::text || 'x'", str(n))

        results = await asyncio.gather(*(query(n) for n in range(200)), return_exceptions=True)
    finally:
        pool.terminate()
    failures = [r for r in results if isinstance(r, asyncpg.PostgresError)]
    assert failures, "prepared statements worked through a transaction pooler"


async def test_logins_orders_payments_and_catalog_concurrently_through_pgbouncer(
    stack: MallStack, wechat_sim: str
) -> None:
    answers: list[tuple[int, str]] = []
    async with (
        httpx.AsyncClient(base_url=stack.base_urls[0], timeout=30) as http,
        httpx.AsyncClient(base_url=wechat_sim, timeout=30) as sim,
    ):
        shop = await open_shop(http, stock=1000)
        customers = await asyncio.gather(
            *(new_customer(http, f"pooled-{n}") for n in range(CUSTOMERS))
        )
        assert len({c.user_id for c in customers}) == CUSTOMERS

        async def shop_and_pay(index: int) -> dict[str, Any]:
            customer = customers[index]
            listing = await http.get("/api/v1/products", params={"q": "商品"})
            detail = await http.get(f"/api/v1/products/{shop.product_id}")
            me = await http.get("/api/v1/me", headers=customer.headers)
            answers.extend((r.status_code, str(r.url)) for r in (listing, detail, me))
            order = await place(http, shop, customer)
            if index % 3 == 0:
                cancelled = await http.post(
                    f"/api/v1/orders/{order['id']}/cancel", headers=customer.headers
                )
                answers.append((cancelled.status_code, "cancel"))
            else:
                await pay(http, sim, customer, order)
            return order

        orders = await asyncio.gather(*(shop_and_pay(n) for n in range(CUSTOMERS)))
        assert [a for a in answers if a[0] != 200] == []

        expected = {o["id"]: "cancelled" if n % 3 == 0 else "paid" for n, o in enumerate(orders)}
        for _ in range(200):
            rows = await Order.filter(id__in=list(expected)).values_list("id", "status")
            if dict(rows) == expected:
                break
            await asyncio.sleep(0.1)
        assert dict(rows) == expected
        mine = await http.get("/api/v1/orders", headers=customers[1].headers)
        assert mine.status_code == 200, mine.text
        assert [o["id"] for o in mine.json()["items"]] == [orders[1]["id"]]
    assert stack.apis[0].running, stack.apis[0].log_tail()


async def advisory_locks(settings: Settings) -> int:
    conn = await asyncpg.connect(
        **{**connect_options(settings.database_url), "database": "postgres"}
    )
    try:
        return int(await conn.fetchval("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'"))
    finally:
        await conn.close()


@pytest.mark.parametrize("direct", [True, False], ids=["direct", "through-the-pooler"])
async def test_migrate_takes_the_direct_connection(
    bouncer: PgBouncer, settings: Settings, direct: bool
) -> None:
    """`mall migrate` beside a pooled MALL_DATABASE_URL takes its advisory lock on
    MALL_MIGRATE_DATABASE_URL's direct connection and gives it back (two runs at once: the
    second waits, then finds nothing to do). Through the pooler the lock would outlive the
    run on a pooled server connection, and the next migration would wait for it forever."""
    assert await advisory_locks(settings) == 0
    env = {**os.environ, **pooled_env(bouncer, settings), "PYTHONPATH": str(ROOT)}
    if not direct:
        env["MALL_MIGRATE_DATABASE_URL"] = env["MALL_DATABASE_URL"]
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
        out, _ = await asyncio.wait_for(run.communicate(), 120)
        assert run.returncode == 0, out.decode()[-3000:]
        left = await advisory_locks(settings)
        # What MALL_MIGRATE_DATABASE_URL is for: the lock stayed behind the pooler.
        await bouncer.restart()
        assert left == 1
        return
    runs = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "mall.cli",
            "migrate",
            env=env,
            cwd=ROOT,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        for _ in range(2)
    ]
    outputs = [await asyncio.wait_for(run.communicate(), 120) for run in runs]
    assert [run.returncode for run in runs] == [0, 0], outputs
    assert await advisory_locks(settings) == 0
