"""GET/PATCH /me and the address book: validation, one default, ownership."""

from __future__ import annotations

import asyncio

import httpx

from tests.factories import assert_error, bearer, login

ADDRESS = {
    "name": "张三",
    "phone": "13800138000",
    "province": "广东省",
    "city": "广州市",
    "district": "海珠区",
    "detail": "新港中路397号",
}


async def test_patch_me(client: httpx.AsyncClient) -> None:
    headers = bearer((await login(client, "alice"))["access_token"])
    resp = await client.patch(
        "/api/v1/me",
        json={"nickname": "小爱", "avatar_url": "https://example.com/a.png"},
        headers=headers,
    )
    assert resp.status_code == 200, resp.text
    assert resp.json()["nickname"] == "小爱"
    me = (await client.get("/api/v1/me", headers=headers)).json()
    assert me["nickname"] == "小爱" and me["avatar_url"] == "https://example.com/a.png"

    for bad in (
        {"nickname": ""},
        {"nickname": "x" * 65},
        {"nickname": 12},
        {"avatar_url": "javascript:alert(1)"},
        {"unknown_field": 1},
    ):
        err = assert_error(await client.patch("/api/v1/me", json=bad, headers=headers), 422)
        assert err["details"][0]["field"]


async def test_address_crud_keeps_one_default(client: httpx.AsyncClient) -> None:
    headers = bearer((await login(client, "bob"))["access_token"])
    first = await client.post("/api/v1/addresses", json=ADDRESS, headers=headers)
    assert first.status_code == 201, first.text
    assert first.json()["is_default"] is True  # the first address is the default
    second = await client.post(
        "/api/v1/addresses", json={**ADDRESS, "detail": "二号", "is_default": True}, headers=headers
    )
    assert second.json()["is_default"] is True
    listing = (await client.get("/api/v1/addresses", headers=headers)).json()["items"]
    assert [a["is_default"] for a in listing] == [True, False]
    assert listing[0]["id"] == second.json()["id"]

    first_id = first.json()["id"]
    put = await client.put(
        f"/api/v1/addresses/{first_id}", json={**ADDRESS, "is_default": True}, headers=headers
    )
    assert put.status_code == 200 and put.json()["is_default"] is True
    one = (await client.get(f"/api/v1/addresses/{second.json()['id']}", headers=headers)).json()
    assert one["is_default"] is False

    deleted = await client.delete(f"/api/v1/addresses/{first_id}", headers=headers)
    assert deleted.status_code == 204
    remaining = (await client.get("/api/v1/addresses", headers=headers)).json()["items"]
    assert len(remaining) == 1 and remaining[0]["is_default"] is True
    assert_error(await client.get(f"/api/v1/addresses/{first_id}", headers=headers), 404)


async def test_concurrent_default_addresses_leave_exactly_one(client: httpx.AsyncClient) -> None:
    headers = bearer((await login(client, "cat"))["access_token"])
    results = await asyncio.gather(
        *(
            client.post(
                "/api/v1/addresses",
                json={**ADDRESS, "detail": f"#{i}", "is_default": True},
                headers=headers,
            )
            for i in range(10)
        )
    )
    assert all(r.status_code == 201 for r in results)
    items = (await client.get("/api/v1/addresses", headers=headers)).json()["items"]
    assert len(items) == 10
    assert sum(a["is_default"] for a in items) == 1


async def test_other_users_address_is_404(client: httpx.AsyncClient) -> None:
    alice = bearer((await login(client, "alice"))["access_token"])
    bob = bearer((await login(client, "bob"))["access_token"])
    created = await client.post("/api/v1/addresses", json=ADDRESS, headers=alice)
    aid = created.json()["id"]
    assert_error(await client.get(f"/api/v1/addresses/{aid}", headers=bob), 404)
    assert_error(await client.put(f"/api/v1/addresses/{aid}", json=ADDRESS, headers=bob), 404)
    assert_error(await client.delete(f"/api/v1/addresses/{aid}", headers=bob), 404)
    # Still there, untouched, for its owner.
    mine = await client.get(f"/api/v1/addresses/{aid}", headers=alice)
    assert mine.status_code == 200 and mine.json()["detail"] == ADDRESS["detail"]


async def test_address_bad_input(client: httpx.AsyncClient) -> None:
    headers = bearer((await login(client, "dan"))["access_token"])
    cases = [
        {k: v for k, v in ADDRESS.items() if k != "city"},
        {**ADDRESS, "phone": "not a phone"},
        {**ADDRESS, "detail": "x" * 10_000},
        {**ADDRESS, "is_default": "maybe"},
        {**ADDRESS, "name": None},
    ]
    for body in cases:
        assert_error(await client.post("/api/v1/addresses", json=body, headers=headers), 422)
    assert_error(
        await client.post("/api/v1/addresses", content=b"{not json", headers=headers),
        400,
        "malformed_json",
    )
    assert_error(await client.post("/api/v1/addresses", json=[1, 2], headers=headers), 422)
    for bad_id in ("99999999999999999999999", "0", "-1", "abc"):
        assert_error(await client.get(f"/api/v1/addresses/{bad_id}", headers=headers), 404)
    assert (await client.get("/api/v1/addresses", headers=headers)).json()["items"] == []
