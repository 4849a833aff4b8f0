"""Per-process resources on app.ctx: the database, Redis and the Taskiq broker."""

from __future__ import annotations

import asyncio
from typing import Any

import redis.asyncio as aioredis
from tortoise import Tortoise, connections

from mall.config import Settings, tortoise_config


def redis_client(settings: Settings) -> aioredis.Redis:
    return aioredis.from_url(settings.redis_url, decode_responses=True)


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
