"""The PostgreSQL database and Redis db one benchmark owns, and its processes' environment.

A benchmark never touches data it did not create: the database name must start with
`mall_bench` (it is dropped and rebuilt with `mall migrate`) and the Redis db number is
flushed, so give every benchmark its own of both.
"""

from __future__ import annotations

import asyncio
import os
import sys
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import redis.asyncio as aioredis

REPO_ROOT = Path(__file__).resolve().parents[2]
DATABASE_PREFIX = "mall_bench"


@dataclass(frozen=True)
class Target:
    """Where a benchmark's data lives: local PostgreSQL and Redis only."""

    database: str
    redis_db: int
    pg_host: str = "127.0.0.1"
    pg_port: int = 5432
    pg_user: str = "postgres"
    redis_host: str = "127.0.0.1"
    redis_port: int = 6379

    def __post_init__(self) -> None:
        if not self.database.startswith(DATABASE_PREFIX):
            raise ValueError(
                f"a benchmark database is named {DATABASE_PREFIX}*, not {self.database}"
            )

    @property
    def database_url(self) -> str:
        return f"postgres://{self.pg_user}@{self.pg_host}:{self.pg_port}/{self.database}"

    @property
    def redis_url(self) -> str:
        return f"redis://{self.redis_host}:{self.redis_port}/{self.redis_db}"

    def connect_kwargs(self, database: str | None = None) -> dict[str, object]:
        return {
            "host": self.pg_host,
            "port": self.pg_port,
            "user": self.pg_user,
            "database": database or self.database,
        }


def mall_env(target: Target, **extra: str) -> dict[str, str]:
    """The environment of every `mall` process of the run (and of this one's Settings)."""
    env = dict(os.environ)
    env.update(
        {
            "MALL_ENV": "dev",
            "MALL_DATABASE_URL": target.database_url,
            "MALL_REDIS_URL": target.redis_url,
            # Thousands of buyers from one address would trip the login limits otherwise.
            "MALL_RATE_LIMIT_ENABLED": "false",
            # ...and thousands of sockets from one address the socket and connection caps.
            "MALL_WS_MAX_PER_IP": "1000000",
            "MALL_HTTP_MAX_CONNECTIONS_PER_IP": "0",
            "MALL_LOG_LEVEL": "WARNING",
            "PYTHONPATH": os.pathsep.join(
                p for p in (str(REPO_ROOT), env.get("PYTHONPATH", "")) if p
            ),
        }
    )
    env.update(extra)
    return env


async def recreate_database(target: Target, env: dict[str, str]) -> None:
    """Drop the benchmark database and build it again with `mall migrate`."""
    conn = await asyncpg.connect(**target.connect_kwargs("postgres"))  # type: ignore[arg-type]
    try:
        await conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = $1 AND pid <> pg_backend_pid()",
            target.database,
        )
        await conn.execute(f'DROP DATABASE IF EXISTS "{target.database}"')
    finally:
        await conn.close()
    # `mall migrate` creates the database, then applies every migration.
    migrate = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "mall.cli",
        "migrate",
        env=env,
        cwd=REPO_ROOT,
        stdout=asyncio.subprocess.DEVNULL,
    )
    if await asyncio.wait_for(migrate.wait(), 120) != 0:
        raise RuntimeError(f"mall migrate failed with {migrate.returncode}")


async def flush_redis(target: Target) -> None:
    """Empty the benchmark's own Redis db (schedules, task stream, event streams)."""
    client = aioredis.Redis.from_url(target.redis_url)
    try:
        await client.flushdb()
    finally:
        await client.aclose()


async def server_versions(target: Target) -> dict[str, str]:
    """PostgreSQL and Redis versions, for the machine table."""
    conn = await asyncpg.connect(**target.connect_kwargs("postgres"))  # type: ignore[arg-type]
    try:
        pg = await conn.fetchval("SHOW server_version")
    finally:
        await conn.close()
    client = aioredis.Redis.from_url(target.redis_url)
    try:
        info = await client.info("server")
    finally:
        await client.aclose()
    return {"postgresql": str(pg).split()[0], "redis": str(info.get("redis_version", "?"))}
