"""The Tortoise engine mall runs on (`"engine": "mall.pg"`): Tortoise's asyncpg backend with
the whole MALL_DATABASE_URL handed to asyncpg (sslmode, target_session_attrs, server
settings such as application_name) and a pool whose every acquire and release is bounded,
so a PostgreSQL that stops answering fails a request within the configured time instead of
holding it as long as the outage lasts.
"""

from __future__ import annotations

from typing import Any

import asyncpg
from tortoise.backends.asyncpg.client import AsyncpgDBClient

# asyncpg.create_pool's defaults, which the Pool constructor does not repeat.
MAX_QUERIES = 50_000
MAX_INACTIVE_CONNECTION_LIFETIME = 300.0


class BoundedPool(asyncpg.Pool):
    """An asyncpg pool whose acquire (waiting for a free connection or opening a new one)
    and release (which defaults to the acquire's limit) give up after `acquire_timeout`."""

    acquire_timeout: float | None = None

    def acquire(self, *, timeout: float | None = None) -> Any:
        return super().acquire(timeout=self.acquire_timeout if timeout is None else timeout)


class MallPostgresClient(AsyncpgDBClient):
    """Tortoise's asyncpg client, given `dsn` and `acquire_timeout` in its credentials."""

    async def create_pool(self, **kwargs: Any) -> asyncpg.Pool:
        dsn = kwargs.pop("dsn", None)
        acquire_timeout = kwargs.pop("acquire_timeout", None)
        kwargs.setdefault("max_queries", MAX_QUERIES)
        kwargs.setdefault("max_inactive_connection_lifetime", MAX_INACTIVE_CONNECTION_LIFETIME)
        kwargs.setdefault("record_class", asyncpg.Record)
        pool = BoundedPool(dsn, **kwargs)
        pool.acquire_timeout = acquire_timeout
        await pool
        return pool


client_class = MallPostgresClient
