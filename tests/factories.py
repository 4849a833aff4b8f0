"""Ways to get data and sessions into a test, through the API where the API can do it."""

from __future__ import annotations

import itertools
from typing import Any

import httpx

_codes = itertools.count(1)

ADMIN_PASSWORD = "correct-horse-battery"


def wx_code(name: str) -> str:
    """A fresh wx.login() code for person `name` (the simulator accepts each code once)."""
    return f"{name}:{next(_codes)}"


async def login(client: httpx.AsyncClient, name: str = "alice") -> dict[str, Any]:
    resp = await client.post("/api/v1/auth/wechat/login", json={"code": wx_code(name)})
    assert resp.status_code == 200, resp.text
    body: dict[str, Any] = resp.json()
    return body


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def make_admin(
    username: str = "root",
    *,
    password: str = ADMIN_PASSWORD,
    superuser: bool = True,
    permissions: list[str] | None = None,
) -> int:
    """An admin straight through the service (as `mall create-admin` does)."""
    from mall.admin import service
    from models import Role

    role_ids: list[int] = []
    if permissions is not None:
        role = await Role.create(name=f"role-{username}", permissions=permissions)
        role_ids = [role.id]
    admin = await service.create_admin(
        username=username, password=password, is_superuser=superuser, role_ids=role_ids
    )
    return admin.id


async def admin_login(
    client: httpx.AsyncClient, username: str = "root", password: str = ADMIN_PASSWORD
) -> dict[str, Any]:
    resp = await client.post(
        "/api/admin/auth/login", json={"username": username, "password": password}
    )
    assert resp.status_code == 200, resp.text
    body: dict[str, Any] = resp.json()
    return body


def assert_error(resp: httpx.Response, status: int, code: str | None = None) -> dict[str, Any]:
    """A non-2xx answer in the JSON envelope of API.md, with the expected status and code."""
    assert resp.status_code == status, (resp.status_code, resp.text)
    assert resp.headers["content-type"].startswith("application/json"), resp.headers
    body = resp.json()
    assert set(body) == {"error"}, body
    assert isinstance(body["error"]["code"], str) and body["error"]["message"], body
    if code is not None:
        assert body["error"]["code"] == code, body
    error: dict[str, Any] = body["error"]
    return error
