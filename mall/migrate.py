"""Bring the database to the newest aerich migration, creating the database when missing."""

from __future__ import annotations

import logging
import os
from typing import Any

import asyncpg

from mall.config import MIGRATIONS_DIR, Settings, connect_options, tortoise_config
from mall.orders.sql import functions_sql

log = logging.getLogger("mall.migrate")

MIGRATIONS_APP = "models"
MAINTENANCE_DATABASE = "postgres"
# pg_advisory_lock key (any constant): two `mall migrate` runs at once apply each
# migration once, the second one waits and then finds nothing left to do.
MIGRATION_LOCK_KEY = 0x6D616C6C  # "mall"

# aerich warns on every run that tortoise 1.x support is new; it is noise in our logs.
os.environ.setdefault("AERICH_NO_TORTOISE_V1_WARNING", "1")


def _connect_kwargs(database_url: str) -> dict[str, Any]:
    # A few statements each: no prepared-statement cache, so a pooled URL works too.
    return connect_options(database_url, statement_cache_size=0)


def _quote_identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


async def ensure_database(database_url: str) -> bool:
    """Create the database named in the URL unless it exists; True when it was created."""
    kwargs = _connect_kwargs(database_url)
    try:
        conn = await asyncpg.connect(**kwargs)
    except asyncpg.InvalidCatalogNameError:
        pass
    else:
        await conn.close()
        return False

    # Only reached when the database is missing, so a role without access to the
    # maintenance database works as long as its database exists.
    conn = await asyncpg.connect(**{**kwargs, "database": MAINTENANCE_DATABASE})
    try:
        await conn.execute(f"CREATE DATABASE {_quote_identifier(kwargs['database'])}")
    except (asyncpg.DuplicateDatabaseError, asyncpg.UniqueViolationError):
        # Another process created it between our two connections; a CREATE DATABASE
        # racing another one fails on the catalog's unique index instead.
        return False
    finally:
        await conn.close()
    log.info("created database %s", kwargs["database"])
    return True


async def upgrade(settings: Settings) -> list[str]:
    """Apply every migration in migrations/models not yet applied, then the current SQL
    functions (mall/orders/sql/functions.sql, CREATE OR REPLACE); return the migrations'
    names.

    Works on an empty database: the first migration creates aerich's own table. Tables
    change through migrations; the functions are code, replaced on every run, so a deploy
    always runs the bodies its code was written against.
    """
    from aerich import Command
    from tortoise import Tortoise

    # The session advisory lock needs one server connection for the whole run: through a
    # transaction pooler it would stay on whichever backend took it (MALL_MIGRATE_DATABASE_URL).
    url = settings.migration_url
    await ensure_database(url)
    lock_conn = await asyncpg.connect(**_connect_kwargs(url))
    try:
        await lock_conn.execute("SELECT pg_advisory_lock($1)", MIGRATION_LOCK_KEY)
        command = Command(
            tortoise_config=tortoise_config(settings, url=url, timeouts=False),
            app=MIGRATIONS_APP,
            location=str(MIGRATIONS_DIR),
        )
        try:
            await command.init()
            applied: list[str] = await command.upgrade(run_in_transaction=True)
        finally:
            await Tortoise.close_connections()
        async with lock_conn.transaction():
            await lock_conn.execute(functions_sql())
    finally:
        # Closing the session releases the advisory lock even if the unlock is never sent.
        await lock_conn.close()
    return applied


def has_migrations() -> bool:
    """True when migrations/models holds at least one aerich version file."""
    directory = MIGRATIONS_DIR / MIGRATIONS_APP
    return any(
        path.stem.split("_", 1)[0].isdigit() and "_" in path.stem for path in directory.glob("*.py")
    )
