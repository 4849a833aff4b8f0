"""The `mall` command: the quick start (`mall dev`) and every production process."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import fcntl
import functools
import getpass
import os
import secrets
import signal
import socket
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from types import FrameType
from typing import IO, NoReturn

from mall.config import Settings
from mall.supervise import Child, Children, mall_argv

ADMIN_USERNAME = "admin"
ADMIN_PASSWORD_FILE = "admin-password"
READY_TIMEOUT = 120.0
CHILD_STOP_TIMEOUT = 10.0
LOCAL_HOSTS = {"0.0.0.0", "::", ""}  # noqa: S104 - names, not binds


# --- the production processes ------------------------------------------------------------


MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"


def _port_free(host: str, port: int) -> bool:
    """Whether a listener could bind host:port now (another one holds it otherwise)."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host or None, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
    except OSError:
        return True  # a name that does not resolve: the server itself will say so
    with socket.socket(family, kind, proto) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(address)
        except OSError:
            return False
    return True


def _share_metrics(role: str, host: str, port: int) -> bool:
    """Point this command's processes at one emptied metrics directory (prometheus_client's
    multiprocess mode), before anything imports prometheus_client: a scrape of any process
    then shows the sum over all. The directory is named by the port, so a second command on
    the same port would empty the first one's: False (and nothing touched) while it is taken."""
    if not _port_free(host, port):
        return False
    directory = Settings().metrics_dir / f"{role}-{port}"
    directory.mkdir(parents=True, exist_ok=True)
    for stale in directory.glob("*.db"):  # an earlier run's processes
        stale.unlink()
    os.environ[MULTIPROC_ENV] = str(directory)
    return True


def cmd_serve(args: argparse.Namespace) -> int:
    """Run the API with Sanic's worker manager (or in this process when --workers 1)."""
    if not _share_metrics("api", args.host, args.port):
        raise SystemExit(f"mall serve: {args.host}:{args.port} is in use")
    from sanic import Sanic
    from sanic.worker.loader import AppLoader

    from mall.app import create_app

    # Each worker process calls the factory itself, so the loader must be picklable.
    loader = AppLoader(factory=functools.partial(create_app))
    app = loader.load()
    # --dev needs the worker manager for its reloader; one plain worker does not.
    single_process = args.workers == 1 and not args.dev
    app.prepare(
        host=args.host,
        port=args.port,
        workers=args.workers,
        dev=args.dev,
        single_process=single_process,
    )
    if single_process:
        Sanic.serve_single(primary=app)
    else:
        Sanic.serve(primary=app, app_loader=loader)
    return 0


def _exec_python_module(argv: Sequence[str]) -> NoReturn:
    # exec, not a child: signals from the supervisor or the container reach taskiq itself.
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(sys.executable, [sys.executable, "-m", *argv])  # noqa: S606 - fixed argv


def cmd_worker(args: argparse.Namespace) -> int:
    """Replace this process with a Taskiq worker consuming the broker's stream."""
    settings = Settings()
    os.environ.pop(MULTIPROC_ENV, None)
    port = settings.worker_metrics_port
    if port and not _share_metrics("worker", settings.metrics_host, port):
        # Tasks matter more than their metrics: run, and say why there are none.
        print(
            f"mall worker: MALL_WORKER_METRICS_PORT {port} is in use; no metrics served",
            file=sys.stderr,
        )
    _exec_python_module(
        [
            "taskiq",
            "worker",
            "tasks.broker:worker_broker",
            "--workers",
            str(args.workers),
        ]
    )


def cmd_scheduler(args: argparse.Namespace) -> int:
    """Replace this process with the Taskiq scheduler (run exactly one)."""
    # One process: it serves its own metrics (MALL_SCHEDULER_METRICS_PORT).
    os.environ.pop(MULTIPROC_ENV, None)
    _exec_python_module(
        [
            "taskiq",
            "scheduler",
            "tasks.broker:scheduler",
            "--skip-first-run",
            # The sorted-set source hands out what is due within its 5 s horizon: a job
            # added for sooner than that (a short timeout, a retry) waits for the next
            # re-read, so this bounds how late such a job may fire.
            "--update-interval",
            str(args.update_interval),
            "--log-level",
            args.log_level,
        ]
    )


def cmd_migrate(args: argparse.Namespace) -> int:
    """Bring the database to the newest migration."""
    from mall.migrate import has_migrations, upgrade

    if not has_migrations():
        print("mall migrate: no migration files in migrations/models", file=sys.stderr)
    applied = asyncio.run(upgrade(Settings()))
    if applied:
        print("Applied: " + ", ".join(applied))
    else:
        print("Database already up to date")
    return 0


async def _with_database(settings: Settings, operation: Callable[[], Awaitable[None]]) -> None:
    from mall.resources import close_db, init_db

    await init_db(settings)
    try:
        await operation()
    finally:
        await close_db()


def _seed(settings: Settings, admin_password: str) -> None:
    from mall.runtime import runtime
    from mall.seed import seed_demo

    async def seed() -> None:
        async with runtime(settings) as rt:
            await seed_demo(rt, admin_password=admin_password)

    asyncio.run(seed())


def cmd_seed(args: argparse.Namespace) -> int:
    """Load the demo catalogue and the admin `admin` (idempotent)."""
    password = os.environ.get("MALL_DEV_ADMIN_PASSWORD") or secrets.token_urlsafe(12)
    _seed(Settings(), password)
    print(f"Seeded demo data; admin login: {ADMIN_USERNAME} / {password}")
    return 0


def cmd_create_admin(args: argparse.Namespace) -> int:
    """Create an admin account; asks for the password when --password is not given."""
    from mall.admin.service import create_admin
    from mall.errors import Conflict, MallError

    password = args.password or _ask_password()

    async def create() -> None:
        await create_admin(username=args.username, password=password, is_superuser=args.superuser)

    try:
        asyncio.run(_with_database(Settings(), create))
    except Conflict:
        print(f"mall create-admin: admin {args.username!r} already exists", file=sys.stderr)
        return 1
    except MallError as exc:
        print(f"mall create-admin: {exc.message}", file=sys.stderr)
        return 1
    kind = "superuser" if args.superuser else "admin"
    print(f"Created {kind} {args.username!r}")
    return 0


def _ask_password() -> str:
    password = getpass.getpass("Password: ")
    if password != getpass.getpass("Repeat password: "):
        raise SystemExit("mall create-admin: the passwords differ")
    if not password:
        raise SystemExit("mall create-admin: the password is empty")
    return password


def cmd_wechat_sim(args: argparse.Namespace) -> int:
    """Run the local WeChat simulator (login, Pay v3, server APIs, message pushes)."""
    from mall.wechat.sim_push import SimPushConfig
    from mall.wechat.simulator import SimPayConfig, create_sim_app

    settings = Settings()
    app = create_sim_app(
        appid=settings.wechat_appid,
        secret=settings.wechat_secret,
        pay=SimPayConfig.from_settings(settings),
        push=SimPushConfig.from_settings(settings),
    )
    app.run(host=args.host, port=args.port, single_process=True, motd=False)
    return 0


# --- mall dev ------------------------------------------------------------------------------


def _raise_interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def _lock_data_dir(data_dir: Path) -> IO[str]:
    """Hold an exclusive lock on the data dir for as long as this process lives.

    A second `mall dev` on the same data would adopt the first one's servers and stop
    them on its way out; the lock dies with its process, so a crashed run never blocks.
    """
    lock_file = (data_dir / "dev.lock").open("w")
    try:
        fcntl.flock(lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        lock_file.close()
        raise SystemExit(f"mall dev: another `mall dev` is running on {data_dir}") from None
    return lock_file


def _admin_password(data_dir: Path) -> str:
    """MALL_DEV_ADMIN_PASSWORD, else one generated on the first run and kept in the data dir."""
    if password := os.environ.get("MALL_DEV_ADMIN_PASSWORD"):
        return password
    path = data_dir / ADMIN_PASSWORD_FILE
    if path.exists() and (password := path.read_text().strip()):
        return password
    password = secrets.token_urlsafe(12)
    # 0600: the file holds a working admin login.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(password + "\n")
    return password


def _http_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - our own URL
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


def _port_open(host: str, port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=1):
        return True
    return False


def _stop_children(processes: Children) -> None:
    for child in processes.stop_all(CHILD_STOP_TIMEOUT):
        print(f"mall dev: {child.name} did not stop in {CHILD_STOP_TIMEOUT:.0f}s, killed it")


def _wait_until_ready(
    processes: Children, ready_url: str, sim_port: int, timeout: float
) -> Child | None:
    """Wait for the API's readiness and the simulator's port; a child that exits ends it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if dead := processes.first_exited():
            return dead
        if _http_ok(ready_url) and _port_open("127.0.0.1", sim_port):
            return None
        time.sleep(0.3)
    raise TimeoutError(f"{ready_url} did not answer 200 within {timeout:.0f}s")


def _local_host(host: str) -> str:
    return "127.0.0.1" if host in LOCAL_HOSTS else host


def cmd_dev(args: argparse.Namespace) -> int:
    """The quick start: embedded servers, migrations, demo data and every process."""
    from mall.embedded import start_postgres, start_redis, stop_postgres
    from mall.migrate import has_migrations, upgrade
    from mall.wechat.keys import ensure_dev_keys

    data_dir: Path = args.data_dir.expanduser().resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    lock = _lock_data_dir(data_dir)
    port: int = args.port
    sim_port: int = args.sim_port or port + 1
    host = _local_host(args.host)
    base_url = f"http://{host}:{port}"

    for signum in (signal.SIGTERM, signal.SIGHUP):
        # A signal ignored on purpose (nohup) stays ignored.
        if signal.getsignal(signum) is not signal.SIG_IGN:
            signal.signal(signum, _raise_interrupt)
    cleanup = contextlib.ExitStack()
    try:
        if "MALL_DATABASE_URL" in os.environ:
            postgres = "MALL_DATABASE_URL"
        else:
            print(f"mall dev: starting PostgreSQL in {data_dir / 'postgres'}", flush=True)
            os.environ["MALL_DATABASE_URL"] = start_postgres(data_dir)
            cleanup.callback(stop_postgres, data_dir)
            postgres = "embedded"
        if "MALL_REDIS_URL" in os.environ:
            redis_kind = "MALL_REDIS_URL"
        else:
            print(f"mall dev: starting Redis in {data_dir / 'redis'}", flush=True)
            redis_server = start_redis(data_dir)
            cleanup.callback(redis_server.stop)
            os.environ["MALL_REDIS_URL"] = redis_server.url
            redis_kind = "embedded"
        # Everything below (our Settings and the children) reads the same environment.
        os.environ["MALL_WECHAT_API_BASE"] = f"http://127.0.0.1:{sim_port}"
        os.environ["MALL_WECHAT_PAY_API_BASE"] = f"http://127.0.0.1:{sim_port}"
        # The merchant's and the simulated platform's keys, made once and kept: the API and
        # the worker sign and verify with one half, the simulator with the other. The push
        # token and EncodingAESKey are shared: the simulator seals what the API opens.
        os.environ.update(ensure_dev_keys(data_dir / "keys").env())
        os.environ["MALL_UPLOAD_DIR"] = str(data_dir / "uploads")
        os.environ.setdefault("MALL_PUBLIC_BASE_URL", base_url)
        (data_dir / "uploads").mkdir(exist_ok=True)
        settings = Settings()
        password = _admin_password(data_dir)

        if not has_migrations():
            print("mall dev: no migration files in migrations/models", file=sys.stderr)
        applied = asyncio.run(upgrade(settings))
        print("mall dev: applied " + (", ".join(applied) or "no new migrations"), flush=True)
        _seed(settings, password)

        processes = Children()
        cleanup.callback(_stop_children, processes)
        env = dict(os.environ)
        processes.start(
            "api", mall_argv(["serve", "--host", args.host, "--port", str(port)]), env=env
        )
        processes.start("worker", mall_argv(["worker", "--workers", "1"]), env=env)
        # The schedule source logs each re-read at INFO: every few seconds in the terminal.
        processes.start("scheduler", mall_argv(["scheduler", "--log-level", "WARNING"]), env=env)
        processes.start(
            "wechat-sim",
            mall_argv(["wechat-sim", "--host", "127.0.0.1", "--port", str(sim_port)]),
            env=env,
        )

        dead = _wait_until_ready(processes, f"{base_url}/health/ready", sim_port, READY_TIMEOUT)
        if dead is None:
            _print_banner(
                base_url=base_url,
                sim_port=sim_port,
                password=password,
                data_dir=data_dir,
                postgres=postgres,
                redis_kind=redis_kind,
            )
            while (dead := processes.first_exited()) is None:
                time.sleep(0.3)
        print(
            f"mall dev: {dead.name} exited unexpectedly with code {dead.returncode}; "
            "stopping everything",
            file=sys.stderr,
            flush=True,
        )
        return 1
    except KeyboardInterrupt:
        print("\nmall dev: stopping", flush=True)
        return 0
    except TimeoutError as exc:
        print(f"mall dev: {exc}; stopping everything", file=sys.stderr, flush=True)
        return 1
    finally:
        # A second Ctrl-C must not cut the shutdown short and leave servers behind.
        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(signum, signal.SIG_IGN)
        cleanup.close()
        lock.close()


def _print_banner(
    *, base_url: str, sim_port: int, password: str, data_dir: Path, postgres: str, redis_kind: str
) -> None:
    rows = [
        ("API", f"{base_url}/api/v1"),
        ("API docs", f"{base_url}/docs"),
        ("Dashboard", f"{base_url}/admin/"),
        ("WeChat sim", f"http://127.0.0.1:{sim_port}"),
        ("Admin login", f"{ADMIN_USERNAME} / {password}"),
        ("Data dir", f"{data_dir} (PostgreSQL: {postgres}, Redis: {redis_kind})"),
    ]
    lines = ["", "mall dev is running; Ctrl-C stops everything.", ""]
    lines += [f"  {label:<12} {value}" for label, value in rows]
    print("\n".join([*lines, ""]), flush=True)


# --- argument parsing ----------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    """The `mall` argument parser, one subcommand per process or operation."""
    parser = argparse.ArgumentParser(
        prog="mall", description="WeChat mini-program shop backend: quick start and processes."
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    dev = commands.add_parser(
        "dev",
        help="quick start: embedded PostgreSQL/Redis, migrate, seed, run everything",
        description="Run API, worker, scheduler and WeChat simulator on embedded PostgreSQL "
        "and Redis under --data-dir (or on MALL_DATABASE_URL / MALL_REDIS_URL when set). "
        "The admin password is MALL_DEV_ADMIN_PASSWORD or one kept in the data dir.",
    )
    dev.add_argument("--host", default="127.0.0.1", help="API bind address (default %(default)s)")
    dev.add_argument("--port", type=int, default=8000, help="API port (default %(default)s)")
    dev.add_argument("--sim-port", type=int, help="WeChat simulator port (default PORT+1)")
    dev.add_argument(
        "--data-dir", type=Path, default=Path(".mall"), help="data directory (default .mall)"
    )
    dev.set_defaults(handler=cmd_dev)

    serve = commands.add_parser(
        "serve", help="run the API server", description="Run the API (Sanic) server."
    )
    serve.add_argument("--host", default="0.0.0.0", help="bind address (default %(default)s)")  # noqa: S104
    serve.add_argument("--port", type=int, default=8000, help="port (default %(default)s)")
    serve.add_argument(
        "--workers", type=_positive_int, default=1, help="worker processes (default 1)"
    )
    serve.add_argument("--dev", action="store_true", help="Sanic dev mode: debug + auto-reload")
    serve.set_defaults(handler=cmd_serve)

    worker = commands.add_parser(
        "worker",
        help="run a Taskiq worker",
        description="Run a Taskiq worker (tasks.broker:worker_broker; scale freely).",
    )
    worker.add_argument(
        "--workers", type=_positive_int, default=1, help="worker processes (default 1)"
    )
    worker.set_defaults(handler=cmd_worker)

    scheduler = commands.add_parser(
        "scheduler",
        help="run the Taskiq scheduler (exactly one)",
        description="Run the Taskiq scheduler for delayed and periodic jobs; run exactly one.",
    )
    scheduler.add_argument(
        "--update-interval",
        type=_positive_int,
        default=1,
        help="seconds between re-reads of the schedule sources (default %(default)s)",
    )
    scheduler.add_argument(
        "--log-level",
        choices=["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"],
        default="INFO",
        help="default %(default)s",
    )
    scheduler.set_defaults(handler=cmd_scheduler)

    migrate = commands.add_parser(
        "migrate",
        help="apply database migrations",
        description="Create the database if missing and apply every pending aerich migration.",
    )
    migrate.set_defaults(handler=cmd_migrate)

    seed = commands.add_parser(
        "seed",
        help="load demo data and the admin `admin`",
        description="Load demo data and the admin `admin` (idempotent). Its password is "
        "MALL_DEV_ADMIN_PASSWORD, else a random one that is printed.",
    )
    seed.set_defaults(handler=cmd_seed)

    create_admin = commands.add_parser(
        "create-admin", help="create an admin account", description="Create an admin account."
    )
    create_admin.add_argument("--username", required=True)
    create_admin.add_argument("--password", help="asked for when not given")
    create_admin.add_argument("--superuser", action="store_true", help="grant every permission")
    create_admin.set_defaults(handler=cmd_create_admin)

    sim = commands.add_parser(
        "wechat-sim",
        help="run the local WeChat simulator",
        description="Run the WeChat simulator (login, phone numbers, Pay v3, shipping, "
        "subscription messages, content checks, logistics, message pushes) for local use.",
    )
    sim.add_argument("--host", default="127.0.0.1", help="bind address (default %(default)s)")
    sim.add_argument("--port", type=int, default=8001, help="port (default %(default)s)")
    sim.set_defaults(handler=cmd_wechat_sim)
    return parser


def _positive_int(value: str) -> int:
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {number}")
    return number


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point of the `mall` command."""
    args = build_parser().parse_args(argv)
    raise SystemExit(args.handler(args))


if __name__ == "__main__":
    main()
