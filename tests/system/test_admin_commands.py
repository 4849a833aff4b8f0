"""`mall create-admin` and `mall seed` as an operator runs them: the password policy,
rights required, no terminal tricks, and a seed that never resets an existing admin."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from mall.auth.passwords import weakness
from tests.factories import ADMIN_PASSWORD, admin_login, assert_error, make_admin

ROOT = Path(__file__).resolve().parents[2]


def run_mall(
    *args: str, stdin: str | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mall.cli", *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        input=stdin,
        stdin=subprocess.DEVNULL if stdin is None else None,
        env={**os.environ, **(env or {})},
    )


def assert_one_clean_line(result: subprocess.CompletedProcess[str], *needles: str) -> None:
    assert result.returncode != 0, result
    assert "Traceback" not in result.stderr and "Error:" not in result.stderr, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]


async def test_create_admin_needs_rights_a_good_password_and_no_terminal_tricks(
    client: httpx.AsyncClient,
) -> None:
    from mall.admin.service import ensure_default_roles
    from models import Admin

    await ensure_default_roles()
    no_rights = run_mall("create-admin", "--username", "nobody", "--password", "tea-leaf-orbit-37")
    assert_one_clean_line(no_rights, "--superuser", "--role")

    weak = run_mall("create-admin", "--username", "weak", "--password", "x", "--superuser")
    assert_one_clean_line(weak, "too weak", "12")

    common = run_mall(
        "create-admin", "--username", "weak", "--password", "Password2024!", "--superuser"
    )
    assert_one_clean_line(common, "too weak", "common")

    # Standard input is not a terminal: a clean refusal, not an EOFError.
    no_tty = run_mall("create-admin", "--username", "quiet", "--superuser")
    assert_one_clean_line(no_tty, "--password-stdin")

    unknown_role = run_mall(
        "create-admin", "--username", "ghost", "--password", "tea-leaf-orbit-37", "--role", "ceo"
    )
    assert_one_clean_line(unknown_role, "ceo", "operator")
    assert not await Admin.filter(username__in=["nobody", "weak", "quiet", "ghost"]).exists()

    operator = run_mall(
        "create-admin",
        "--username",
        "clerk",
        "--password-stdin",
        "--role",
        "operator",
        "--role",
        "viewer",
        stdin="tea-leaf-orbit-37\n",
    )
    assert operator.returncode == 0, operator.stderr
    clerk = await Admin.get(username="clerk").prefetch_related("roles")
    assert not clerk.is_superuser
    assert sorted(role.name for role in clerk.roles) == ["operator", "viewer"]
    assert (await admin_login(client, "clerk", "tea-leaf-orbit-37"))["access_token"]


@pytest.fixture
def seed_env(tmp_path: Path) -> dict[str, str]:
    return {"MALL_UPLOAD_DIR": str(tmp_path / "uploads")}


async def test_seed_never_resets_an_existing_admin_password(
    client: httpx.AsyncClient, seed_env: dict[str, str]
) -> None:
    await make_admin("admin", password=ADMIN_PASSWORD)
    result = run_mall("seed", env={**seed_env, "MALL_DEV_ADMIN_PASSWORD": "another-password-42"})
    assert result.returncode == 0, result.stderr
    assert "unchanged" in result.stdout and "another-password-42" not in result.stdout
    assert (await admin_login(client, "admin", ADMIN_PASSWORD))["access_token"]
    refused = await client.post(
        "/api/admin/auth/login",
        json={"username": "admin", "password": "another-password-42"},
    )
    assert_error(refused, 401, "invalid_credentials")


async def test_seed_creates_a_missing_admin_with_a_password_that_meets_the_policy(
    client: httpx.AsyncClient, seed_env: dict[str, str]
) -> None:
    weak_first = run_mall("seed", env={**seed_env, "MALL_DEV_ADMIN_PASSWORD": "admin"})
    assert_one_clean_line(weak_first, "MALL_DEV_ADMIN_PASSWORD", "too weak")

    result = run_mall("seed", env={**seed_env, "MALL_DEV_ADMIN_PASSWORD": ""})
    assert result.returncode == 0, result.stderr
    found = re.search(r"admin login: admin / (\S+)", result.stdout)
    assert found, result.stdout
    password = found[1]
    assert weakness(password) is None
    assert (await admin_login(client, "admin", password))["access_token"]
