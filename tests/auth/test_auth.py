"""WeChat login, refresh rotation, logout, phone binding, audiences and bans."""

from __future__ import annotations

import asyncio
import time

import httpx
import jwt

from tests.factories import (
    admin_login,
    assert_error,
    bearer,
    login,
    make_admin,
    wx_code,
)


async def test_login_returns_tokens_and_user(client: httpx.AsyncClient) -> None:
    body = await login(client, "alice")
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 900
    assert set(body["user"]) == {"id", "nickname", "avatar_url", "phone"}
    me = await client.get("/api/v1/me", headers=bearer(body["access_token"]))
    assert me.status_code == 200
    assert me.json()["id"] == body["user"]["id"]


async def test_same_person_different_codes_is_same_user(client: httpx.AsyncClient) -> None:
    first = await login(client, "bob")
    second = await login(client, "bob")
    other = await login(client, "carol")
    assert first["user"]["id"] == second["user"]["id"]
    assert other["user"]["id"] != first["user"]["id"]


async def test_reused_or_invalid_code_is_refused(client: httpx.AsyncClient) -> None:
    code = wx_code("dave")
    ok = await client.post("/api/v1/auth/wechat/login", json={"code": code})
    assert ok.status_code == 200
    again = await client.post("/api/v1/auth/wechat/login", json={"code": code})
    err = assert_error(again, 422, "invalid_wechat_code")
    assert err["details"][0]["field"] == "code" and err["details"][0]["type"] == "wechat_code"
    bad = await client.post("/api/v1/auth/wechat/login", json={"code": "invalid"})
    assert_error(bad, 422, "invalid_wechat_code")


async def test_a_code_wechat_refused_is_the_same_error_at_login_and_phone(
    client: httpx.AsyncClient,
) -> None:
    # One kind of refusal, one status and code, wherever the code was sent.
    tokens = await login(client, "wendy")
    code = wx_code("wendy")
    assert (await client.post("/api/v1/auth/wechat/login", json={"code": code})).status_code == 200
    at_login = await client.post("/api/v1/auth/wechat/login", json={"code": code})
    phone_code = "wendy:phone"
    headers = bearer(tokens["access_token"])
    first = await client.post("/api/v1/auth/phone", json={"code": phone_code}, headers=headers)
    assert first.status_code == 200, first.text
    at_phone = await client.post("/api/v1/auth/phone", json={"code": phone_code}, headers=headers)
    login_err = assert_error(at_login, 422, "invalid_wechat_code")
    phone_err = assert_error(at_phone, 422, "invalid_wechat_code")
    assert login_err["details"][0]["type"] == phone_err["details"][0]["type"] == "wechat_code"


async def test_concurrent_first_logins_make_one_user(client: httpx.AsyncClient) -> None:
    results = await asyncio.gather(*(login(client, "erin") for _ in range(8)))
    assert len({r["user"]["id"] for r in results}) == 1


async def test_refresh_rotates_and_reuse_revokes_family(client: httpx.AsyncClient) -> None:
    tokens = await login(client, "frank")
    first = await client.post(
        "/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]}
    )
    assert first.status_code == 200
    rotated = first.json()
    assert rotated["refresh_token"] != tokens["refresh_token"]
    assert (
        await client.get("/api/v1/me", headers=bearer(rotated["access_token"]))
    ).status_code == 200

    # The spent token presented again: refused, and the whole family dies with it.
    reuse = await client.post(
        "/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]}
    )
    assert_error(reuse, 401, "refresh_token_reused")
    after = await client.post(
        "/api/v1/auth/refresh", json={"refresh_token": rotated["refresh_token"]}
    )
    assert_error(after, 401, "invalid_refresh_token")
    me = await client.get("/api/v1/me", headers=bearer(rotated["access_token"]))
    assert_error(me, 401, "token_revoked")

    # Another login of the same person is a different family and keeps working.
    other = await login(client, "frank")
    assert (
        await client.get("/api/v1/me", headers=bearer(other["access_token"]))
    ).status_code == 200


async def test_access_token_is_not_a_refresh_token(client: httpx.AsyncClient) -> None:
    tokens = await login(client, "gina")
    resp = await client.post("/api/v1/auth/refresh", json={"refresh_token": tokens["access_token"]})
    assert_error(resp, 401, "invalid_token")
    me = await client.get("/api/v1/me", headers=bearer(tokens["refresh_token"]))
    assert_error(me, 401, "invalid_token")


async def test_logout_stops_access_token_at_once(client: httpx.AsyncClient) -> None:
    tokens = await login(client, "hank")
    headers = bearer(tokens["access_token"])
    out = await client.post("/api/v1/auth/logout", headers=headers)
    assert out.status_code == 204
    assert_error(await client.get("/api/v1/me", headers=headers), 401, "token_revoked")
    refresh = await client.post(
        "/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]}
    )
    assert_error(refresh, 401)


async def test_bind_phone(client: httpx.AsyncClient) -> None:
    tokens = await login(client, "ivy")
    headers = bearer(tokens["access_token"])
    resp = await client.post("/api/v1/auth/phone", json={"code": "ivy:1"}, headers=headers)
    assert resp.status_code == 200, resp.text
    phone = resp.json()["phone"]
    assert phone and len(phone) == 11 and phone.startswith("1")
    assert (await client.get("/api/v1/me", headers=headers)).json()["phone"] == phone
    reused = await client.post("/api/v1/auth/phone", json={"code": "ivy:1"}, headers=headers)
    assert_error(reused, 422, "invalid_wechat_code")


async def test_tokens_never_cross_audiences(client: httpx.AsyncClient) -> None:
    await make_admin("root")
    admin = await admin_login(client, "root")
    user = await login(client, "jack")
    assert_error(
        await client.get("/api/v1/me", headers=bearer(admin["access_token"])), 401, "invalid_token"
    )
    assert_error(
        await client.get("/api/admin/admins", headers=bearer(user["access_token"])),
        401,
        "invalid_token",
    )
    assert_error(
        await client.post("/api/admin/auth/refresh", json={"refresh_token": user["refresh_token"]}),
        401,
    )


async def test_forged_expired_and_alg_none_tokens(client: httpx.AsyncClient, settings) -> None:
    tokens = await login(client, "kate")
    claims = jwt.decode(tokens["access_token"], options={"verify_signature": False})
    forged = jwt.encode(claims, "an attacker's guess, long enough to look real", algorithm="HS256")
    expired = jwt.encode(
        {**claims, "exp": int(time.time()) - 10}, settings.jwt_secret, algorithm="HS256"
    )
    none_alg = jwt.encode(claims, None, algorithm="none")
    wrong_iss = jwt.encode({**claims, "iss": "evil"}, settings.jwt_secret, algorithm="HS256")
    # The right secret under an algorithm outside the allowlist (padded to HS512's length).
    hs512 = jwt.encode(claims, settings.jwt_secret.ljust(64, "x"), algorithm="HS512")
    for token, code in [
        (forged, "invalid_token"),
        (expired, "token_expired"),
        (none_alg, "invalid_token"),
        (wrong_iss, "invalid_token"),
        (hs512, "invalid_token"),
        ("garbage", "invalid_token"),
        ("a.b.c", "invalid_token"),
    ]:
        assert_error(await client.get("/api/v1/me", headers=bearer(token)), 401, code)
    assert_error(await client.get("/api/v1/me"), 401, "missing_token")
    assert_error(
        await client.get("/api/v1/me", headers={"Authorization": "Basic abc"}), 401, "missing_token"
    )


async def test_ban_stops_tokens_immediately(client: httpx.AsyncClient) -> None:
    await make_admin("root")
    admin = await admin_login(client, "root")
    user = await login(client, "liam")
    uid = user["user"]["id"]
    ban = await client.post(
        f"/api/admin/users/{uid}/ban",
        json={"reason": "fraud"},
        headers=bearer(admin["access_token"]),
    )
    assert ban.status_code == 200 and ban.json()["banned"] is True
    # Every session of the banned user ends (revoked); any that escaped would meet the ban.
    assert_error(
        await client.get("/api/v1/me", headers=bearer(user["access_token"])), 401, "token_revoked"
    )
    assert_error(
        await client.post("/api/v1/auth/refresh", json={"refresh_token": user["refresh_token"]}),
        401,
    )
    relogin = await client.post("/api/v1/auth/wechat/login", json={"code": wx_code("liam")})
    assert_error(relogin, 403, "account_banned")

    unban = await client.post(
        f"/api/admin/users/{uid}/unban", headers=bearer(admin["access_token"])
    )
    assert unban.status_code == 200 and unban.json()["banned"] is False
    fresh = await login(client, "liam")
    assert (
        await client.get("/api/v1/me", headers=bearer(fresh["access_token"]))
    ).status_code == 200


async def test_wechat_login_is_rate_limited_per_ip(client: httpx.AsyncClient, settings) -> None:
    statuses = []
    for i in range(settings.login_limit_per_ip + 2):
        resp = await client.post("/api/v1/auth/wechat/login", json={"code": wx_code(f"crowd{i}")})
        statuses.append(resp.status_code)
    assert statuses[: settings.login_limit_per_ip] == [200] * settings.login_limit_per_ip
    assert statuses[-1] == 429
    last = await client.post("/api/v1/auth/wechat/login", json={"code": wx_code("late")})
    err = assert_error(last, 429, "rate_limited")
    assert int(last.headers["Retry-After"]) >= 1
    assert err["details"]["retry_after"] >= 1


async def test_admin_login_rate_limited_per_account(client: httpx.AsyncClient, settings) -> None:
    await make_admin("root")
    for _ in range(settings.login_limit_per_account):
        bad = await client.post(
            "/api/admin/auth/login", json={"username": "root", "password": "wrong-password"}
        )
        assert_error(bad, 401, "invalid_credentials")
    locked = await client.post(
        "/api/admin/auth/login", json={"username": "root", "password": "wrong-password"}
    )
    assert_error(locked, 429, "rate_limited")
    assert int(locked.headers["Retry-After"]) >= 1


async def test_admin_login_wrong_user_and_password_look_alike(client: httpx.AsyncClient) -> None:
    await make_admin("root")
    unknown = await client.post(
        "/api/admin/auth/login", json={"username": "nobody", "password": "whatever-pass"}
    )
    wrong = await client.post(
        "/api/admin/auth/login", json={"username": "root", "password": "whatever-pass"}
    )
    assert unknown.json()["error"] == wrong.json()["error"]
    assert unknown.status_code == wrong.status_code == 401


async def test_admin_refresh_and_logout(client: httpx.AsyncClient) -> None:
    await make_admin("root")
    tokens = await admin_login(client)
    me = await client.get("/api/admin/auth/me", headers=bearer(tokens["access_token"]))
    assert me.status_code == 200 and me.json()["username"] == "root"
    rotated = await client.post(
        "/api/admin/auth/refresh", json={"refresh_token": tokens["refresh_token"]}
    )
    assert rotated.status_code == 200
    new = rotated.json()
    out = await client.post("/api/admin/auth/logout", headers=bearer(new["access_token"]))
    assert out.status_code == 204
    assert_error(await client.get("/api/admin/auth/me", headers=bearer(new["access_token"])), 401)
