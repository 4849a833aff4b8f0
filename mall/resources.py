"""Connections a runtime opens (mall/runtime.py): the database, Redis, and their checks."""

from __future__ import annotations

import asyncio
from typing import Any

import redis.asyncio as aioredis
from tortoise import Tortoise, connections

from mall.config import Settings, tortoise_config


def redis_client(settings: Settings) -> aioredis.Redis:
    """A pooled client; under a burst, callers wait for a free connection instead of failing."""
    pool = aioredis.BlockingConnectionPool.from_url(
        settings.redis_url,
        max_connections=settings.redis_pool_max,
        timeout=10,
        decode_responses=True,
    )
    return aioredis.Redis(connection_pool=pool)


async def init_db(settings: Settings) -> None:
    await Tortoise.init(config=tortoise_config(settings), _enable_global_fallback=True)


async def close_db() -> None:
    await Tortoise.close_connections()


async def check_database(limit: float = 2.0) -> str | None:
    """None when PostgreSQL answers, else why not."""
    try:
        conn = connections.get("default")
        await asyncio.wait_for(conn.execute_query("SELECT 1"), limit)
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"[:200]
    return None


async def check_redis(client: Any, limit: float = 2.0) -> str | None:
    """None when Redis answers, else why not."""
    try:
        await asyncio.wait_for(client.ping(), limit)
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"[:200]
    return None
