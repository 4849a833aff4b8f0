"""The `mall` command answers --help for every subcommand; its embedded Redis keeps data."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
import redis

from mall.embedded import start_redis

ROOT = Path(__file__).resolve().parents[2]
COMMANDS = [
    "dev",
    "serve",
    "worker",
    "scheduler",
    "migrate",
    "seed",
    "create-admin",
    "wechat-sim",
    "demo",
]


def run_mall(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mall.cli", *args],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )


def test_mall_help_lists_every_command() -> None:
    result = run_mall("--help")

    assert result.returncode == 0, result.stderr
    for command in COMMANDS:
        assert command in result.stdout


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(command: str) -> None:
    result = run_mall(command, "--help")

    assert result.returncode == 0, result.stderr
    assert f"usage: mall {command}" in result.stdout


def test_unknown_command_fails() -> None:
    result = run_mall("fly")

    assert result.returncode == 2
    assert "invalid choice" in result.stderr


def test_embedded_redis_keeps_data_across_restarts(tmp_path: Path) -> None:
    # given a key written to a running embedded Redis
    server = start_redis(tmp_path)
    try:
        with redis.Redis.from_url(server.url) as client:
            assert client.ping()
            client.set("mall:test:kept", "yes")
    finally:
        server.stop()
    assert not server.ping()

    # when it starts again on the same data dir
    server = start_redis(tmp_path)
    try:
        # then the key is still there
        with redis.Redis.from_url(server.url) as client:
            assert client.get("mall:test:kept") == b"yes"
    finally:
        server.stop()


def test_embedded_redis_left_running_is_adopted(tmp_path: Path) -> None:
    # given a server that an earlier (crashed) run never stopped
    first = start_redis(tmp_path)
    try:
        # when a new run starts Redis on the same data dir
        second = start_redis(tmp_path)

        # then it uses the running server instead of starting another
        assert second.process is None
        assert second.pid == first.pid
        assert second.url == first.url
    finally:
        first.stop()


# --- failing fast: one line naming the server, its URL without password, and the fix ------


def _closed_port() -> int:
    """A loopback port nothing listens on (connections to it are refused)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def run_mall_env(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mall.cli", *args],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
        env={**os.environ, **env},
    )


def _one_line(result: subprocess.CompletedProcess[str]) -> str:
    """The process failed with exactly one line on stderr; that line."""
    assert result.returncode != 0, result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


@pytest.mark.parametrize("command", ["serve", "migrate", "worker", "create-admin", "seed"])
def test_no_postgres_is_one_line_naming_it_without_the_password(command: str) -> None:
    port = _closed_port()
    url = f"postgres://mall:s3cret-pw@127.0.0.1:{port}/mall"
    extra = ["--username", "ops", "--password", "long-enough-password", "--superuser"]
    args = [command, *(extra if command == "create-admin" else [])]
    if command == "serve":
        args += ["--host", "127.0.0.1", "--port", str(_closed_port())]

    line = _one_line(run_mall_env(*args, env={"MALL_DATABASE_URL": url}))

    assert line == (
        f"mall {command}: cannot reach PostgreSQL at postgres://mall:***@127.0.0.1:{port}/mall "
        "(connection refused); run `mall dev`, or set MALL_DATABASE_URL"
    )


@pytest.mark.parametrize("command", ["serve", "worker", "scheduler"])
def test_no_redis_is_one_line_naming_it_without_the_password(
    command: str, migrated_db: str
) -> None:
    # given PostgreSQL that answers (migrated) and a Redis that does not
    port = _closed_port()
    args = [command]
    if command == "serve":
        args += ["--host", "127.0.0.1", "--port", str(_closed_port())]

    line = _one_line(
        run_mall_env(*args, env={"MALL_REDIS_URL": f"redis://:hunter2@127.0.0.1:{port}/3"})
    )

    assert line == (
        f"mall {command}: cannot reach Redis at redis://:***@127.0.0.1:{port}/3 "
        "(connection refused); run `mall dev`, or set MALL_REDIS_URL"
    )


def test_a_database_never_migrated_says_run_migrate(migrated_db: str) -> None:
    url = urlunsplit(urlsplit(migrated_db)._replace(path="/mall_firsthour_never_created"))

    line = _one_line(
        run_mall_env(
            "serve",
            *("--host", "127.0.0.1", "--port", str(_closed_port())),
            env={"MALL_DATABASE_URL": url},
        )
    )

    assert line.startswith("mall serve: PostgreSQL at ")
    assert line.endswith("has no database 'mall_firsthour_never_created'; run `mall migrate`")


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "mysql://root:pw@127.0.0.1/mall",
            "mall migrate: MALL_DATABASE_URL is not a PostgreSQL URL (mysql://root:***@127.0.0.1"
            "/mall): MALL_DATABASE_URL must be a postgres:// URL, got 'mysql'; "
            "use postgres://user:password@host:5432/mall",
        ),
        (
            "postgres://mall:pw@no-such-host.invalid:5432/mall",
            "mall migrate: cannot reach PostgreSQL at postgres://mall:***@no-such-host.invalid"
            ":5432/mall (host name not found); run `mall dev`, or set MALL_DATABASE_URL",
        ),
    ],
)
def test_migrate_with_a_bad_database_url_is_one_line(url: str, expected: str) -> None:
    assert _one_line(run_mall_env("migrate", env={"MALL_DATABASE_URL": url})) == expected


def test_a_wrong_database_password_is_one_line(migrated_db: str) -> None:
    # given the test server and a role that does not exist (the same refusal as a bad password)
    parts = urlsplit(migrated_db)
    host = parts.netloc.rpartition("@")[2]
    url = urlunsplit(parts._replace(netloc=f"nobody_firsthour:wrong@{host}"))

    line = _one_line(run_mall_env("migrate", env={"MALL_DATABASE_URL": url}))

    assert line.startswith("mall migrate: cannot reach PostgreSQL at ")
    assert "nobody_firsthour:***@" in line and "wrong" not in line
    assert 'role "nobody_firsthour" does not exist' in line
    assert line.endswith("; run `mall dev`, or set MALL_DATABASE_URL")


def test_an_invalid_setting_is_one_line() -> None:
    line = _one_line(run_mall_env("migrate", env={"MALL_DB_POOL_MAX": "many"}))

    assert line.startswith("mall migrate: MALL_DB_POOL_MAX is invalid (")


@pytest.fixture
def held_port() -> Iterator[int]:
    """A loopback port another program listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield int(sock.getsockname()[1])


def test_mall_dev_names_a_port_in_use_before_starting_anything(
    held_port: int, tmp_path: Path
) -> None:
    # given another program (another `mall dev` on other data) holding the API's port
    data_dir = tmp_path / "other"
    clean = {k: v for k, v in os.environ.items() if not k.startswith("MALL_")}

    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "mall.cli",
            "dev",
            "--port",
            str(held_port),
            "--data-dir",
            str(data_dir),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
        env=clean,
    )

    assert _one_line(result) == (
        f"mall dev: port {held_port} (the API, 127.0.0.1) is already in use by another "
        "process; stop it, or pass --port with a free port"
    )
    assert "running" not in result.stdout
    # nothing was started: no embedded PostgreSQL or Redis data
    assert not (data_dir / "postgres").exists() and not (data_dir / "redis").exists()


def test_mall_dev_names_the_simulator_port_in_use(held_port: int, tmp_path: Path) -> None:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("MALL_")}
    api_port = _closed_port()

    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "mall.cli",
            "dev",
            "--port",
            str(api_port),
            "--sim-port",
            str(held_port),
            "--data-dir",
            str(tmp_path / "d"),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
        env=clean,
    )

    assert _one_line(result) == (
        f"mall dev: port {held_port} (the WeChat simulator, 127.0.0.1) is already in use by "
        "another process; stop it, or pass --sim-port with a free port"
    )


def test_mall_serve_names_a_port_in_use(held_port: int) -> None:
    line = _one_line(run_mall_env("serve", "--host", "127.0.0.1", "--port", str(held_port), env={}))

    assert line == (
        f"mall serve: port {held_port} (the API, 127.0.0.1) is already in use by another "
        "process; stop it, or pass --port with a free port"
    )


def test_mall_version() -> None:
    result = run_mall("--version")

    assert result.returncode == 0
    assert re.fullmatch(r"mall \d+\.\d+\.\d+\S*\n", result.stdout)


def test_a_configured_pay_key_file_that_is_missing_is_one_line(tmp_path: Path) -> None:
    missing = tmp_path / "apiclient_key.pem"

    line = _one_line(run_mall_env("worker", env={"MALL_WECHAT_PAY_PRIVATE_KEY_PATH": str(missing)}))

    assert line == (
        f"mall worker: MALL_WECHAT_PAY_PRIVATE_KEY_PATH names {missing}, which does not exist; "
        "put the key file there (docker-compose.yml mounts ./secrets read-only at "
        "/run/secrets/mall)"
    )


def test_mall_dev_with_an_unreachable_database_url_is_one_line(tmp_path: Path) -> None:
    port = _closed_port()
    clean = {k: v for k, v in os.environ.items() if not k.startswith("MALL_")}
    clean["MALL_DATABASE_URL"] = f"postgres://postgres:pw@127.0.0.1:{port}/mall"

    result = subprocess.run(
        [
            *(sys.executable, "-m", "mall.cli", "dev"),
            *("--port", str(_closed_port()), "--sim-port", str(_closed_port())),
            *("--data-dir", str(tmp_path)),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
        env=clean,
    )

    assert _one_line(result) == (
        f"mall dev: cannot reach PostgreSQL at postgres://postgres:***@127.0.0.1:{port}/mall "
        "(connection refused); fix MALL_DATABASE_URL, or unset it for mall dev's embedded server"
    )


async def test_the_configured_client_reaches_the_embedded_redis_on_its_socket(
    tmp_path: Path,
) -> None:
    # `mall dev`'s Redis listens on a unix socket only (no TCP options apply there)
    from mall.config import Settings
    from mall.resources import redis_client

    server = start_redis(tmp_path)
    try:
        client = redis_client(Settings(redis_url=server.url))
        try:
            assert await client.ping()
        finally:
            await client.aclose()
    finally:
        server.stop()
