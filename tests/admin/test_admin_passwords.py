"""Staff passwords: one policy (12+ characters, not a common password) wherever an admin
gets a password; here the policy and the admin API (the commands: tests/system)."""

from __future__ import annotations

import httpx

from mall.auth.passwords import common_passwords, weakness
from tests.factories import ADMIN_PASSWORD, admin_login, assert_error, bearer, make_admin

WEAK = {
    "x": "too_short",
    "eleven-char": "too_short",
    "Password2024!": "common_password",
    "qwertyuiop123": "common_password",
    "administrator1": "common_password",
    "P@ssw0rd12345": "common_password",
    "aaaaaaaaaaaaaaaa": "too_repetitive",
    "abababababab": "too_repetitive",
    "密码" * 19: "too_long",
}


def test_the_policy_refuses_short_common_and_repetitive_passwords() -> None:
    for password, kind in WEAK.items():
        problem = weakness(password)
        assert problem is not None and problem[0] == kind, (password, problem)
    for good in (ADMIN_PASSWORD, "tea-leaf-orbit-37", "龙井茶叶很好喝啊春天来了"):
        assert weakness(good) is None, good
    assert len(common_passwords()) >= 100
    assert "password" in common_passwords() and "qwerty123" in common_passwords()


async def test_api_refuses_weak_admin_passwords_on_create_and_patch(
    client: httpx.AsyncClient,
) -> None:
    from models import Admin

    root_id = await make_admin("root")
    headers = bearer((await admin_login(client))["access_token"])
    for password, kind in WEAK.items():
        resp = await client.post(
            "/api/admin/admins",
            json={"username": "agent", "password": password, "is_superuser": True},
            headers=headers,
        )
        error = assert_error(resp, 422, "weak_password")
        assert error["details"][0]["field"] == "password", error
        assert error["details"][0]["type"] == kind, (password, error)
    assert not await Admin.exists(username="agent")

    patched = await client.patch(
        f"/api/admin/admins/{root_id}", json={"password": "Password2024!"}, headers=headers
    )
    assert_error(patched, 422, "weak_password")
    assert (await admin_login(client)).get("access_token")  # the old password still works

    created = await client.post(
        "/api/admin/admins",
        json={"username": "agent", "password": "tea-leaf-orbit-37", "is_superuser": True},
        headers=headers,
    )
    assert created.status_code == 201, created.text
