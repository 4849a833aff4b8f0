"""What every process checks before it starts: its port is free and its servers answer.

A process that cannot reach PostgreSQL or Redis, or whose port is taken, stops at once with
one line naming the server, its URL (password hidden) and the fix, instead of a page of
traceback or a server that keeps running and failing every few seconds.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import os
import socket
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import asyncpg
from redis import exceptions as redis_errors

from mall import resources
from mall.config import Settings, connect_options

CONNECT_TIMEOUT = 5.0
DEV_FIX = "run `mall dev`, or set {variable}"
# Inside `mall dev` the variable was set by hand: the embedded server is the way back.
IN_DEV_FIX = "fix {variable}, or unset it for mall dev's embedded server"
_SECRET_QUERY_KEYS = {"password", "pass", "pwd", "passwd"}


class PreflightError(Exception):
    """Why a process cannot start, in one line that says what to do."""


def hide_password(url: str) -> str:
    """The URL with any password (in the user part or the query) replaced by ***."""
    try:
        parts = urlsplit(url)
        password = parts.password
    except ValueError:
        return "<unparsable URL>"
    netloc = parts.netloc
    if password is not None:
        userinfo, _, hostport = netloc.rpartition("@")
        user = userinfo.partition(":")[0]
        netloc = f"{user}:***@{hostport}"
    query = parts.query
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        if any(key.lower() in _SECRET_QUERY_KEYS for key, _ in pairs):
            query = urlencode(
                [(k, "***" if k.lower() in _SECRET_QUERY_KEYS else v) for k, v in pairs], safe="/*"
            )
    return urlunsplit(parts._replace(netloc=netloc, query=query))


def _reason(exc: BaseException) -> str:
    """A short cause: 'connection refused' rather than a driver's multi-line message."""
    text = str(exc)
    if isinstance(exc, TimeoutError | asyncio.TimeoutError | redis_errors.TimeoutError):
        return "no answer in time"
    if isinstance(exc, socket.gaierror) or "Name or service not known" in text:
        return "host name not found"
    if (
        isinstance(exc, ConnectionRefusedError)
        or "onnection refused" in text
        or ("Connect call failed" in text)
    ):
        return "connection refused"
    if isinstance(exc, FileNotFoundError) or "No such file or directory" in text:
        return "no server at that socket"
    if isinstance(exc, OSError) and exc.errno == errno.EACCES:
        return "permission denied"
    line = text.strip().splitlines()[0] if text.strip() else type(exc).__name__
    return line[:160]


def postgres_problem(url: str, exc: BaseException, fix: str = DEV_FIX) -> str:
    """The line for a PostgreSQL that does not answer."""
    reason = _reason(exc)
    where = hide_password(url)
    return f"cannot reach PostgreSQL at {where} ({reason}); " + fix.format(
        variable="MALL_DATABASE_URL"
    )


def redis_where(settings: Settings) -> tuple[str, str]:
    """Where the configured Redis is, as a person would name it, and the setting naming it."""
    if settings.redis_mode == "sentinel":
        master = settings.redis_sentinel_master
        where = f"through the sentinels {settings.redis_sentinels} (master {master})"
        return where, "MALL_REDIS_SENTINELS"
    if settings.redis_mode == "cluster":
        return f"cluster node {hide_password(settings.redis_url)}", "MALL_REDIS_URL"
    return f"at {hide_password(settings.redis_url)}", "MALL_REDIS_URL"


def redis_problem(settings: Settings, exc: BaseException, fix: str = DEV_FIX) -> str:
    """The line for a Redis that does not answer."""
    where, variable = redis_where(settings)
    return f"cannot reach Redis {where} ({_reason(exc)}); " + fix.format(variable=variable)


async def check_postgres(settings: Settings, *, migrated: bool = True, fix: str = DEV_FIX) -> None:
    """Raise PreflightError unless PostgreSQL answers at MALL_DATABASE_URL; with `migrated`,
    also unless its database exists and has been migrated (`mall migrate` creates both)."""
    url = settings.database_url
    try:
        options = connect_options(url, statement_cache_size=settings.db_statement_cache_size)
    except ValueError as exc:
        raise PreflightError(
            f"MALL_DATABASE_URL is not a PostgreSQL URL ({hide_password(url)}): {exc}; "
            "use postgres://user:password@host:5432/mall"
        ) from None
    connect = {**options, "timeout": CONNECT_TIMEOUT}
    try:
        conn = await asyncio.wait_for(asyncpg.connect(**connect), CONNECT_TIMEOUT + 1)
    except asyncpg.InvalidCatalogNameError:
        if not migrated:
            # `mall migrate` creates it, given a server that answers on its maintenance db.
            return await _check_postgres_server(url, connect, fix)
        raise PreflightError(
            f"PostgreSQL at {hide_password(url)} has no database "
            f"{options['database']!r}; run `mall migrate`"
        ) from None
    except Exception as exc:
        raise PreflightError(postgres_problem(url, exc, fix)) from None
    try:
        if migrated and not await conn.fetchval("SELECT to_regclass('public.aerich') IS NOT NULL"):
            raise PreflightError(
                f"PostgreSQL database {options['database']!r} at {hide_password(url)} "
                "has no tables yet; run `mall migrate`"
            )
    finally:
        await conn.close()


async def _check_postgres_server(url: str, connect: dict[str, Any], fix: str) -> None:
    try:
        conn = await asyncio.wait_for(
            asyncpg.connect(**{**connect, "database": "postgres"}), CONNECT_TIMEOUT + 1
        )
    except Exception as exc:
        raise PreflightError(postgres_problem(url, exc, fix)) from None
    await conn.close()


async def check_redis(settings: Settings, *, fix: str = DEV_FIX) -> None:
    """Raise PreflightError unless the configured Redis (standalone, Sentinel or Cluster)
    answers a PING."""
    try:
        client = resources.redis_client(settings, max_connections=2)
    except (ValueError, IndexError) as exc:
        where, variable = redis_where(settings)
        raise PreflightError(
            f"{variable} does not name a Redis ({where}): {exc}; use redis://host:6379/0"
        ) from None
    try:
        await asyncio.wait_for(client.ping(), CONNECT_TIMEOUT * 2)
    except Exception as exc:
        raise PreflightError(redis_problem(settings, exc, fix)) from None
    finally:
        with contextlib.suppress(Exception):
            await client.aclose()


async def check_servers(
    settings: Settings,
    *,
    postgres: bool = True,
    redis: bool = True,
    migrated: bool = True,
    fix: str = DEV_FIX,
) -> None:
    """The checks a process needs, PostgreSQL first (the one most often missing)."""
    if postgres:
        await check_postgres(settings, migrated=migrated, fix=fix)
    if redis:
        await check_redis(settings, fix=fix)


PAY_KEY_FILES = ("wechat_pay_private_key_path", "wechat_pay_public_key_path")
PAY_IDS = ("wechat_pay_cert_serial_no", "wechat_pay_apiv3_key", "wechat_pay_public_key_id")


def check_pay_keys(settings: Settings) -> None:
    """With WeChat Pay configured (any of its ids set), both key files must be readable:
    otherwise the first payment, not the start, would find out."""
    if not any(getattr(settings, name) for name in PAY_IDS):
        return  # payments are off (the API answers 503 payments_unavailable)
    for name in PAY_KEY_FILES:
        path = getattr(settings, name)
        variable = f"MALL_{name.upper()}"
        if path is None:
            raise PreflightError(f"WeChat Pay is configured but {variable} is not set")
        if not os.path.isfile(path):
            raise PreflightError(
                f"{variable} names {path}, which does not exist; put the key file there "
                "(docker-compose.yml mounts ./secrets read-only at /run/secrets/mall)"
            )
        if not os.access(path, os.R_OK):
            raise PreflightError(
                f"{variable} names {path}, which this process (uid {os.getuid()}) cannot read; "
                "make the file readable by it"
            )


def port_in_use(host: str, port: int) -> bool:
    """Whether something already listens on host:port (a listener could not bind it now)."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host or None, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
    except OSError:
        return False  # a name that does not resolve: the server itself will say so
    with socket.socket(family, kind, proto) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(address)
        except OSError:
            return True
    return False


def check_port(host: str, port: int, *, what: str, option: str = "--port") -> None:
    """Raise PreflightError naming the port when another process holds it."""
    if port_in_use(host, port):
        shown = host if host not in ("", "0.0.0.0", "::") else "all interfaces"  # noqa: S104
        raise PreflightError(
            f"port {port} ({what}, {shown}) is already in use by another process; "
            f"stop it, or pass {option} with a free port"
        )
