"""Test harness: real PostgreSQL and Redis, the real app and the WeChat simulator on real ports.

MALL_TEST_DATABASE_URL / MALL_TEST_REDIS_URL name the servers to use; without them the
embedded servers of the quick start are started under .mall/test.
"""

from __future__ import annotations

import asyncio
import os
import socket
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import httpx
import pytest
import redis.asyncio as aioredis

# The browser tests' fixtures (browser, context, sim), for any module that asks for them.
pytest_plugins = ["tests.browser_support"]

ROOT = Path(__file__).resolve().parent.parent
TEST_DB_NAME = os.environ.get("MALL_TEST_DATABASE_NAME", "mall_test")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


EMBEDDED_DIR = ROOT / ".mall" / "test"
_started: list[Callable[[], None]] = []


def _servers() -> tuple[str, str]:
    db_url = os.environ.get("MALL_TEST_DATABASE_URL")
    redis_url = os.environ.get("MALL_TEST_REDIS_URL")
    if db_url and redis_url:
        return _with_database(db_url, TEST_DB_NAME), redis_url
    from mall import embedded

    EMBEDDED_DIR.mkdir(parents=True, exist_ok=True)
    if not db_url:
        db_url = embedded.start_postgres(EMBEDDED_DIR)
        _started.append(lambda: embedded.stop_postgres(EMBEDDED_DIR))
    if not redis_url:
        server = embedded.start_redis(EMBEDDED_DIR)
        redis_url = server.url
        _started.append(server.stop)
    return _with_database(db_url, TEST_DB_NAME), redis_url


SYSTEM_DIR = Path(__file__).resolve().parent / "system"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests under tests/system/ (real processes, a real browser) are marked `system`, so
    the fast inner loop is `pytest -m "not system"`; CI runs everything."""
    for item in items:
        if SYSTEM_DIR in Path(str(item.path)).parents:
            item.add_marker(pytest.mark.system)


def pytest_unconfigure(config: pytest.Config) -> None:
    """Stop the embedded servers this run started (a configured server is left alone)."""
    for stop in reversed(_started):
        stop()


def _dev_keys() -> dict[str, str]:
    from mall.wechat.keys import ensure_dev_keys

    return ensure_dev_keys(ROOT / ".mall" / "test" / "keys").env()


SIM_PORT = _free_port()
APP_PORT = _free_port()
DATABASE_URL, REDIS_URL = _servers()

# The real processes the tests start (worker, scheduler, API) read the same environment:
# point everything at the test servers.
os.environ.update(
    {
        "MALL_ENV": "test",
        "MALL_DATABASE_URL": DATABASE_URL,
        "MALL_REDIS_URL": REDIS_URL,
        "MALL_WECHAT_API_BASE": f"http://127.0.0.1:{SIM_PORT}",
        "MALL_PUBLIC_BASE_URL": f"http://127.0.0.1:{APP_PORT}",
        "MALL_LOG_LEVEL": "WARNING",
        "MALL_WS_AUTH_RECHECK_SECONDS": "0.3",
        "MALL_WECHAT_PAY_API_BASE": f"http://127.0.0.1:{SIM_PORT}",
        "MALL_WECHAT_SIM_NOTIFY_RETRY_SCALE": "0.001",
        **_dev_keys(),
    }
)

from sanic import Sanic  # noqa: E402

from mall.config import Settings  # noqa: E402
from mall.runtime import Runtime  # noqa: E402

Sanic.test_mode = True


async def _recreate_database(url: str) -> None:
    from mall.config import connect_options

    conn = await asyncpg.connect(**{**connect_options(url), "database": "postgres"})
    try:
        await conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1",
            TEST_DB_NAME,
        )
        await conn.execute(f'DROP DATABASE IF EXISTS "{TEST_DB_NAME}"')
        await conn.execute(f'CREATE DATABASE "{TEST_DB_NAME}"')
    finally:
        await conn.close()


@dataclass
class RunningServer:
    server: Any

    async def stop(self) -> None:
        await self.server.before_stop()
        self.server.close()
        await self.server.wait_closed()
        await self.server.after_stop()


async def serve(app: Sanic, port: int, *, protocol: type[Any] | None = None) -> RunningServer:
    """Run a Sanic app on a real port inside the test loop (with the protocol `mall serve`
    gives it, for the mall app)."""
    server = await app.create_server(
        host="127.0.0.1",
        port=port,
        return_asyncio_server=True,
        access_log=False,
        protocol=protocol,
    )
    assert server is not None
    await server.startup()
    await server.before_start()
    await server.after_start()
    return RunningServer(server)


@pytest.fixture(scope="session")
def settings() -> Settings:
    return Settings()


@pytest.fixture(scope="session")
async def migrated_db(settings: Settings) -> str:
    from mall.migrate import upgrade

    await _recreate_database(settings.database_url)
    await upgrade(settings)
    return settings.database_url


@pytest.fixture(scope="session")
async def wechat_sim(settings: Settings) -> AsyncIterator[str]:
    from mall.wechat.sim_push import SimPushConfig
    from mall.wechat.simulator import SimPayConfig, create_sim_app

    assert settings.wechat_sim_merchant_public_key_path is not None
    assert settings.wechat_sim_platform_private_key_path is not None
    pay = SimPayConfig.from_pem(
        mchid=settings.wechat_mchid,
        merchant_public_key_pem=settings.wechat_sim_merchant_public_key_path.read_bytes(),
        platform_private_key_pem=settings.wechat_sim_platform_private_key_path.read_bytes(),
        public_key_id=settings.wechat_pay_public_key_id,
        apiv3_key=settings.wechat_pay_apiv3_key,
        merchant_serial_no=settings.wechat_pay_cert_serial_no,
        notify_retry_scale=settings.wechat_sim_notify_retry_scale,
    )
    app = create_sim_app(
        appid=settings.wechat_appid,
        secret=settings.wechat_secret,
        name="wechat_sim_tests",
        pay=pay,
        # Pushes go to the app under test; image verdicts only when a test pushes them.
        push=SimPushConfig(
            url=settings.wechat_push_url,
            token=settings.wechat_push_token,
            encoding_aes_key=settings.wechat_push_aes_key,
            media_check_delay=None,
        ),
    )
    running = await serve(app, SIM_PORT)
    yield f"http://127.0.0.1:{SIM_PORT}"
    await running.stop()


@pytest.fixture(scope="session")
async def app_server(settings: Settings, migrated_db: str, wechat_sim: str) -> AsyncIterator[Sanic]:
    from mall.app import create_app

    app = create_app(settings=settings)
    from mall.protocol import MallProtocol

    running = await serve(app, APP_PORT, protocol=MallProtocol)
    yield app
    await running.stop()


@pytest.fixture(scope="session")
def base_url(app_server: Sanic) -> str:
    return f"http://127.0.0.1:{APP_PORT}"


@pytest.fixture
def rt(app_server: Sanic) -> Runtime:
    """The runtime of the test's API server (services called directly use it)."""
    runtime: Runtime = app_server.ctx.runtime
    return runtime


@pytest.fixture
async def redis(rt: Runtime) -> aioredis.Redis:
    return rt.redis


@pytest.fixture(autouse=True)
async def clean_state(request: pytest.FixtureRequest) -> AsyncIterator[None]:
    """Empty every table and the Redis database before each test that uses the app."""
    if "app_server" not in request.fixturenames and "client" not in request.fixturenames:
        yield
        return
    app: Sanic = request.getfixturevalue("app_server")
    from tortoise import connections

    conn = connections.get("default")
    rows = await conn.execute_query_dict(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'aerich'"
    )
    tables = ", ".join(f'"{row["tablename"]}"' for row in rows)
    if tables:
        await conn.execute_script(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")
    await app.ctx.runtime.redis.flushdb()
    app.ctx.runtime.shop.forget()
    yield


@pytest.fixture
async def client(base_url: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as http:
        yield http


@pytest.fixture(scope="session")
def event_loop_policy() -> Iterator[asyncio.AbstractEventLoopPolicy]:
    yield asyncio.DefaultEventLoopPolicy()
