"""Admin staff, roles, permissions, customers and the audit log."""

from __future__ import annotations

import httpx

from tests.factories import admin_login, assert_error, bearer, login, make_admin


async def test_a_role_grants_its_permissions_and_no_others(client: httpx.AsyncClient) -> None:
    await make_admin("reader", superuser=False, permissions=["users.read"])
    headers = bearer((await admin_login(client, "reader"))["access_token"])
    assert (await client.get("/api/admin/users", headers=headers)).status_code == 200
    denied = await client.get("/api/admin/admins", headers=headers)
    err = assert_error(denied, 403, "permission_denied")
    assert err["details"]["permission"] == "admins.read"
    assert_error(await client.post("/api/admin/users/1/ban", json={}, headers=headers), 403)
    assert_error(await client.get("/api/admin/logs", headers=headers), 403)


async def test_admin_and_role_crud_with_audit(client: httpx.AsyncClient) -> None:
    await make_admin("root")
    headers = bearer((await admin_login(client))["access_token"])
    role = await client.post(
        "/api/admin/roles",
        json={"name": "support", "permissions": ["users.read", "users.ban"]},
        headers=headers,
    )
    assert role.status_code == 201, role.text
    role_id = role.json()["id"]
    dup = await client.post("/api/admin/roles", json={"name": "support"}, headers=headers)
    assert_error(dup, 409, "role_name_taken")
    bogus = await client.post(
        "/api/admin/roles", json={"name": "x", "permissions": ["root.everything"]}, headers=headers
    )
    assert_error(bogus, 422)

    created = await client.post(
        "/api/admin/admins",
        json={"username": "agent1", "password": "a-long-password", "role_ids": [role_id]},
        headers=headers,
    )
    assert created.status_code == 201, created.text
    agent = created.json()
    assert agent["permissions"] == ["users.ban", "users.read"]
    taken = await client.post(
        "/api/admin/admins",
        json={"username": "agent1", "password": "a-long-password"},
        headers=headers,
    )
    assert_error(taken, 409, "username_taken")
    unknown_role = await client.post(
        "/api/admin/admins",
        json={"username": "agent2", "password": "a-long-password", "role_ids": [999]},
        headers=headers,
    )
    assert_error(unknown_role, 422)

    agent_tokens = await admin_login(client, "agent1", "a-long-password")
    agent_headers = bearer(agent_tokens["access_token"])
    assert (await client.get("/api/admin/users", headers=agent_headers)).status_code == 200

    in_use = await client.delete(f"/api/admin/roles/{role_id}", headers=headers)
    assert_error(in_use, 409, "role_in_use")

    # Deactivating the agent ends their session at once.
    off = await client.patch(
        f"/api/admin/admins/{agent['id']}", json={"is_active": False}, headers=headers
    )
    assert off.status_code == 200 and off.json()["is_active"] is False
    assert_error(await client.get("/api/admin/users", headers=agent_headers), 401, "token_revoked")
    assert_error(
        await client.post(
            "/api/admin/auth/refresh", json={"refresh_token": agent_tokens["refresh_token"]}
        ),
        401,
    )

    listing = await client.get("/api/admin/admins?page_size=1", headers=headers)
    assert listing.json()["total"] == 2 and len(listing.json()["items"]) == 1

    logs = (await client.get("/api/admin/logs", headers=headers)).json()
    actions = [entry["action"] for entry in logs["items"]]
    assert actions == ["admin.update", "admin.create", "role.create"]
    assert all(entry["admin_username"] == "root" for entry in logs["items"])
    filtered = await client.get("/api/admin/logs?action=role.create", headers=headers)
    assert filtered.json()["total"] == 1


async def test_admin_cannot_lock_themselves_out(client: httpx.AsyncClient) -> None:
    admin_id = await make_admin("root")
    headers = bearer((await admin_login(client))["access_token"])
    resp = await client.patch(
        f"/api/admin/admins/{admin_id}", json={"is_active": False}, headers=headers
    )
    assert_error(resp, 409, "self_lockout")
    assert_error(await client.delete(f"/api/admin/admins/{admin_id}", headers=headers), 409)


async def test_non_superuser_cannot_grant_superuser(client: httpx.AsyncClient) -> None:
    await make_admin("hr", superuser=False, permissions=["admins.read", "admins.write"])
    headers = bearer((await admin_login(client, "hr"))["access_token"])
    resp = await client.post(
        "/api/admin/admins",
        json={"username": "boss", "password": "a-long-password", "is_superuser": True},
        headers=headers,
    )
    assert_error(resp, 403)


async def test_user_list_search_and_ban_unknown(client: httpx.AsyncClient) -> None:
    await make_admin("root")
    headers = bearer((await admin_login(client))["access_token"])
    for name in ("ann", "ben", "cid"):
        await login(client, name)
    listing = (await client.get("/api/admin/users?page_size=2", headers=headers)).json()
    assert listing["total"] == 3 and len(listing["items"]) == 2
    assert_error(await client.post("/api/admin/users/424242/ban", json={}, headers=headers), 404)
    assert_error(await client.get("/api/admin/users?page_size=1000000", headers=headers), 422)
    assert_error(await client.get("/api/admin/users?page=abc", headers=headers), 422)
    assert_error(await client.get("/api/admin/logs?since=yesterday", headers=headers), 422)
