"""Headers on every answer: no sniffing anywhere, no storing of anything authenticated."""

from __future__ import annotations

import httpx

from tests.factories import admin_login, bearer, login, make_admin


async def test_token_responses_are_never_stored(client: httpx.AsyncClient) -> None:
    await make_admin("root")
    user = await login(client, "alice")
    admin = await admin_login(client)
    refreshed = await client.post(
        "/api/v1/auth/refresh", json={"refresh_token": user["refresh_token"]}
    )
    admin_refreshed = await client.post(
        "/api/admin/auth/refresh", json={"refresh_token": admin["refresh_token"]}
    )
    login_resp = await client.post("/api/v1/auth/wechat/login", json={"code": "alice:ns"})
    admin_resp = await client.post(
        "/api/admin/auth/login", json={"username": "root", "password": "correct-horse-battery"}
    )
    for resp in (refreshed, admin_refreshed, login_resp, admin_resp):
        assert resp.status_code == 200, resp.text
        assert "access_token" in resp.json()
        assert resp.headers["cache-control"] == "no-store", resp.request.url
        assert resp.headers["x-content-type-options"] == "nosniff"


async def test_every_authenticated_response_is_no_store_even_errors(
    client: httpx.AsyncClient,
) -> None:
    await make_admin("root")
    user = await login(client, "bob")
    admin = await admin_login(client)
    answers = [
        await client.get("/api/v1/me", headers=bearer(user["access_token"])),
        await client.get("/api/v1/orders", headers=bearer(user["access_token"])),
        await client.get("/api/v1/orders/999", headers=bearer(user["access_token"])),
        await client.get("/api/admin/orders", headers=bearer(admin["access_token"])),
        await client.get("/api/v1/me", headers=bearer("not-a-token")),
        # A public route asked with a token still answers privately.
        await client.get("/api/v1/categories", headers=bearer(user["access_token"])),
    ]
    for resp in answers:
        assert resp.headers["cache-control"] == "no-store", (resp.request.url, resp.status_code)
        assert resp.headers["x-content-type-options"] == "nosniff"


async def test_every_api_response_is_nosniff_and_public_reads_stay_cacheable(
    client: httpx.AsyncClient,
) -> None:
    answers = [
        await client.get("/api/v1/categories"),
        await client.get("/api/v1/products"),
        await client.get("/api/v1/products/12345"),
        await client.get("/health/live"),
        await client.get("/no/such/route"),
        await client.post("/api/v1/orders", content=b"{"),
    ]
    for resp in answers:
        assert resp.headers["x-content-type-options"] == "nosniff", resp.request.url
    assert "no-store" not in answers[0].headers.get("cache-control", "")
    assert "no-store" not in answers[1].headers.get("cache-control", "")
