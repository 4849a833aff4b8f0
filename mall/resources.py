"""Connections a runtime opens (mall/runtime.py): the database, Redis in any of its three
shapes, and their health checks.

Redis is standalone (MALL_REDIS_URL), behind Sentinel (MALL_REDIS_SENTINELS and
MALL_REDIS_SENTINEL_MASTER: every client talks to the current master and follows a
failover) or a Cluster (MALL_REDIS_CLUSTER=true, MALL_REDIS_URL names any node). Every
client is built here with the same safety: bounded socket and connect timeouts, a health
check that finds a stale pooled connection before it is used, and retries with backoff on
connection errors, so a Redis restart or failover is a short wait, not a string of 500s.
"""

from __future__ import annotations

import asyncio
from typing import Any

import redis.asyncio as aioredis
import redis.exceptions
from redis.asyncio.cluster import ClusterPipeline, RedisCluster
from redis.asyncio.connection import parse_url
from redis.asyncio.retry import Retry
from redis.asyncio.sentinel import Sentinel, SentinelConnectionPool
from redis.backoff import ExponentialBackoff
from tortoise import Tortoise, connections

from mall import replicas
from mall.config import Settings, tortoise_config

# Errors worth a retry: the connection broke or went to a master that is a replica now
# (Sentinel failover): a new connection usually works at once. A timeout is not retried:
# a Redis that does not answer within the socket timeout is down for now, and the request
# answers 503 rather than hang for several more timeouts.
RETRY_ON = [redis.exceptions.ConnectionError, redis.exceptions.ReadOnlyError]
RETRIES = 4
# How long a caller waits for a free pooled connection before the request is a 503.
POOL_WAIT = 10.0


class BoundedRedisCluster(RedisCluster):
    """A cluster client whose callers wait for a free connection, as the standalone
    client's BlockingConnectionPool makes them: redis-py's cluster client raises
    MaxConnectionsError as soon as a node's pool is busy (a burst of sockets joining one
    channel did), and retries it as if the node had failed. At most `max_connections`
    commands (a pipeline counts as one: it takes at most one connection per node) are in
    flight, so no node's pool of that size can run out."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # redis-py's default pool size per node when none is given.
        self._in_flight = asyncio.Semaphore(int(kwargs.get("max_connections", 100)))

    async def _take(self) -> None:
        try:
            await asyncio.wait_for(self._in_flight.acquire(), POOL_WAIT)
        except TimeoutError:
            raise redis.exceptions.ConnectionError(
                f"no free Redis connection within {POOL_WAIT:g} s"
            ) from None

    async def execute_command(self, *args: Any, **kwargs: Any) -> Any:
        await self._take()
        try:
            return await super().execute_command(*args, **kwargs)
        finally:
            self._in_flight.release()

    def pipeline(self, transaction: Any | None = None, shard_hint: Any | None = None) -> Any:
        if shard_hint:
            return super().pipeline(transaction, shard_hint)  # refused as redis-py does
        return _BoundedPipeline(self, transaction)  # type: ignore[abstract]


class BlockingSentinelPool(SentinelConnectionPool, aioredis.BlockingConnectionPool):
    """The current master's connections, where callers wait (up to `timeout`) for a free
    one as on standalone Redis; redis-py's sentinel pool raises at once when it is busy."""


class _BoundedPipeline(ClusterPipeline):
    async def execute(self, raise_on_error: bool = True, allow_redirections: bool = True) -> Any:
        owner = self.cluster_client
        if not isinstance(owner, BoundedRedisCluster):
            return await super().execute(raise_on_error, allow_redirections)
        await owner._take()
        try:
            return await super().execute(raise_on_error, allow_redirections)
        finally:
            owner._in_flight.release()


def _retry() -> Retry:
    # 50 ms, 100 ms, 200 ms, 400 ms (capped at 1 s): a failover or restart takes a second
    # or two; longer outages surface as 503 rather than hanging requests.
    return Retry(ExponentialBackoff(cap=1.0, base=0.05), RETRIES, supported_errors=tuple(RETRY_ON))


def redis_database(settings: Settings) -> int:
    """The database number of MALL_REDIS_URL (always 0 in a cluster)."""
    if settings.redis_mode == "cluster":
        return 0
    return int(parse_url(settings.redis_url).get("db", 0) or 0)


def redis_client(
    settings: Settings,
    *,
    decode: bool = True,
    max_connections: int | None = None,
    socket_timeout: float | None = None,
) -> Any:
    """A pooled client of the configured Redis; under a burst, callers wait for a free
    connection instead of failing. `socket_timeout` is raised for blocking reads
    (a consumer's XREADGROUP)."""
    timeout = settings.redis_socket_timeout if socket_timeout is None else socket_timeout
    common: dict[str, Any] = {
        "decode_responses": decode,
        "socket_timeout": timeout,
        "socket_connect_timeout": settings.redis_connect_timeout,
        "health_check_interval": settings.redis_health_check_interval,
        "retry": _retry(),
        "retry_on_error": RETRY_ON,
    }
    if not settings.redis_url.startswith("unix:"):
        # TCP only: redis-py's unix socket connection takes no keepalive option (the
        # embedded Redis of `mall dev` listens on a unix socket).
        common["socket_keepalive"] = True
    size = max_connections or settings.redis_pool_max
    mode = settings.redis_mode
    if mode == "cluster":
        return BoundedRedisCluster.from_url(settings.redis_url, max_connections=size, **common)
    if mode == "sentinel":
        sentinel = Sentinel(
            settings.sentinel_addresses(),
            sentinel_kwargs={
                "socket_timeout": settings.redis_connect_timeout,
                "socket_connect_timeout": settings.redis_connect_timeout,
            },
        )
        return sentinel.master_for(
            settings.redis_sentinel_master,
            connection_pool_class=BlockingSentinelPool,
            db=redis_database(settings),
            max_connections=size,
            timeout=POOL_WAIT,
            **common,
        )
    pool = aioredis.BlockingConnectionPool.from_url(
        settings.redis_url, max_connections=size, timeout=POOL_WAIT, **common
    )
    return aioredis.Redis(connection_pool=pool)


def is_cluster(client: Any) -> bool:
    return isinstance(client, RedisCluster)


async def mget(client: Any, keys: list[str]) -> list[Any]:
    """MGET of keys that may live in different slots (one MGET outside a cluster)."""
    if not keys:
        return []
    if is_cluster(client):
        return list(await client.mget_nonatomic(keys))
    return list(await client.mget(keys))


async def flush(client: Any) -> None:
    """Empty the configured database (every primary of a cluster): tests and benchmarks."""
    if is_cluster(client):
        await client.flushdb(target_nodes=RedisCluster.PRIMARIES)
    else:
        await client.flushdb()


async def init_db(settings: Settings) -> None:
    await Tortoise.init(config=tortoise_config(settings), _enable_global_fallback=True)
    replicas.open_replicas(settings)


async def close_db() -> None:
    await replicas.close_replicas()
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
    """None when Redis answers and takes writes here (a master, every slot covered in a
    cluster), else why not."""
    try:
        async with asyncio.timeout(limit):
            await client.ping()
            if is_cluster(client):
                info = await client.cluster_info()
                state = info.get("cluster_state") if isinstance(info, dict) else None
                if state not in (None, "ok"):
                    return f"cluster state is {state}"
            else:
                role = await client.execute_command("ROLE")
                kind = role[0].decode() if isinstance(role[0], bytes) else str(role[0])
                if kind != "master":
                    return f"this Redis is a {kind}, not a writable master"
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"[:200]
    return None
