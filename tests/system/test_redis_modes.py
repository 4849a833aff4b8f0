"""mall on Redis as production runs it: a 6-node Cluster and a Sentinel set, started by
the test on loopback, with real API, worker and scheduler processes.

One tour uses every thing mall keeps in Redis: login (tokens, rate limits), the catalog
cache, orders (events, schedules), payment through the simulator, a cancel, a timeout
(scheduler + worker through the task stream), sockets (live fan-out, resume), logout
(the deny list); each socket must get every event of its channels exactly once and in
order, compared with the outbox, and each API process must subscribe only to the
channels its own sockets are on.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from mall.events import live_channel
from models import Order
from tests.live_support import LiveSocket, assert_exactly_once_in_order, outbox_ids
from tests.mall_stack import (
    MallStack,
    new_customer,
    open_shop,
    pay,
    place,
    set_order_timeout,
)
from tests.redis_servers import SENTINEL_MASTER, ClusterSet, SentinelSet


async def until(check: Any, *, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not await check():
        assert time.monotonic() < deadline, what
        await asyncio.sleep(0.05)


async def order_status(order_id: int) -> str:
    return (await Order.get(id=order_id)).status


async def subscribers(redis: Any, channel: str, *, prefix: str, sharded: bool) -> int:
    name = live_channel(prefix, channel)
    if sharded:
        node = redis.get_node_from_key(name)
        answer = await redis.execute_command("PUBSUB", "SHARDNUMSUB", name, target_nodes=node)
    else:
        answer = await redis.execute_command("PUBSUB", "NUMSUB", name)
    if isinstance(answer, dict):
        return int(next(iter(answer.values())))
    return int(answer[1])


async def tour(
    stack: MallStack, sim: httpx.AsyncClient, redis: Any, *, prefix: str, sharded: bool
) -> None:
    api_a, api_b = stack.base_urls[0], stack.base_urls[-1]
    async with (
        httpx.AsyncClient(base_url=api_a, timeout=15) as http,
        httpx.AsyncClient(base_url=api_b, timeout=15) as http_b,
    ):
        shop = await open_shop(http)
        product = await http.get(f"/api/v1/products/{shop.product_id}")  # cache miss
        assert product.status_code == 200, product.text
        assert (await http_b.get(f"/api/v1/products/{shop.product_id}")).json() == product.json()
        alice = await new_customer(http, "tour-alice")
        user_channel, product_channel = f"user:{alice.user_id}", f"product:{shop.product_id}"
        user_socket = LiveSocket([api_b], "/ws", alice.token)
        admin_socket = LiveSocket([api_a], "/ws/admin", shop.admin_token)
        await user_socket.open()
        await user_socket.subscribe(product_channel)
        await admin_socket.open()
        try:
            # Each process is subscribed to its own sockets' channels only.
            expected_subs = {user_channel: 1, product_channel: 1, "admin": 1}
            if len(stack.base_urls) > 1:
                expected_subs["admin"] = 1  # the admin socket is on A only

            async def subscribed() -> bool:
                got = {
                    c: await subscribers(redis, c, prefix=prefix, sharded=sharded)
                    for c in expected_subs
                }
                return got == expected_subs

            await until(subscribed, timeout=5, what="per-channel subscriptions")

            paid = await place(http, shop, alice)
            await pay(http, sim, alice, paid)

            async def is_paid() -> bool:
                return await order_status(paid["id"]) == "paid"

            await until(is_paid, timeout=10, what="paid")
            cancelled = await place(http_b, shop, alice)
            resp = await http_b.post(
                f"/api/v1/orders/{cancelled['id']}/cancel", headers=alice.headers
            )
            assert resp.status_code == 200, resp.text
            await set_order_timeout(http, shop, 2)
            expiring = await place(http, shop, alice)

            async def timed_out() -> bool:
                return await order_status(expiring["id"]) == "cancelled"

            await until(timed_out, timeout=15, what="the timeout cancellation")

            for socket, channel in (
                (user_socket, user_channel),
                (user_socket, product_channel),
                (admin_socket, "admin"),
            ):
                expected = await outbox_ids(channel)
                await socket.wait_for_outbox_ids(channel, set(expected))
                assert_exactly_once_in_order(socket, channel, expected)
            names = [e["event"] for e in user_socket.events[user_channel]]
            assert names.count("order.created") == 3 and names.count("order.cancelled") == 2
            assert "order.paid" in names and "payment.succeeded" in names

            # A client back after a drop resumes from the first event it had.
            first = user_socket.events[user_channel][0]
            late = LiveSocket([api_a], "/ws", alice.token)
            late.home, late.last_id[user_channel] = user_channel, first["id"]
            await late.open()
            rest = [e["outbox_id"] for e in user_socket.events[user_channel][1:]]
            await late.wait_for_outbox_ids(user_channel, set(rest))
            assert late.outbox_ids(user_channel) == rest
            await late.close()

            # Logout reaches the open socket (the deny list in Redis).
            await http.post("/api/v1/auth/logout", headers=alice.headers)

            async def closed() -> bool:
                return 4401 in user_socket.closes

            await until(closed, timeout=10, what="the socket closed by logout")
        finally:
            await user_socket.close()
            await admin_socket.close()


@pytest.fixture
async def sim(wechat_sim: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=wechat_sim, timeout=15) as http:
        yield http


async def test_the_whole_shop_on_a_redis_cluster(
    app_server: Any, sim: httpx.AsyncClient, tmp_path: Path
) -> None:
    from redis.asyncio.cluster import RedisCluster

    cluster = ClusterSet(tmp_path / "cluster")
    await cluster.start()
    stack = MallStack(
        tmp_path / "logs", {"MALL_REDIS_URL": cluster.url, "MALL_REDIS_CLUSTER": "true"}
    )
    (tmp_path / "logs").mkdir()
    redis = RedisCluster.from_url(cluster.url, decode_responses=True)
    await redis.initialize()
    try:
        await stack.start(apis=2)
        await tour(stack, sim, redis, prefix="mall:live:", sharded=True)
        await a_burst_waits_for_free_connections(
            MALL_REDIS_URL=cluster.url, MALL_REDIS_CLUSTER="true"
        )
    finally:
        await redis.aclose()
        await stack.stop()
        await cluster.stop()


async def a_burst_waits_for_free_connections(**environment: str) -> None:
    """Far more concurrent commands and pipelines than the pool holds all succeed: callers
    wait for a free connection (a burst of sockets joining one channel failed with
    MaxConnectionsError once)."""
    from mall.config import Settings
    from mall.resources import redis_client

    with pytest.MonkeyPatch.context() as env:
        for name, value in {**environment, "MALL_REDIS_POOL_MAX": "2"}.items():
            env.setenv(name, value)
        settings = Settings()
    client = redis_client(settings)
    try:
        await client.set("{burst}:key", "1")

        async def one(n: int) -> Any:
            if n % 5 == 0:
                async with client.pipeline(transaction=False) as pipe:
                    pipe.get("{burst}:key")
                    pipe.xrevrange(f"{{burst}}:stream:{n}", count=1)
                    return (await pipe.execute())[0]
            return await client.get("{burst}:key")

        answers = await asyncio.gather(*(one(n) for n in range(200)))
        assert answers == ["1"] * 200
    finally:
        await client.aclose()


async def test_the_whole_shop_behind_redis_sentinel(
    app_server: Any, sim: httpx.AsyncClient, tmp_path: Path
) -> None:
    import redis.asyncio as aioredis

    sentinels = SentinelSet(tmp_path / "sentinel")
    await sentinels.start()
    stack = MallStack(
        tmp_path / "logs",
        {
            "MALL_REDIS_SENTINELS": sentinels.addresses,
            "MALL_REDIS_SENTINEL_MASTER": SENTINEL_MASTER,
            "MALL_REDIS_URL": "redis://ignored/0",
        },
    )
    (tmp_path / "logs").mkdir()
    redis = aioredis.Redis(port=sentinels.master.port, decode_responses=True)
    try:
        await stack.start(apis=2)
        await tour(stack, sim, redis, prefix="mall:live:0:", sharded=False)
        await a_burst_waits_for_free_connections(
            MALL_REDIS_SENTINELS=sentinels.addresses,
            MALL_REDIS_SENTINEL_MASTER=SENTINEL_MASTER,
            MALL_REDIS_URL="redis://ignored/0",
        )
    finally:
        await redis.aclose()
        await stack.stop()
        await sentinels.stop()
