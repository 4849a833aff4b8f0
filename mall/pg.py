"""The Tortoise engine mall runs on (`"engine": "mall.pg"`): Tortoise's asyncpg backend with
the whole MALL_DATABASE_URL handed to asyncpg (sslmode, target_session_attrs, server
settings such as application_name) and a pool whose every acquire and release is bounded,
so a PostgreSQL that stops answering fails a request within the configured time instead of
holding it as long as the outage lasts.
"""

from __future__ import annotations

import logging
from typing import Any

import asyncpg
from tortoise.backends.asyncpg.client import AsyncpgDBClient, TransactionWrapper
from tortoise.backends.base.client import TransactionContext, TransactionContextPooled
from tortoise.exceptions import DBConnectionError

log = logging.getLogger("mall.pg")

# asyncpg.create_pool's defaults, which the Pool constructor does not repeat.
MAX_QUERIES = 50_000
MAX_INACTIVE_CONNECTION_LIFETIME = 300.0


class DatabaseTimeout(TimeoutError):
    """PostgreSQL did not answer in time: no pooled connection within the acquire timeout,
    or a statement past MALL_DB_STATEMENT_TIMEOUT."""


class DatabaseUnreachable(ConnectionError):
    """A new connection to PostgreSQL could not be opened (refused, reset, unresolvable)."""


# What PostgreSQL (or a pooler in front of it) says when it cannot serve us now: gone
# connections, too many clients, starting up or shutting down, a cancelled statement (a
# server-side statement_timeout), a read-only server (a standby after a failover).
_UNAVAILABLE = (
    DatabaseTimeout,
    DatabaseUnreachable,
    DBConnectionError,
    asyncpg.PostgresConnectionError,
    asyncpg.InsufficientResourcesError,
    asyncpg.OperatorInterventionError,
    asyncpg.ReadOnlySQLTransactionError,
)


def is_unavailable(exc: BaseException) -> bool:
    """Whether an exception says PostgreSQL cannot serve us now (rather than a bug)."""
    return isinstance(exc, _UNAVAILABLE)


class TimedConnection(asyncpg.Connection):
    """A connection whose statement timeouts (command_timeout) raise DatabaseTimeout.

    A timed-out connection is closed at once: asyncpg would otherwise hold it until the
    server answers the cancel request, which a paused server never does, and the request
    would wait that long again when giving the connection back.
    """

    def _timed_out(self, exc: TimeoutError) -> DatabaseTimeout:
        self.terminate()
        return DatabaseTimeout("PostgreSQL did not finish a statement in time")

    async def execute(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return await super().execute(*args, **kwargs)
        except TimeoutError as exc:
            raise self._timed_out(exc) from exc

    async def executemany(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return await super().executemany(*args, **kwargs)
        except TimeoutError as exc:
            raise self._timed_out(exc) from exc

    async def _execute(self, *args: Any, **kwargs: Any) -> Any:  # fetch, fetchrow, fetchval
        try:
            return await super()._execute(*args, **kwargs)
        except TimeoutError as exc:
            raise self._timed_out(exc) from exc


class BoundedPool(asyncpg.Pool):
    """An asyncpg pool whose acquire (waiting for a free connection or opening a new one)
    and release (which defaults to the acquire's limit) give up after `acquire_timeout`."""

    acquire_timeout: float | None = None

    def acquire(self, *, timeout: float | None = None) -> Any:
        return super().acquire(timeout=self.acquire_timeout if timeout is None else timeout)

    async def _acquire(self, timeout: float | None) -> Any:  # noqa: ASYNC109 - asyncpg's signature
        try:
            return await super()._acquire(timeout)
        except TimeoutError as exc:
            raise DatabaseTimeout(f"no PostgreSQL connection within {timeout} s") from exc
        except OSError as exc:
            raise DatabaseUnreachable(f"cannot connect to PostgreSQL: {exc}") from exc

    async def release(self, connection: Any, *, timeout: float | None = None) -> None:  # noqa: ASYNC109
        # A connection that cannot be given back in time (its statement timed out and the
        # server does not answer the cancel) is closed by asyncpg; the request's own
        # error, not this one, is what its caller should see.
        try:
            await super().release(connection, timeout=timeout)
        except (TimeoutError, OSError, asyncpg.PostgresConnectionError) as exc:
            log.warning("PostgreSQL connection dropped on release: %r", exc)


class _Transaction(TransactionContextPooled):
    """in_transaction(): a transaction whose statement timed out has lost its connection
    (TimedConnection closes it; PostgreSQL rolls the transaction back); the rollback that
    then fails must not hide the timeout from the error handler."""

    async def __aexit__(self, exc_type: Any, exc_val: Any, exc_tb: Any) -> None:
        try:
            await super().__aexit__(exc_type, exc_val, exc_tb)
        except asyncpg.InterfaceError:
            if not isinstance(exc_val, DatabaseTimeout):
                raise


class MallPostgresClient(AsyncpgDBClient):
    """Tortoise's asyncpg client, given `dsn` and `acquire_timeout` in its credentials."""

    connection_class = TimedConnection

    def _in_transaction(self) -> TransactionContext:
        return _Transaction(TransactionWrapper(self), self._pool_init_lock)

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
