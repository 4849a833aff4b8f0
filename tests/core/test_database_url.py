"""MALL_DATABASE_URL reaches asyncpg whole: its query parameters become asyncpg options or
server settings on every pooled connection, and the connection settings apply."""

from __future__ import annotations

import pytest

from mall.config import Settings, connect_options, tortoise_config
from mall.pg import MallPostgresClient


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
