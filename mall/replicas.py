"""Read replicas (MALL_DATABASE_REPLICA_URLS): catalog, search and statistics reads run on a
streaming replica, everything else on the primary.

`on_replica(read)` runs a read-only coroutine function with Tortoise's "default" connection
pointing at a replica for the current task (ORM queries, raw SQL through
`connections.get("default")` and `in_transaction()` alike), taking the replicas in turn; when
the replica fails (down, too slow, refusing) the read runs again on the primary. Inside it,
`on_primary(read)` goes back to the primary (a cache rebuild right after a change, which a
lagging replica may not have yet). Without replicas both simply run the read.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from typing import Any, TypeVar

import asyncpg
from tortoise import connections
from tortoise.exceptions import DBConnectionError, OperationalError

from mall import pg
from mall.config import Settings, pooled_connection

log = logging.getLogger("mall.replicas")

T = TypeVar("T")
PRIMARY = "default"

# The replicas' clients (pools open on first use), opened with the primary's connection.
_clients: list[pg.MallPostgresClient] = []
_turn = itertools.count()
# The primary's client while this task reads from a replica (None otherwise).
_primary: ContextVar[Any] = ContextVar("mall_replica_primary", default=None)


def open_replicas(settings: Settings) -> None:
    """A client per MALL_DATABASE_REPLICA_URLS entry (each with its own pool, the primary's
    pool settings and MALL_DATABASE_REPLICA_TIMEOUT); replaces the clients of an earlier
    call."""
    _clients[:] = [
        pg.MallPostgresClient(
            connection_name=PRIMARY,
            **pooled_connection(settings, url, replica=True)["credentials"],
        )
        for url in settings.replica_urls
    ]


async def close_replicas() -> None:
    clients, _clients[:] = list(_clients), []
    for client in clients:
        await client.close()


def configured() -> bool:
    return bool(_clients)


def _replica_failed(exc: BaseException) -> bool:
    return pg.is_unavailable(exc) or isinstance(
        exc, asyncpg.PostgresError | OperationalError | DBConnectionError
    )


async def on_replica(read: Callable[[], Awaitable[T]]) -> T:
    """`read()` on a replica, or on the primary when none is configured or the replica fails."""
    if not _clients or _primary.get() is not None:
        return await read()
    index = next(_turn) % len(_clients)
    replica = _clients[index]
    primary_token = _primary.set(connections.get(PRIMARY))
    token = connections.set(PRIMARY, replica)
    try:
        return await read()
    except Exception as exc:
        if not _replica_failed(exc):
            raise
        log.warning("replica %d failed, reading from the primary: %r", index, exc)
    finally:
        connections.reset(token)
        _primary.reset(primary_token)
    return await read()


async def on_primary(read: Callable[[], Awaitable[T]]) -> T:
    """`read()` on the primary, also when called inside `on_replica`."""
    primary = _primary.get()
    if primary is None:
        return await read()
    token = connections.set(PRIMARY, primary)
    primary_token = _primary.set(None)
    try:
        return await read()
    finally:
        _primary.reset(primary_token)
        connections.reset(token)
