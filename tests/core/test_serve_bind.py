"""`mall serve` never listens beyond this machine with the signing key printed in the source,
whatever MALL_ENV says; on loopback (the quick start) it runs as before."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from mall.config import DEFAULT_JWT_SECRET, Settings, is_loopback

ROOT = Path(__file__).resolve().parents[2]


def test_serve_refuses_a_public_bind_with_the_built_in_secret() -> None:
    # Development mode and every address: the check is the bind's, not the mode's (the
    # unit test below covers the other addresses).
    environ = {k: v for k, v in os.environ.items() if k != "MALL_JWT_SECRET"}
    environ["MALL_ENV"] = "dev"
    host = "::"
    result = subprocess.run(
        [sys.executable, "-m", "mall.cli", "serve", "--host", host, "--port", "0"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
        env=environ,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "MALL_JWT_SECRET" in lines[0] and "Traceback" not in result.stderr


def test_a_bind_check_looks_at_the_address_not_the_mode() -> None:
    default = Settings(env="dev", jwt_secret=DEFAULT_JWT_SECRET)
    for host in ("127.0.0.1", "127.8.9.1", "localhost", "::1", "[::1]"):
        assert is_loopback(host), host
        default.check_bind(host)
    for host in ("0.0.0.0", "::", "", "10.0.0.5", "192.168.1.2", "shop.example.com"):
        assert not is_loopback(host), host
        with pytest.raises(RuntimeError, match="MALL_JWT_SECRET"):
            default.check_bind(host)
    Settings(env="dev", jwt_secret="x" * 40).check_bind("0.0.0.0")
