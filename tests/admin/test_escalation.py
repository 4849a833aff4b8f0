"""Staff cannot raise their own rights or take over a superuser (the subset rule), and no
admin change commits without its audit row."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from tortoise import connections

from models import Admin, AdminLog, Role, ShopSettings, Sku
from tests.factories import (
    ADMIN_PASSWORD,
    admin_login,
    assert_error,
    bearer,
    make_admin,
    make_product,
)

ADMINS = "/api/admin/admins"
ROLES = "/api/admin/roles"
NEW_PASSWORD = "a-brand-new-long-password"


async def staff(client: httpx.AsyncClient, name: str, permissions: list[str]) -> dict[str, str]:
    await make_admin(name, superuser=False, permissions=permissions)
    return bearer((await admin_login(client, name))["access_token"])


async def test_staff_with_admins_write_cannot_take_over_a_superuser(
    client: httpx.AsyncClient,
) -> None:
    root_id = await make_admin("root")
    hr = await staff(client, "hr", ["admins.read", "admins.write"])
    for change in (
        {"password": NEW_PASSWORD},
        {"is_superuser": False},
        {"is_active": False},
        {"display_name": "mine now"},
    ):
        resp = await client.patch(f"{ADMINS}/{root_id}", json=change, headers=hr)
        assert_error(resp, 403, "permission_denied")
    assert_error(await client.delete(f"{ADMINS}/{root_id}", headers=hr), 403, "permission_denied")
    root = await Admin.get(id=root_id)
    assert root.is_superuser and root.is_active and root.display_name == "root"
    await admin_login(client, "root", ADMIN_PASSWORD)  # its password still works
    bad = await client.post(
        "/api/admin/auth/login", json={"username": "root", "password": NEW_PASSWORD}
    )
    assert_error(bad, 401)


async def test_staff_cannot_give_itself_a_role_with_more_permissions(
    client: httpx.AsyncClient,
) -> None:
    hr = await staff(client, "hr", ["admins.read", "admins.write"])
    hr_id = (await Admin.get(username="hr")).id
    everything = await Role.create(name="everything", permissions=["orders.write", "admins.write"])
    resp = await client.patch(f"{ADMINS}/{hr_id}", json={"role_ids": [everything.id]}, headers=hr)
    err = assert_error(resp, 403, "permission_denied")
    assert err["details"]["permissions"] == ["orders.write"]
    me = (await client.get("/api/admin/auth/me", headers=hr)).json()
    assert sorted(me["permissions"]) == ["admins.read", "admins.write"]


async def test_staff_grants_only_roles_within_its_own_permissions(
    client: httpx.AsyncClient,
) -> None:
    hr = await staff(client, "hr", ["admins.read", "admins.write", "users.read"])
    wider = await Role.create(name="wider", permissions=["users.read", "users.ban"])
    narrower = await Role.create(name="narrower", permissions=["users.read"])
    body = {"username": "agent", "password": "a-long-password-1", "role_ids": [wider.id]}
    assert_error(await client.post(ADMINS, json=body, headers=hr), 403, "permission_denied")
    assert not await Admin.filter(username="agent").exists()
    body["role_ids"] = [narrower.id]
    created = await client.post(ADMINS, json=body, headers=hr)
    assert created.status_code == 201, created.text
    agent_id = created.json()["id"]
    resp = await client.patch(f"{ADMINS}/{agent_id}", json={"role_ids": [wider.id]}, headers=hr)
    assert_error(resp, 403, "permission_denied")


async def test_staff_cannot_touch_an_admin_with_rights_it_lacks(client: httpx.AsyncClient) -> None:
    await make_admin("cashier", superuser=False, permissions=["orders.write", "refunds.write"])
    cashier_id = (await Admin.get(username="cashier")).id
    hr = await staff(client, "hr", ["admins.read", "admins.write"])
    resp = await client.patch(f"{ADMINS}/{cashier_id}", json={"password": NEW_PASSWORD}, headers=hr)
    assert_error(resp, 403, "permission_denied")
    assert_error(await client.delete(f"{ADMINS}/{cashier_id}", headers=hr), 403)
    assert await Admin.filter(id=cashier_id).exists()


async def test_only_a_superuser_manages_superusers(client: httpx.AsyncClient) -> None:
    await make_admin("root")
    other_id = await make_admin("root2")
    root = bearer((await admin_login(client, "root"))["access_token"])
    resp = await client.patch(f"{ADMINS}/{other_id}", json={"display_name": "R2"}, headers=root)
    assert resp.status_code == 200 and resp.json()["display_name"] == "R2"


async def test_roles_write_cannot_add_permissions_it_lacks(client: httpx.AsyncClient) -> None:
    lead = await staff(client, "lead", ["roles.read", "roles.write", "orders.read"])
    lead_role = await Role.get(name="role-lead")
    beyond = {"name": "more", "permissions": ["orders.read", "orders.write"]}
    err = assert_error(await client.post(ROLES, json=beyond, headers=lead), 403)
    assert err["details"]["permissions"] == ["orders.write"]
    # Its own role, even within its permissions: a superuser's job.
    mine = {"name": "role-lead", "permissions": ["roles.read", "roles.write", "orders.read"]}
    assert_error(await client.put(f"{ROLES}/{lead_role.id}", json=mine, headers=lead), 403)
    # Another role within its permissions: fine; past them: refused, and left unchanged.
    made = await client.post(
        ROLES, json={"name": "reader", "permissions": ["orders.read"]}, headers=lead
    )
    assert made.status_code == 201, made.text
    grow = {"name": "reader", "permissions": ["orders.read", "admins.write"]}
    assert_error(await client.put(f"{ROLES}/{made.json()['id']}", json=grow, headers=lead), 403)
    assert (await Role.get(id=made.json()["id"])).permissions == ["orders.read"]
    # A role with rights it lacks cannot be edited down or deleted either.
    admin_role = await Role.create(name="admins", permissions=["admins.write"])
    down = {"name": "admins", "permissions": []}
    assert_error(await client.put(f"{ROLES}/{admin_role.id}", json=down, headers=lead), 403)
    assert_error(await client.delete(f"{ROLES}/{admin_role.id}", headers=lead), 403)


# --- the audit row commits with the change or not at all ---------------------------------


@pytest.fixture
async def audit_log_refuses_writes(app_server) -> AsyncIterator[None]:
    """A stand-in for a crash between a change and its audit row: writing the audit row
    fails. A change made outside the audit row's transaction would still commit."""
    conn = connections.get("default")
    await conn.execute_script(
        "CREATE FUNCTION test_refuse_audit() RETURNS trigger LANGUAGE plpgsql AS"
        " $$ BEGIN RAISE EXCEPTION 'audit log down'; END $$;"
        " CREATE TRIGGER test_refuse_audit BEFORE INSERT ON admin_logs"
        " FOR EACH ROW EXECUTE FUNCTION test_refuse_audit();"
    )
    yield
    await conn.execute_script(
        "DROP TRIGGER test_refuse_audit ON admin_logs; DROP FUNCTION test_refuse_audit();"
    )


async def test_a_change_whose_audit_row_cannot_be_written_is_not_made(
    client: httpx.AsyncClient, audit_log_refuses_writes
) -> None:
    await make_admin("root")
    root = bearer((await admin_login(client))["access_token"])
    _, (sku,) = await make_product(skus=[({"颜色": "红"}, 1000, 10)])
    target_id = await make_admin("target", superuser=False, permissions=[])
    attempts = [
        client.put(
            f"/api/admin/skus/{sku.id}/stock", json={"stock": 3, "reason": "count"}, headers=root
        ),
        client.patch(f"{ADMINS}/{target_id}", json={"display_name": "changed"}, headers=root),
        client.post(ROLES, json={"name": "new-role", "permissions": []}, headers=root),
        client.put(
            "/api/admin/settings",
            json={
                "order_timeout_seconds": 60,
                "auto_confirm_days": 3,
                "low_stock_threshold": 2,
                "freight_flat": 0,
                "free_shipping_threshold": 0,
            },
            headers=root,
        ),
    ]
    for attempt in attempts:
        assert_error(await attempt, 500)
    assert (await Sku.get(id=sku.id)).stock == 10
    assert (await Admin.get(id=target_id)).display_name == "target"
    assert not await Role.filter(name="new-role").exists()
    settings = await ShopSettings.get_or_none(id=1)
    assert settings is None or settings.order_timeout_seconds != 60
    assert await AdminLog.all().count() == 0
