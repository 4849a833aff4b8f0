"""PostgreSQL paused under a running API: a PostgreSQL cluster of the test's own (initdb on
a free port), its postmaster and backends stopped with SIGSTOP. Requests answer 503
`service_unavailable` naming PostgreSQL within the configured timeouts, /health/ready
within its 2 s, and everything works again once the server is resumed."""

from __future__ import annotations

import asyncio
import os
import sys
import time
from collections.abc import AsyncIterator, Awaitable
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.factories import bearer, login
from tests.pg_servers import PostgresCluster
from tests.processes import ROOT, MallProcess, wait_http_ready, wait_until
from tests.redis_servers import RedisServer, free_port

TIMEOUT = 2.0  # MALL_DB_STATEMENT_TIMEOUT and MALL_DB_ACQUIRE_TIMEOUT of the API
SLACK = 3.0  # a busy 2-core machine


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


@dataclass
class Outage:
    cluster: PostgresCluster
    api: MallProcess
    base_url: str


@pytest.fixture(scope="module")
async def outage(
    wechat_sim: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Outage]:
    base = tmp_path_factory.mktemp("pg-outage")
    cluster = PostgresCluster()
    redis = RedisServer(base)
    api: MallProcess | None = None
    try:
        await asyncio.to_thread(cluster.init)
        await cluster.start()
        await redis.start()
        port = free_port()
        env = {
            **os.environ,
            "MALL_DATABASE_URL": cluster.url("mall"),
            "MALL_REDIS_URL": redis.url,
            "MALL_DB_STATEMENT_TIMEOUT": str(TIMEOUT),
            "MALL_DB_ACQUIRE_TIMEOUT": str(TIMEOUT),
            "MALL_PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
            "MALL_LOG_LEVEL": "WARNING",
        }
        env.pop("MALL_MIGRATE_DATABASE_URL", None)
        await migrate(env)
        api = MallProcess(
            "api-outage",
            ["serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "1"],
            env=env,
            log_dir=Path(base),
        )
        api.start()
        await wait_http_ready(f"http://127.0.0.1:{port}", timeout=60, watch=[api])
        yield Outage(cluster, api, f"http://127.0.0.1:{port}")
    finally:
        if api is not None:
            await api.stop()
        await cluster.stop()
        await redis.stop()


async def timed(call: Awaitable[httpx.Response]) -> tuple[httpx.Response, float]:
    started = time.monotonic()
    resp = await call
    return resp, time.monotonic() - started


async def test_a_paused_postgresql_is_a_503_within_the_timeout_then_recovers(
    outage: Outage,
) -> None:
    async with httpx.AsyncClient(base_url=outage.base_url, timeout=30) as http:
        session = await login(http, "outage")
        me = bearer(session["access_token"])
        assert (await http.get("/api/v1/orders", headers=me)).status_code == 200

        outage.cluster.pause()
        try:
            # More requests than the pool has connections: some wait for a connection,
            # the others for their statement; every one gets its answer in time.
            calls = [http.get("/api/v1/orders", headers=me) for _ in range(14)]
            calls.append(http.get("/api/v1/products"))
            calls.append(http.post("/api/v1/auth/wechat/login", json={"code": "outage-2"}))
            answers = await asyncio.gather(*(timed(call) for call in calls))
            ready, ready_took = await timed(http.get("/health/ready"))
        finally:
            outage.cluster.resume()

        for resp, took in answers:
            assert resp.status_code == 503, resp.text
            error = resp.json()["error"]
            assert error["code"] == "service_unavailable"
            assert error["details"]["server"] == "PostgreSQL"
            assert resp.headers["Retry-After"]
            assert took < TIMEOUT * 2 + SLACK, f"{took:.1f} s"
        assert max(took for _, took in answers) > TIMEOUT * 0.9  # it did wait for the server
        assert ready.status_code == 503, ready.text
        assert "postgres" in ready.json()["error"]["details"]
        assert ready_took < 2.0 + 1.0, f"/health/ready took {ready_took:.1f} s"

        async def recovered() -> bool:
            resp = await http.get("/api/v1/orders", headers=me)
            return resp.status_code == 200

        await wait_until(recovered, timeout=15, what="orders after the resume", watch=[outage.api])
        assert (await http.get("/health/ready")).status_code == 200
        again = await login(http, "outage-3")
        assert again["access_token"]
    assert outage.api.running
