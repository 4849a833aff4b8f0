"""The `mall` command: the quick start (`mall dev`) and every production process."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import fcntl
import functools
import getpass
import logging
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
from typing import IO, TYPE_CHECKING, Any

from mall import version
from mall.config import Settings
from mall.preflight import (
    DEV_FIX,
    IN_DEV_FIX,
    PreflightError,
    check_pay_keys,
    check_port,
    check_servers,
    port_in_use,
)
from mall.supervise import Child, Children, mall_argv

if TYPE_CHECKING:
    from mall.seed import SeededAdmin

ADMIN_USERNAME = "admin"
ADMIN_PASSWORD_FILE = "admin-password"
READY_TIMEOUT = 120.0
CHILD_STOP_TIMEOUT = 10.0
LOCAL_HOSTS = {"0.0.0.0", "::", ""}  # noqa: S104 - names, not binds


# --- the production processes ------------------------------------------------------------


MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"


def _preflight(
    command: str,
    settings: Settings,
    *,
    ports: Sequence[tuple[str, int, str, str]] = (),
    postgres: bool = True,
    redis: bool = True,
    migrated: bool = True,
    pay_keys: bool = False,
    fix: str = DEV_FIX,
) -> None:
    """Stop here, with one line on stderr and exit code 1, when a port (host, port, what,
    option) is taken, a configured pay key file cannot be read, or a server this command
    needs does not answer."""
    try:
        for host, port, what, option in ports:
            check_port(host, port, what=what, option=option)
        if pay_keys:
            check_pay_keys(settings)
        if postgres or redis:
            asyncio.run(
                check_servers(settings, postgres=postgres, redis=redis, migrated=migrated, fix=fix)
            )
    except PreflightError as exc:
        raise SystemExit(f"mall {command}: {exc}") from None


def _share_metrics(role: str, host: str, port: int) -> bool:
    """Point this command's processes at one emptied metrics directory (prometheus_client's
    multiprocess mode), before anything imports prometheus_client: a scrape of any process
    then shows the sum over all. The directory is named by the port, so a second command on
    the same port would empty the first one's: False (and nothing touched) while it is taken."""
    if port_in_use(host, port):
        return False
    directory = Settings().metrics_dir / f"{role}-{port}"
    directory.mkdir(parents=True, exist_ok=True)
    for stale in directory.glob("*.db"):  # an earlier run's processes
        stale.unlink()
    os.environ[MULTIPROC_ENV] = str(directory)
    return True


def cmd_serve(args: argparse.Namespace) -> int:
    """Run the API with Sanic's worker manager (or in this process when --workers 1)."""
    settings = Settings()
    try:
        # Beyond loopback only with a real signing key, whatever the mode.
        settings.check_bind(args.host)
        settings.check_production()
    except RuntimeError as exc:
        print(f"mall serve: {exc}", file=sys.stderr)
        return 2
    _preflight(
        "serve", settings, ports=[(args.host, args.port, "the API", "--port")], pay_keys=True
    )
    if not _share_metrics("api", args.host, args.port):
        raise SystemExit(f"mall serve: port {args.port} on {args.host} was taken meanwhile")
    from sanic import Sanic
    from sanic.worker.loader import AppLoader

    from mall.app import create_app
    from mall.protocol import MallProtocol

    # Each worker process calls the factory itself, so the loader must be picklable.
    loader = AppLoader(factory=functools.partial(create_app, quiet=args.quiet))
    app = loader.load()
    # --dev needs the worker manager for its reloader; one plain worker does not.
    single_process = args.workers == 1 and not args.dev
    app.prepare(
        host=args.host,
        port=args.port,
        workers=args.workers,
        dev=args.dev,
        single_process=single_process,
        protocol=MallProtocol,
        motd=not args.quiet,
    )
    if single_process:
        Sanic.serve_single(primary=app)
    else:
        Sanic.serve(primary=app, app_loader=loader)
    return 0


def cmd_worker(args: argparse.Namespace) -> int:
    """Run Taskiq worker processes consuming the broker's stream (taskiq's own CLI, in
    this process, so signals from the supervisor or the container reach it directly)."""
    from taskiq.cli.worker.args import WorkerArgs
    from taskiq.cli.worker.run import run_worker

    from mall import logs

    settings = Settings()
    _preflight("worker", settings, pay_keys=True)
    os.environ.pop(MULTIPROC_ENV, None)
    port = settings.worker_metrics_port
    if port and not _share_metrics("worker", settings.metrics_host, port):
        # Tasks matter more than their metrics: run, and say why there are none.
        print(
            f"mall worker: MALL_WORKER_METRICS_PORT {port} is in use; no metrics served",
            file=sys.stderr,
        )
    logs.quiet_chatter(logs.TASKIQ_WORKER_CHATTER)
    worker_args = WorkerArgs.from_cli(
        [
            "tasks.broker:worker_broker",
            "--workers",
            str(args.workers),
            "--log-level",
            settings.log_level.upper(),
        ]
    )
    return run_worker(worker_args) or 0


def cmd_scheduler(args: argparse.Namespace) -> int:
    """Run the Taskiq scheduler in this process (one leads at a time: mall/jobs/leader.py)."""
    from taskiq.cli.scheduler.args import SchedulerArgs
    from taskiq.cli.scheduler.run import run_scheduler

    from mall import logs

    settings = Settings()
    # It reads and writes schedules in Redis only; the tasks it sends touch the database.
    _preflight("scheduler", settings, postgres=False)
    # One process: it serves its own metrics (MALL_SCHEDULER_METRICS_PORT).
    os.environ.pop(MULTIPROC_ENV, None)
    logs.quiet_chatter(logs.TASKIQ_SCHEDULER_CHATTER)
    scheduler_args = SchedulerArgs.from_cli(
        [
            "tasks.broker:scheduler",
            "--skip-first-run",
            # The sorted-set source hands out what is due within its 5 s horizon: a job
            # added for sooner than that (a short timeout, a retry) waits for the next
            # re-read, so this bounds how late such a job may fire.
            "--update-interval",
            str(args.update_interval),
            "--log-level",
            (args.log_level or settings.log_level).upper(),
        ]
    )
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run_scheduler(scheduler_args))
    return 0


def cmd_migrate(args: argparse.Namespace) -> int:
    """Bring the database to the newest migration."""
    from mall.migrate import has_migrations, upgrade

    settings = Settings()
    # The database itself may be missing: migrate creates it. The server checked is the
    # one migrations use (MALL_MIGRATE_DATABASE_URL when set: not the pooler).
    direct = settings.model_copy(update={"database_url": settings.migration_url})
    _preflight("migrate", direct, redis=False, migrated=False)
    if not has_migrations():
        print("mall migrate: no migration files in migrations/models", file=sys.stderr)
    applied = asyncio.run(upgrade(settings))
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


def _seed(settings: Settings, admin_password: str) -> SeededAdmin:
    from mall.runtime import runtime
    from mall.seed import seed_demo

    async def seed() -> SeededAdmin:
        async with runtime(settings) as rt:
            return await seed_demo(rt, admin_password=admin_password)

    return asyncio.run(seed())


def _admin_line(seeded: SeededAdmin, password: str) -> str:
    """How to log in as the seeded admin, as far as this run knows."""
    from mall.seed import SeededAdmin

    if seeded is SeededAdmin.KEPT_OTHER_PASSWORD:
        return f"{ADMIN_USERNAME} (an existing account whose password was changed: kept)"
    return f"{ADMIN_USERNAME} / {password}"


def new_admin_password() -> str:
    """A random password that meets the policy (the seeded admin's first password)."""
    from mall.auth.passwords import weakness

    while weakness(password := secrets.token_urlsafe(12)) is not None:
        continue
    return password


def cmd_seed(args: argparse.Namespace) -> int:
    """Load the demo catalogue and the admin `admin` if missing (idempotent)."""
    from mall.errors import MallError
    from mall.seed import SeededAdmin

    settings = Settings()
    _preflight("seed", settings)
    password = os.environ.get("MALL_DEV_ADMIN_PASSWORD") or new_admin_password()
    try:
        seeded = _seed(settings, password)
    except MallError as exc:
        print(f"mall seed: MALL_DEV_ADMIN_PASSWORD: {exc.message}", file=sys.stderr)
        return 1
    if seeded is SeededAdmin.CREATED:
        print(f"Seeded demo data; admin login: {ADMIN_USERNAME} / {password}")
    else:
        print(f"Seeded demo data; admin {ADMIN_USERNAME!r} exists, its password is unchanged")
    return 0


def cmd_create_admin(args: argparse.Namespace) -> int:
    """Create an admin account with --superuser or --role; the password from --password,
    --password-stdin or the terminal."""
    from mall.admin.service import create_admin
    from mall.auth.passwords import weakness
    from mall.errors import Conflict, MallError
    from models import Role

    def fail(message: str) -> int:
        print(f"mall create-admin: {message}", file=sys.stderr)
        return 1

    if not args.superuser and not args.roles:
        return fail("give --superuser or at least one --role NAME (an admin needs rights)")
    try:
        password = _password_for(args)
    except ValueError as exc:
        return fail(str(exc))
    if problem := weakness(password):
        return fail(f"the password is too weak: {problem[1]}")
    settings = Settings()
    _preflight("create-admin", settings, redis=False)

    async def create() -> None:
        roles = await Role.filter(name__in=args.roles)
        missing = sorted(set(args.roles) - {role.name for role in roles})
        if missing:
            names = await Role.all().values_list("name", flat=True)
            known = ", ".join(sorted(str(name) for name in names))
            raise ValueError(f"no role named {', '.join(missing)} (roles: {known or 'none'})")
        await create_admin(
            username=args.username,
            password=password,
            is_superuser=args.superuser,
            role_ids=[role.id for role in roles],
        )

    try:
        asyncio.run(_with_database(settings, create))
    except Conflict:
        return fail(f"admin {args.username!r} already exists")
    except MallError as exc:
        return fail(exc.message)
    except ValueError as exc:
        return fail(str(exc))
    rights = "superuser" if args.superuser else "roles " + ", ".join(args.roles)
    print(f"Created admin {args.username!r} ({rights})")
    return 0


def _password_for(args: argparse.Namespace) -> str:
    """--password, one line of standard input, or asked twice on the terminal."""
    if args.password is not None:
        given: str = args.password
        return given
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if not sys.stdin.isatty():
        raise ValueError("no terminal to ask for the password: use --password-stdin")
    try:
        password = getpass.getpass("Password: ")
        repeated = getpass.getpass("Repeat password: ")
    except (EOFError, KeyboardInterrupt):
        raise ValueError("no password given") from None
    if password != repeated:
        raise ValueError("the passwords differ")
    return password


def cmd_wechat_sim(args: argparse.Namespace) -> int:
    """Run the local WeChat simulator (login, Pay v3, server APIs, message pushes)."""
    from mall import logs
    from mall.wechat.sim_push import SimPushConfig
    from mall.wechat.simulator import SimPayConfig, create_sim_app

    settings = Settings()
    _preflight(
        "wechat-sim",
        settings,
        ports=[(args.host, args.port, "the WeChat simulator", "--port")],
        postgres=False,
        redis=False,
    )
    pay = SimPayConfig.from_settings(settings)
    app = create_sim_app(
        appid=settings.wechat_appid,
        secret=settings.wechat_secret,
        pay=pay,
        push=SimPushConfig.from_settings(settings),
    )
    logs.quiet_sanic()
    logs.configure(settings.log_level)

    @app.after_server_start
    async def announce(app: Any) -> None:
        side = "login and Pay v3" if pay is not None else "login only (no pay keys)"
        logging.getLogger("mall.wechat.sim").info(
            "WeChat simulator ready on http://%s:%s (%s)", args.host, args.port, side
        )

    app.run(host=args.host, port=args.port, single_process=True, motd=False, access_log=False)
    return 0


# --- mall demo ----------------------------------------------------------------------------

DEMO_API = "http://127.0.0.1:8000"
DEMO_SIM = "http://127.0.0.1:8001"


def _demo_admin_password(args: argparse.Namespace) -> str | None:
    if args.admin_password:
        return str(args.admin_password)
    if password := os.environ.get("MALL_DEV_ADMIN_PASSWORD"):
        return password
    path = args.data_dir.expanduser() / ADMIN_PASSWORD_FILE
    with contextlib.suppress(OSError):
        return path.read_text().strip() or None
    return None


def cmd_demo(args: argparse.Namespace) -> int:
    """Play the walk-through against a running `mall dev`; non-zero if a step fails."""
    from mall.demo import Demo, DemoFailed

    password = _demo_admin_password(args)
    if password is None:
        print(
            f"mall demo: no admin password: pass --admin-password, set "
            f"MALL_DEV_ADMIN_PASSWORD, or point --data-dir at `mall dev`'s data directory "
            f"(no {args.data_dir / ADMIN_PASSWORD_FILE})",
            file=sys.stderr,
        )
        return 2
    demo = Demo(
        api=args.api,
        sim=args.sim,
        admin_username=args.admin_username,
        admin_password=password,
        customer=args.customer,
        timeout=args.timeout,
    )
    try:
        asyncio.run(demo.run())
    except DemoFailed as exc:
        print(f"mall demo: {exc}", file=sys.stderr, flush=True)
        return 1
    except KeyboardInterrupt:
        return 130
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
    password = new_admin_password()
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
    from mall.errors import MallError
    from mall.migrate import has_migrations, upgrade
    from mall.wechat.keys import ensure_dev_keys

    data_dir: Path = args.data_dir.expanduser().resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    lock = _lock_data_dir(data_dir)
    port: int = args.port
    sim_port: int = args.sim_port or port + 1
    host = _local_host(args.host)
    base_url = f"http://{host}:{port}"
    # Before anything starts: a port held by another `mall dev` (on other data) or any
    # other program is named now, not after the servers started and the API died.
    try:
        check_port(args.host, port, what="the API", option="--port")
        check_port("127.0.0.1", sim_port, what="the WeChat simulator", option="--sim-port")
    except PreflightError as exc:
        lock.close()
        raise SystemExit(f"mall dev: {exc}") from None

    for signum in (signal.SIGTERM, signal.SIGHUP):
        # A signal ignored on purpose (nohup) stays ignored.
        if signal.getsignal(signum) is not signal.SIG_IGN:
            signal.signal(signum, _raise_interrupt)
    cleanup = contextlib.ExitStack()
    try:
        if "MALL_DATABASE_URL" in os.environ:
            postgres = "MALL_DATABASE_URL"
            _preflight("dev", Settings(), redis=False, migrated=False, fix=IN_DEV_FIX)
        else:
            print(f"mall dev: starting PostgreSQL in {data_dir / 'postgres'}", flush=True)
            os.environ["MALL_DATABASE_URL"] = start_postgres(data_dir)
            cleanup.callback(stop_postgres, data_dir)
            postgres = "embedded"
        if "MALL_REDIS_URL" in os.environ:
            redis_kind = "MALL_REDIS_URL"
            _preflight("dev", Settings(), postgres=False, fix=IN_DEV_FIX)
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
        try:
            seeded = _seed(settings, password)
        except MallError as exc:  # a weak MALL_DEV_ADMIN_PASSWORD for a new admin
            print(f"mall dev: the admin password: {exc.message}", file=sys.stderr, flush=True)
            return 1

        processes = Children()
        cleanup.callback(_stop_children, processes)
        # Lines reach the console as they are written, each prefixed with its process.
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        commands = {
            "api": ["serve", "--host", args.host, "--port", str(port), "--quiet"],
            "worker": ["worker", "--workers", "1"],
            "scheduler": ["scheduler"],
            "wechat-sim": ["wechat-sim", "--host", "127.0.0.1", "--port", str(sim_port)],
        }
        width = max(map(len, commands))
        for name, command in commands.items():
            processes.start(name, mall_argv(command), env=env, label=name.ljust(width))

        dead = _wait_until_ready(processes, f"{base_url}/health/ready", sim_port, READY_TIMEOUT)
        if dead is None:
            _print_banner(
                base_url=base_url,
                sim_port=sim_port,
                admin=_admin_line(seeded, password),
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


def _demo_command(base_url: str, sim_url: str, data_dir: Path) -> str:
    """`mall demo` with just the options this `mall dev` needs (none with the defaults)."""
    words = ["mall demo"]
    if base_url != DEMO_API:
        words.append(f"--api {base_url}")
    if sim_url != DEMO_SIM:
        words.append(f"--sim {sim_url}")
    if data_dir != Path(".mall").resolve():
        words.append(f"--data-dir {data_dir}")
    return " ".join(words) + "  (in another terminal: the walk-through, step by step)"


def _print_banner(
    *, base_url: str, sim_port: int, admin: str, data_dir: Path, postgres: str, redis_kind: str
) -> None:
    sim_url = f"http://127.0.0.1:{sim_port}"
    rows = [
        ("Console", f"{base_url}/admin/  (the operator console: staff run the shop live)"),
        ("Admin login", admin),
        ("API docs", f"{base_url}/docs"),
        ("API", f"{base_url}/api/v1  (e.g. {base_url}/api/v1/products)"),
        ("WeChat sim", f"{sim_url}  (the customer pays: POST {sim_url}/sim/pay/<order_no>)"),
        ("Try it", _demo_command(base_url, sim_url, data_dir)),
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
    parser.add_argument("--version", action="version", version=f"mall {version()}")
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
    serve.add_argument(
        "--quiet",
        action="store_true",
        help="no Sanic banner or start-up lines, one line per process (what `mall dev` runs)",
    )
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
        help="run the Taskiq scheduler (one leads at a time)",
        description="Run the Taskiq scheduler for delayed and periodic jobs; run two or more: "
        "one leads at a time (a lease in Redis), another takes over if it dies.",
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
        help="default MALL_LOG_LEVEL (INFO); periodic jobs are logged at DEBUG",
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
        description="Load demo data and, if missing, the superuser `admin` (idempotent; an "
        "existing admin is left as it is). Its password is MALL_DEV_ADMIN_PASSWORD, else a "
        "random one that is printed.",
    )
    seed.set_defaults(handler=cmd_seed)

    create_admin = commands.add_parser(
        "create-admin",
        help="create an admin account",
        description="Create an admin account: a superuser, or one holding the roles named. "
        "The password needs 12+ characters and must not be a common one.",
    )
    create_admin.add_argument("--username", required=True)
    password = create_admin.add_mutually_exclusive_group()
    password.add_argument("--password", help="asked for on the terminal when not given")
    password.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )
    create_admin.add_argument("--superuser", action="store_true", help="grant every permission")
    create_admin.add_argument(
        "--role",
        dest="roles",
        action="append",
        default=[],
        metavar="NAME",
        help="a role to hold (repeatable), e.g. operator or viewer",
    )
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

    demo = commands.add_parser(
        "demo",
        help="play the walk-through against a running `mall dev`",
        description="Play the whole walk-through against a running `mall dev`, printing each "
        "step: a customer logs in through the WeChat simulator (a fresh code each run), adds "
        "an address, orders an in-stock SKU found in the catalogue and asks to pay; the "
        "simulator pays; the order turns paid on the customer's socket and on the admin "
        "dashboard's; staff ship it; the customer confirms receipt. Run it any number of "
        "times; it exits non-zero, naming the step, if one fails.",
    )
    demo.add_argument("--api", default=DEMO_API, help="the API's base URL (default %(default)s)")
    demo.add_argument(
        "--sim", default=DEMO_SIM, help="the WeChat simulator's URL (default %(default)s)"
    )
    demo.add_argument(
        "--admin-password",
        help="the admin's password (default: MALL_DEV_ADMIN_PASSWORD, else the data dir's "
        f"{ADMIN_PASSWORD_FILE} file)",
    )
    demo.add_argument("--admin-username", default=ADMIN_USERNAME, help="default %(default)s")
    demo.add_argument(
        "--data-dir",
        type=Path,
        default=Path(".mall"),
        help="`mall dev`'s data directory, for the admin password (default .mall)",
    )
    demo.add_argument(
        "--customer", default="alice", help="the simulated WeChat user (default %(default)s)"
    )
    demo.add_argument(
        "--timeout",
        type=float,
        default=15.0,
        help="seconds to wait for each event on the sockets (default %(default)s)",
    )
    demo.set_defaults(handler=cmd_demo)
    return parser


def _positive_int(value: str) -> int:
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {number}")
    return number


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point of the `mall` command."""
    from pydantic import ValidationError

    args = build_parser().parse_args(argv)
    try:
        code = args.handler(args)
    except ValidationError as exc:
        # A MALL_* variable that does not parse: name it, in one line.
        first = exc.errors()[0]
        name = "MALL_" + "_".join(str(part) for part in first["loc"]).upper()
        raise SystemExit(
            f"mall {args.command}: {name} is invalid ({first['msg']}); fix it in the environment"
        ) from None
    raise SystemExit(code)


if __name__ == "__main__":
    main()
