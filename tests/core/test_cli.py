"""The `mall` command answers --help for every subcommand; its embedded Redis keeps data."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

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
