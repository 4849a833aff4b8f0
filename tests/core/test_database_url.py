"""MALL_DATABASE_URL reaches asyncpg whole: its query parameters become asyncpg options or
server settings on every pooled connection, and the connection settings apply."""

from __future__ import annotations

import asyncpg
import pytest

from mall.config import Settings, connect_options, tortoise_config
from mall.errors import unavailable_server
from mall.pg import DatabaseTimeout, DatabaseUnreachable, MallPostgresClient


def test_asyncpg_options_in_the_url_win_and_the_rest_stays_in_the_dsn() -> None:
    options = connect_options(
        "postgresql://shop:p%40ss@db.internal:6432/mall?statement_cache_size=0"
        "&command_timeout=2.5&sslmode=require&application_name=api",
        statement_cache_size=100,
    )
    assert options["statement_cache_size"] == 0
    assert options["command_timeout"] == 2.5
    assert (options["host"], options["port"], options["user"]) == ("db.internal", 6432, "shop")
    assert options["password"] == "p@ss"
    assert options["dsn"].endswith("/mall?sslmode=require&application_name=api")
    with pytest.raises(ValueError, match="statement_cache_size"):
        connect_options("postgres://db/mall?statement_cache_size=none")


async def test_url_parameters_and_settings_reach_every_connection(migrated_db: str) -> None:
    settings = Settings(
        database_url=migrated_db + "?application_name=mall-url-test",
        db_statement_cache_size=0,
        db_connection_check_interval=0,
    )
    # A client of its own (Tortoise.init would replace the suite's app connections).
    config = tortoise_config(settings)["connections"]["default"]
    assert config["engine"] == "mall.pg"
    conn = MallPostgresClient(connection_name="url-test", **config["credentials"])
    await conn.create_connection(with_db=True)
    try:
        rows = await conn.execute_query_dict(
            "SELECT current_setting('application_name') AS app,"
            " current_setting('client_connection_check_interval') AS check_interval"
        )
        assert rows == [{"app": "mall-url-test", "check_interval": "0"}]
        assert conn._pool is not None
        async with conn._pool.acquire() as raw:
            assert raw._stmt_cache.get_max_size() == 0
    finally:
        await conn.close()


@pytest.mark.parametrize(
    "exc",
    [
        asyncpg.TooManyConnectionsError("sorry, too many clients already"),
        asyncpg.CannotConnectNowError("the database system is starting up"),
        asyncpg.AdminShutdownError("terminating connection due to administrator command"),
        asyncpg.QueryCanceledError("canceling statement due to statement timeout"),
        asyncpg.ConnectionDoesNotExistError("connection was closed in the middle of operation"),
        asyncpg.ReadOnlySQLTransactionError("cannot execute INSERT in a read-only transaction"),
        DatabaseTimeout("no PostgreSQL connection within 5 s"),
        DatabaseUnreachable("cannot connect to PostgreSQL: [Errno 111] Connection refused"),
    ],
)
def test_a_postgresql_that_cannot_serve_is_named_as_unavailable(exc: Exception) -> None:
    assert unavailable_server(exc) == "PostgreSQL"


@pytest.mark.parametrize(
    "exc",
    [
        asyncpg.UniqueViolationError("duplicate key"),
        asyncpg.UndefinedColumnError("column does not exist"),
        TimeoutError("some other wait"),
        ConnectionRefusedError("some other server"),
    ],
)
def test_other_errors_are_not_blamed_on_postgresql(exc: Exception) -> None:
    assert unavailable_server(exc) is None


@pytest.mark.parametrize("in_transaction", [False, True], ids=["alone", "in-a-transaction"])
async def test_a_statement_past_the_timeout_is_a_database_timeout(
    migrated_db: str, in_transaction: bool
) -> None:
    """Also inside a transaction, whose rollback then finds its connection closed: what
    reaches the error handler is still the timeout (a 503 naming PostgreSQL)."""
    settings = Settings(database_url=migrated_db, db_statement_timeout=0.3)
    config = tortoise_config(settings)["connections"]["default"]
    conn = MallPostgresClient(connection_name="timeout-test", **config["credentials"])
    await conn.create_connection(with_db=True)
    try:
        with pytest.raises(DatabaseTimeout):
            if in_transaction:
                async with conn._in_transaction() as tx:
                    await tx.execute_query("SELECT pg_sleep(3)")
            else:
                await conn.execute_query("SELECT pg_sleep(3)")
        # The pool lost that connection and opens another.
        assert await conn.execute_query_dict("SELECT 1 AS one") == [{"one": 1}]
    finally:
        await conn.close()
