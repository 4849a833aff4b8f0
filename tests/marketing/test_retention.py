"""Favorites, footprints, search history and hot keywords, as the mini-program uses them."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import redis.asyncio as aioredis

from mall.config import Settings
from mall.marketing import activity
from mall.runtime import Runtime
from models import Favorite
from tests.catalog_support import admin_headers
from tests.factories import assert_error, make_buyers, make_product

API = "/api/v1"


async def eventually(check: Callable[[], Awaitable[Any]], timeout: float = 5.0) -> Any:
    """The check's value once it is truthy (background writes land after the answer)."""
    deadline = time.monotonic() + timeout
    while True:
        value = await check()
        if value:
            return value
        assert time.monotonic() < deadline, "never happened"
        await asyncio.sleep(0.02)


# --- favorites -------------------------------------------------------------------------------


async def test_favorites_are_kept_listed_newest_first_and_shown_on_the_product(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    first, _ = await make_product(title="帆布鞋")
    second, _ = await make_product(title="棒球帽")
    hidden, _ = await make_product(title="下架商品", on_sale=False)
    ((_, alice),) = await make_buyers(settings, 1)

    detail = await client.get(f"{API}/products/{first.id}", headers=alice)
    assert detail.json()["is_favorite"] is False
    for product in (first, second, first):  # the second POST of one product changes nothing
        resp = await client.post(f"{API}/favorites/{product.id}", headers=alice)
        assert resp.status_code == 204, resp.text
    assert_error(await client.post(f"{API}/favorites/{hidden.id}", headers=alice), 404)
    assert_error(await client.post(f"{API}/favorites/999999", headers=alice), 404)

    listed = (await client.get(f"{API}/favorites", headers=alice)).json()
    assert listed["total"] == 2 and listed["page"] == 1
    assert [i["product_id"] for i in listed["items"]] == [second.id, first.id]
    assert listed["items"][0]["title"] == "棒球帽" and listed["items"][0]["available"] is True
    paged = (await client.get(f"{API}/favorites?page=2&page_size=1", headers=alice)).json()
    assert [i["product_id"] for i in paged["items"]] == [first.id] and paged["total"] == 2

    assert (await client.get(f"{API}/products/{first.id}", headers=alice)).json()["is_favorite"]
    assert (await client.get(f"{API}/products/{first.id}")).json()["is_favorite"] is None

    for _ in range(2):  # dropping one that is not kept changes nothing either
        resp = await client.delete(f"{API}/favorites/{first.id}", headers=alice)
        assert resp.status_code == 204
    detail = await client.get(f"{API}/products/{first.id}", headers=alice)
    assert detail.json()["is_favorite"] is False
    assert (await client.get(f"{API}/favorites", headers=alice)).json()["total"] == 1


async def test_a_favorite_taken_off_sale_stays_listed_as_unavailable(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    product, _ = await make_product()
    ((_, alice),) = await make_buyers(settings, 1)
    await client.post(f"{API}/favorites/{product.id}", headers=alice)
    product.on_sale = False
    await product.save()
    (line,) = (await client.get(f"{API}/favorites", headers=alice)).json()["items"]
    assert line["product_id"] == product.id and line["available"] is False


async def test_favorites_are_each_customers_own(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    product, _ = await make_product()
    (alice_user, alice), (_, bob) = await make_buyers(settings, 2)
    await client.post(f"{API}/favorites/{product.id}", headers=alice)

    assert (await client.get(f"{API}/favorites", headers=bob)).json()["total"] == 0
    bob_sees = await client.get(f"{API}/products/{product.id}", headers=bob)
    assert bob_sees.json()["is_favorite"] is False
    # Bob dropping the product drops only his (he has none): Alice's stays.
    assert (await client.delete(f"{API}/favorites/{product.id}", headers=bob)).status_code == 204
    assert await Favorite.exists(user_id=alice_user.id, product_id=product.id)
    assert (await client.get(f"{API}/favorites", headers=alice)).json()["total"] == 1


async def test_favorites_need_a_customer_token(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    product, _ = await make_product()
    assert_error(await client.get(f"{API}/favorites"), 401)
    assert_error(await client.post(f"{API}/favorites/{product.id}"), 401)
    staff = await admin_headers(settings)
    assert_error(await client.post(f"{API}/favorites/{product.id}", headers=staff), 401)
    # A bad token on the public product page is refused rather than read as no one.
    bad = {"Authorization": "Bearer nope"}
    assert_error(await client.get(f"{API}/products/{product.id}", headers=bad), 401)


# --- footprints ------------------------------------------------------------------------------


async def test_opening_products_leaves_footprints_one_per_product_per_day_newest_first(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    shirt, _ = await make_product(title="T恤")
    hat, _ = await make_product(title="帽子")
    ((_, alice),) = await make_buyers(settings, 1)

    for product in (shirt, hat, shirt):
        assert (await client.get(f"{API}/products/{product.id}", headers=alice)).status_code == 200
        await asyncio.sleep(0.01)

    async def two_footprints_shirt_first() -> Any:
        body = (await client.get(f"{API}/footprints", headers=alice)).json()
        ids = [i["product_id"] for i in body["items"]]
        return body if ids == [shirt.id, hat.id] else None

    body = await eventually(two_footprints_shirt_first)
    assert body["total"] == 2
    first = body["items"][0]
    assert first["title"] == "T恤" and first["available"] is True
    assert first["day"] == activity.shop_day(datetime.now(UTC)).isoformat()
    assert first["viewed_at"] > body["items"][1]["viewed_at"]

    assert (await client.delete(f"{API}/footprints", headers=alice)).status_code == 204
    assert (await client.get(f"{API}/footprints", headers=alice)).json()["total"] == 0


async def test_the_same_product_on_another_day_is_another_footprint(
    client: httpx.AsyncClient, settings: Settings, redis: aioredis.Redis
) -> None:
    shirt, _ = await make_product()
    ((user, alice),) = await make_buyers(settings, 1)
    yesterday = datetime.now(UTC) - timedelta(days=1)
    await activity.record_view(redis, user_id=user.id, product_id=shirt.id, at=yesterday, limit=9)
    await client.get(f"{API}/products/{shirt.id}", headers=alice)

    async def two() -> Any:
        body = (await client.get(f"{API}/footprints", headers=alice)).json()
        return body if body["total"] == 2 else None

    days = [i["day"] for i in (await eventually(two))["items"]]
    assert days == [
        activity.shop_day(datetime.now(UTC)).isoformat(),
        activity.shop_day(yesterday).isoformat(),
    ]


async def test_footprints_are_bounded_per_customer(rt: Runtime, redis: aioredis.Redis) -> None:
    start = datetime.now(UTC)
    for n in range(15):
        await activity.record_view(
            redis, user_id=1, product_id=n + 1, at=start + timedelta(seconds=n), limit=10
        )
    page, total = await activity.footprints(redis, user_id=1, offset=0, limit=100)
    assert total == 10
    assert [f.product_id for f in page] == list(range(15, 5, -1))


async def test_footprints_are_each_customers_own(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    shirt, _ = await make_product()
    (_, alice), (_, bob) = await make_buyers(settings, 2)
    await client.get(f"{API}/products/{shirt.id}", headers=alice)

    async def alices() -> Any:
        return (await client.get(f"{API}/footprints", headers=alice)).json()["total"]

    await eventually(alices)
    assert (await client.get(f"{API}/footprints", headers=bob)).json()["total"] == 0
    assert (await client.delete(f"{API}/footprints", headers=bob)).status_code == 204
    assert await alices() == 1
    # No token, no footprint (and nothing breaks).
    assert (await client.get(f"{API}/products/{shirt.id}")).status_code == 200


async def test_a_failing_footprint_write_never_fails_the_read(
    client: httpx.AsyncClient, settings: Settings, redis: aioredis.Redis
) -> None:
    shirt, _ = await make_product()
    ((user, alice),) = await make_buyers(settings, 1)
    # The footprints key holds a string: every write to it fails in Redis.
    await redis.set(activity.footprints_key(user.id), "not a sorted set")
    resp = await client.get(f"{API}/products/{shirt.id}", headers=alice)
    assert resp.status_code == 200 and resp.json()["id"] == shirt.id


# --- search history and hot keywords ---------------------------------------------------------


async def search(client: httpx.AsyncClient, q: str, headers: dict[str, str] | None = None) -> None:
    resp = await client.get(f"{API}/products", params={"q": q}, headers=headers)
    assert resp.status_code == 200, resp.text


async def test_searches_of_a_customer_are_remembered_newest_first_each_once(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    (_, alice), (_, bob) = await make_buyers(settings, 2)
    for q in ("T恤", "帆布 鞋", "T恤", "帆布  鞋 帆布"):
        await search(client, q, alice)
        await asyncio.sleep(0.01)
    await client.get(f"{API}/products", headers=alice)  # not a search

    async def history() -> Any:
        body = (await client.get(f"{API}/search/history", headers=alice)).json()
        return body if [i["keyword"] for i in body["items"]] == ["帆布 鞋", "T恤"] else None

    await eventually(history)
    assert (await client.get(f"{API}/search/history", headers=bob)).json()["items"] == []
    assert (await client.delete(f"{API}/search/history", headers=bob)).status_code == 204
    assert len((await client.get(f"{API}/search/history", headers=alice)).json()["items"]) == 2
    assert (await client.delete(f"{API}/search/history", headers=alice)).status_code == 204
    assert (await client.get(f"{API}/search/history", headers=alice)).json()["items"] == []
    assert_error(await client.get(f"{API}/search/history"), 401)


async def test_search_history_is_bounded(rt: Runtime, redis: aioredis.Redis) -> None:
    start = datetime.now(UTC)
    for n in range(30):
        await activity.record_search(
            redis, user_id=1, term=f"词{n}", at=start + timedelta(seconds=n), limit=20
        )
    rows = await activity.search_history(redis, user_id=1, limit=100)
    assert [k for k, _ in rows] == [f"词{n}" for n in range(29, 9, -1)]


async def test_hot_keywords_put_pinned_ones_first_then_the_most_searched_of_7_days(
    client: httpx.AsyncClient, settings: Settings, redis: aioredis.Redis
) -> None:
    now = datetime.now(UTC)
    # Counted before: 8 days ago no longer counts; 6 days ago does.
    for _ in range(50):
        await activity.count_search(redis, term="过时", at=now - timedelta(days=8))
    for _ in range(3):
        await activity.count_search(redis, term="羽绒服", at=now - timedelta(days=6))
    # Searched now by anyone: page 1 counts once per search, later pages do not.
    for q in ("连衣裙", "连衣裙", "T恤"):
        await search(client, q)
    for page in (2, 3):
        resp = await client.get(f"{API}/products", params={"q": "T恤", "page": page})
        assert resp.status_code == 200

    async def counted() -> Any:
        return await redis.zscore(activity.hot_day_key(activity.shop_day(now)), "T恤") == 1 and (
            await redis.zscore(activity.hot_day_key(activity.shop_day(now)), "连衣裙") == 2
        )

    await eventually(counted)
    staff = await admin_headers(settings)
    for keyword, order in (("双十二", 2), ("年货", 1)):
        resp = await client.post(
            "/api/admin/search/pinned-keywords",
            json={"keyword": keyword, "sort_order": order},
            headers=staff,
        )
        assert resp.status_code == 201, resp.text
    again = await client.post(
        "/api/admin/search/pinned-keywords", json={"keyword": "年货"}, headers=staff
    )
    assert_error(again, 409, "keyword_pinned")

    hot = (await client.get(f"{API}/search/hot")).json()["items"]
    assert hot == [
        {"keyword": "年货", "pinned": True},
        {"keyword": "双十二", "pinned": True},
        {"keyword": "羽绒服", "pinned": False},
        {"keyword": "连衣裙", "pinned": False},
        {"keyword": "T恤", "pinned": False},
    ]

    pins = (await client.get("/api/admin/search/pinned-keywords", headers=staff)).json()
    assert [p["keyword"] for p in pins["items"]] == ["年货", "双十二"] and pins["total"] == 2
    resp = await client.delete(
        f"/api/admin/search/pinned-keywords/{pins['items'][0]['id']}", headers=staff
    )
    assert resp.status_code == 204
    gone = await client.delete(
        f"/api/admin/search/pinned-keywords/{pins['items'][0]['id']}", headers=staff
    )
    assert_error(gone, 404)
    hot = (await client.get(f"{API}/search/hot")).json()["items"]
    assert hot[0] == {"keyword": "双十二", "pinned": True} and len(hot) == 4


async def test_a_pinned_keyword_that_is_also_searched_shows_once(
    client: httpx.AsyncClient, settings: Settings, redis: aioredis.Redis
) -> None:
    for _ in range(5):
        await activity.count_search(redis, term="年货", at=datetime.now(UTC))
    staff = await admin_headers(settings)
    await client.post("/api/admin/search/pinned-keywords", json={"keyword": "年货"}, headers=staff)
    hot = (await client.get(f"{API}/search/hot")).json()["items"]
    assert hot == [{"keyword": "年货", "pinned": True}]


async def test_pinning_needs_the_marketing_permission(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    reader = await admin_headers(settings, username="reader", permissions=["marketing.read"])
    resp = await client.post(
        "/api/admin/search/pinned-keywords", json={"keyword": "年货"}, headers=reader
    )
    assert_error(resp, 403, "permission_denied")
    assert (
        await client.get("/api/admin/search/pinned-keywords", headers=reader)
    ).status_code == 200
    blank = await client.post(
        "/api/admin/search/pinned-keywords",
        json={"keyword": " "},
        headers=await admin_headers(settings),
    )
    assert_error(blank, 422)
