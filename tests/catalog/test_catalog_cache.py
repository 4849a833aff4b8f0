"""The storefront cache: fresh after every admin change, one rebuild under a stampede."""

from __future__ import annotations

import asyncio

import httpx
import redis.asyncio as aioredis

from mall.catalog.cache import CatalogCache, product_key
from mall.config import Settings
from tests.catalog_support import ADMIN, admin_headers, as_input, category, metric, product, sku
from tests.factories import assert_error

API = "/api/v1"


async def rebuilds(client: httpx.AsyncClient, cache: str) -> float:
    text = (await client.get("/metrics")).text
    return metric(text, "mall_cache_rebuilds_total", cache=cache)


async def test_price_edit_shows_on_the_next_read(
    client: httpx.AsyncClient, settings: Settings, redis: aioredis.Redis
) -> None:
    admin = await admin_headers(settings)
    cat = await category(client, admin, "服饰")
    made = await product(client, admin, category_id=cat)
    url = f"{API}/products/{made['id']}"
    assert (await client.get(url)).json()["skus"][0]["price"] == 4900
    assert (await client.get(f"{API}/products")).json()["items"][0]["min_price"] == 4900
    assert await redis.get(product_key(made["id"])) is not None  # served from the cache now

    body = as_input(made)
    body["skus"][0]["price"] = 3900
    edited = await client.put(f"{ADMIN}/products/{made['id']}", json=body, headers=admin)
    assert edited.status_code == 200

    detail = (await client.get(url)).json()
    assert detail["skus"][0]["price"] == 3900 and detail["min_price"] == 3900
    assert (await client.get(f"{API}/products")).json()["items"][0]["min_price"] == 3900

    # Stock, on/off sale, a new category and a hidden one: each visible at once.
    sku_id = made["skus"][0]["id"]
    await client.put(
        f"{ADMIN}/skus/{sku_id}/stock", json={"stock": 0, "reason": "售罄"}, headers=admin
    )
    assert (await client.get(url)).json()["skus"][0]["stock"] == 0
    await client.post(f"{ADMIN}/products/{made['id']}/off-sale", headers=admin)
    assert_error(await client.get(url), 404)
    assert (await client.get(f"{API}/products")).json()["items"] == []
    await client.post(f"{ADMIN}/products/{made['id']}/on-sale", headers=admin)
    assert (await client.get(url)).status_code == 200
    assert len((await client.get(f"{API}/categories")).json()) == 1
    await category(client, admin, "数码")
    assert len((await client.get(f"{API}/categories")).json()) == 2


async def test_a_stampede_on_a_cold_product_rebuilds_once(
    client: httpx.AsyncClient, settings: Settings, redis: aioredis.Redis
) -> None:
    admin = await admin_headers(settings)
    cat = await category(client, admin, "数码")
    made = await product(client, admin, category_id=cat, title="降噪耳机")
    await client.get(f"{API}/categories")  # the tree is warm; the product is cold
    assert await redis.get(product_key(made["id"])) is None
    before = await rebuilds(client, "product")

    async with httpx.AsyncClient(
        base_url=str(client.base_url), limits=httpx.Limits(max_connections=100)
    ) as many:
        answers = await asyncio.gather(
            *(many.get(f"{API}/products/{made['id']}") for _ in range(100))
        )

    assert {resp.status_code for resp in answers} == {200}
    assert {resp.json()["title"] for resp in answers} == {"降噪耳机"}
    assert await rebuilds(client, "product") - before == 1


async def test_the_redis_lock_makes_other_processes_wait(redis: aioredis.Redis) -> None:
    # Two caches are two API processes: each has its own single flight, only Redis is shared.
    builds = 0

    async def slow_build() -> str:
        nonlocal builds
        builds += 1
        await asyncio.sleep(0.1)
        return '{"id": 1}'

    processes = [CatalogCache(redis), CatalogCache(redis)]
    answers = await asyncio.gather(
        *(processes[i % 2].product(987_654, slow_build) for i in range(20))
    )
    assert answers == ['{"id": 1}'] * 20
    assert builds == 1


async def test_a_rebuild_racing_a_change_does_not_cache_the_old_value(
    redis: aioredis.Redis,
) -> None:
    cache = CatalogCache(redis)
    reading = asyncio.Event()
    release = asyncio.Event()

    async def build_from_before_the_change() -> str:
        reading.set()
        await release.wait()
        return '{"price": 4900}'

    stale = asyncio.create_task(cache.product(42, build_from_before_the_change))
    await reading.wait()
    await cache.invalidate_products([42])  # the admin's change commits meanwhile
    release.set()
    assert await stale == '{"price": 4900}'  # that reader got what it read...
    assert await redis.get(product_key(42)) is None  # ...but it was not cached

    async def build_after() -> str:
        return '{"price": 3900}'

    assert await cache.product(42, build_after) == '{"price": 3900}'
    assert await redis.get(product_key(42)) == '{"price": 3900}'


async def test_unknown_products_are_cached_as_absent(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    admin = await admin_headers(settings)
    cat = await category(client, admin, "服饰")
    before = await rebuilds(client, "product")
    for _ in range(3):
        assert_error(await client.get(f"{API}/products/1"), 404, "product_not_found")
    assert await rebuilds(client, "product") - before == 1
    # The product created next gets that id: it shows at once (the marker was dropped).
    made = await product(client, admin, category_id=cat, skus=[sku({}, 100)])
    assert made["id"] == 1
    assert (await client.get(f"{API}/products/1")).status_code == 200
