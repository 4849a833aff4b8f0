"""Publishing that survives faults, piece by piece, on a Redis server of the test's own:
once per outbox id, shielded from cancellation, retried in order, an order's events never
overtaking each other, a process subscribed to its channels only, a lost feed replayed,
and what Redis lost put back from the outbox."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import orjson
import pytest
import redis.asyncio as aioredis
from tortoise.transactions import in_transaction

from mall import events, recovery
from mall.config import Settings
from mall.events import Publisher, live_channel, stream_key
from mall.jobs import Jobs
from mall.jobs.broker import make_broker
from mall.jobs.schedule_source import SortedSetScheduleSource
from mall.realtime.feed import LiveFeed
from mall.resources import redis_client
from mall.runtime import Runtime
from models import Order, OutboxEvent
from tests.factories import bearer, login, make_address, make_product
from tests.redis_servers import RedisServer

PREFIX = "mall:live:0:"


@pytest.fixture
async def private_redis(app_server, tmp_path: Path) -> AsyncIterator[RedisServer]:
    server = RedisServer(tmp_path)
    await server.start()
    yield server
    await server.stop()


def client_of(server: RedisServer) -> aioredis.Redis:
    """A client as mall builds them (timeouts, health checks, retries), on this server."""
    client: aioredis.Redis = redis_client(
        Settings(redis_url=server.url, redis_socket_timeout=1), max_connections=10
    )
    return client


async def record(channel: str, name: str = "order.created", **data: object) -> OutboxEvent:
    async with in_transaction():
        return await events.record(channel=channel, name=name, data=dict(data))


async def stream_outbox_ids(redis: aioredis.Redis, channel: str) -> list[int]:
    entries = await redis.xrange(stream_key(channel))
    return [orjson.loads(fields["e"])["outbox_id"] for _, fields in entries]


async def test_an_event_published_twice_is_delivered_once(private_redis: RedisServer) -> None:
    redis = client_of(private_redis)
    publisher = Publisher(redis, live_prefix=PREFIX)
    pubsub = redis.pubsub()
    await pubsub.subscribe(live_channel(PREFIX, "user:1"))
    try:
        event = await record("user:1", order_id=1)
        await publisher.publish([event])
        await publisher.publish([event])  # a retry after a timeout, a sweeper, a failover
        await OutboxEvent.filter(id=event.id).update(claimed_until=None, published_at=None)
        await publisher.publish_unpublished(older_than=timedelta(0))
        assert await stream_outbox_ids(redis, "user:1") == [event.id]
        live = []
        for _ in range(20):
            message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=0.1)
            if message is not None:
                live.append(message["data"])
        assert len(live) == 1 and f'"outbox_id":{event.id}' in live[0]
    finally:
        await publisher.close()
        await pubsub.aclose()
        await redis.aclose()


async def test_a_publish_outlives_the_request_that_started_it(private_redis: RedisServer) -> None:
    redis = client_of(private_redis)
    publisher = Publisher(redis, live_prefix=PREFIX)
    try:
        event = await record("user:2", order_id=2)
        # A handler cancelled mid-publish (WeChat's 5 s timeout, a client gone).
        handler = asyncio.create_task(publisher.publish([event]))
        await asyncio.sleep(0)
        handler.cancel()
        with pytest.raises(asyncio.CancelledError):
            await handler
        for _ in range(100):
            if await stream_outbox_ids(redis, "user:2"):
                break
            await asyncio.sleep(0.01)
        assert await stream_outbox_ids(redis, "user:2") == [event.id]
    finally:
        await publisher.close()
        await redis.aclose()


async def test_a_failed_publish_is_retried_at_once_and_later_events_wait_behind_it(
    private_redis: RedisServer,
) -> None:
    redis = client_of(private_redis)
    publisher = Publisher(redis, live_prefix=PREFIX)
    try:
        first = await record("user:3", name="order.created", order_id=3)
        second = await record("user:3", name="order.paid", order_id=3)
        other = await record("user:4", name="order.created", order_id=4)
        private_redis.pause()
        try:
            await publisher.publish([first])  # times out: left to this process's retries
            assert publisher.waiting == 1
        finally:
            private_redis.resume()
        # Redis is back; a later event of the same channel must not pass the first.
        await publisher.publish([second, other])
        for _ in range(200):
            if publisher.waiting == 0:
                break
            await asyncio.sleep(0.02)
        assert publisher.waiting == 0
        assert await stream_outbox_ids(redis, "user:3") == [first.id, second.id]
        assert await stream_outbox_ids(redis, "user:4") == [other.id]
    finally:
        await publisher.close()
        await redis.aclose()


async def test_a_transition_sends_the_orders_earlier_unpublished_events_first(
    client: httpx.AsyncClient, settings, rt: Runtime
) -> None:
    _, (sku,) = await make_product(skus=[({"颜色": "红"}, 1000, 10)])
    session = await login(client, "early")
    user_id, headers = session["user"]["id"], bearer(session["access_token"])
    body = {"items": [{"sku_id": sku.id, "quantity": 1}], "address_id": await make_address(user_id)}
    order = (await client.post("/api/v1/orders", json=body, headers=headers)).json()
    channel = f"user:{user_id}"
    # The process that placed it died before publishing: order.created never went out.
    created = await OutboxEvent.filter(name="order.created", channel=channel).first()
    assert created is not None
    await rt.redis.delete(stream_key(channel), events.dedupe_key(channel))
    await OutboxEvent.filter(data__contains={"order_id": order["id"]}).update(
        published_at=None, claimed_until=datetime.now(UTC) + timedelta(minutes=5)
    )
    resp = await client.post(f"/api/v1/orders/{order['id']}/cancel", headers=headers)
    assert resp.status_code == 200, resp.text
    names = []
    for _ in range(100):
        entries = await rt.redis.xrange(stream_key(channel))
        names = [orjson.loads(fields["e"])["event"] for _, fields in entries]
        if len(names) >= 2:
            break
        await asyncio.sleep(0.02)
    assert names[:2] == ["order.created", "order.cancelled"]


async def test_a_process_subscribes_to_its_sockets_channels_only(
    private_redis: RedisServer,
) -> None:
    redis = client_of(private_redis)
    got: list[tuple[str, str]] = []

    async def no_gap(channels: list[str]) -> None:
        return None

    feed = LiveFeed(redis, prefix=PREFIX, on_message=lambda c, m: got.append((c, m)), on_gap=no_gap)
    await feed.start()
    try:
        await feed.want("user:7")
        await redis.publish(live_channel(PREFIX, "user:7"), "1-0 {}")
        await redis.publish(live_channel(PREFIX, "user:8"), "2-0 {}")
        active = await redis.pubsub_channels()
        assert sorted(active) == [live_channel(PREFIX, "user:7")]
        for _ in range(100):
            if got:
                break
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.1)
        assert got == [("user:7", "1-0 {}")]
        await feed.release("user:7")
        for _ in range(100):
            if not await redis.pubsub_channels():
                break
            await asyncio.sleep(0.01)
        assert await redis.pubsub_channels() == []
    finally:
        await feed.stop()
        await redis.aclose()


async def test_a_lost_feed_reports_its_channels_for_replay(private_redis: RedisServer) -> None:
    redis = client_of(private_redis)
    gaps: list[list[str]] = []

    async def gap(channels: list[str]) -> None:
        gaps.append(channels)

    feed = LiveFeed(redis, prefix=PREFIX, on_message=lambda c, m: None, on_gap=gap)
    await feed.start()
    try:
        await feed.want("user:9")
        await private_redis.restart()  # messages published meanwhile never reached it
        for _ in range(300):
            if gaps:
                break
            await asyncio.sleep(0.02)
        assert gaps and gaps[0] == ["user:9"]
        # ... and it is subscribed again on the new connection.
        for _ in range(200):
            if await redis.pubsub_channels():
                break
            await asyncio.sleep(0.02)
        assert await redis.pubsub_channels() == [live_channel(PREFIX, "user:9")]
    finally:
        await feed.stop()
        await redis.aclose()


async def test_what_redis_lost_is_put_back_from_the_outbox(
    private_redis: RedisServer, rt: Runtime, settings
) -> None:
    redis = client_of(private_redis)
    raw = redis_client(Settings(redis_url=private_redis.url), decode=False)
    jobs = Jobs(
        make_broker(settings),
        SortedSetScheduleSource(lambda: raw, prefix="mall:schedule:{s}"),
    )
    private = dataclasses.replace(
        rt, redis=redis, events=Publisher(redis, live_prefix=PREFIX), jobs=jobs, background=[]
    )
    try:
        published = [await record("user:11", order_id=11 + n) for n in range(3)]
        await private.events.publish(published)
        pending = await Order.create(
            order_no="20261202000000000777",
            user_id=11,
            status="pending_payment",
            goods_amount=100,
            freight_amount=0,
            discount_amount=0,
            pay_amount=100,
            address={},
            expires_at=datetime.now(UTC) + timedelta(minutes=10),
        )
        before = await recovery.redis_identity(redis)
        await private_redis.restart()  # no persistence: everything is gone
        after = await recovery.redis_identity(redis)
        assert after != before
        assert await stream_outbox_ids(redis, "user:11") == []
        assert await recovery.recover(private, identity=after)
        assert not await recovery.recover(private, identity=after)  # once per new Redis
        assert await stream_outbox_ids(redis, "user:11") == [e.id for e in published]
        due = await raw.zscore("mall:schedule:{s}:due", f"cancel-unpaid:{pending.id}")
        assert due == pytest.approx(pending.expires_at.timestamp(), abs=0.001)
        # Published again after a second loss of nothing: still once each.
        await private.events.republish_recent(window=timedelta(minutes=1))
        assert await stream_outbox_ids(redis, "user:11") == [e.id for e in published]
    finally:
        await private.events.close()
        await redis.aclose()
        await raw.aclose()


async def test_an_event_published_again_after_redis_forgot_it_reaches_a_socket_once(
    client: httpx.AsyncClient, base_url: str, rt: Runtime
) -> None:
    import websockets

    session = await login(client, "once")
    channel = f"user:{session['user']['id']}"
    url = base_url.replace("http://", "ws://") + f"/ws?token={session['access_token']}"
    async with websockets.connect(url) as ws:
        assert orjson.loads(await ws.recv())["type"] == "welcome"
        first = await record(channel, order_id=1)
        await rt.events.publish([first])
        got = orjson.loads(await asyncio.wait_for(ws.recv(), 5))
        assert got["outbox_id"] == first.id
        # Redis lost what it knew of it (a failover before the replica had it) and the
        # outbox is published again: a new stream id, the same outbox id.
        await rt.redis.delete(events.dedupe_key(channel))
        await rt.events.publish([first])
        assert len(await stream_outbox_ids(rt.redis, channel)) == 2
        second = await record(channel, order_id=2)
        await rt.events.publish([second])
        got = orjson.loads(await asyncio.wait_for(ws.recv(), 5))
        assert got["outbox_id"] == second.id
