"""The outbox: events written with the change, published after commit, swept if left behind."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import redis.asyncio as aioredis
from tortoise.transactions import in_transaction

from mall import events
from mall.runtime import Runtime
from models import OutboxEvent


async def _listen(redis_url: str, live_channel: str, ready: asyncio.Event, out: list[str]) -> None:
    client = aioredis.from_url(redis_url, decode_responses=True)
    pubsub = client.pubsub()
    await pubsub.subscribe(live_channel)
    ready.set()
    try:
        async for message in pubsub.listen():
            if message["type"] == "message":
                out.append(message["data"])
    finally:
        await pubsub.aclose()
        await client.aclose()


async def _claims_run_out() -> None:
    """What happens to the rows of a process that died before publishing them: their
    claim runs out (CLAIM_LEASE) and the sweeper may take them."""
    await OutboxEvent.filter(published_at=None).update(claimed_until=None)


async def test_publish_after_commit_reaches_stream_and_live(
    app_server, settings, redis, rt: Runtime
) -> None:
    received: list[str] = []
    ready = asyncio.Event()
    live = rt.events.live_channel("user:7")
    listener = asyncio.create_task(_listen(settings.redis_url, live, ready, received))
    await ready.wait()

    async with in_transaction():
        first = await events.record(channel="user:7", name="order.created", data={"order_id": 1})
        second = await events.record(channel="user:7", name="order.paid", data={"order_id": 1})
    await rt.events.publish([first, second])

    for _ in range(50):
        if len(received) == 2:
            break
        await asyncio.sleep(0.02)
    listener.cancel()
    assert len(received) == 2
    ids = [msg.split(" ", 1)[0] for msg in received]
    assert ids == sorted(ids, key=lambda i: tuple(map(int, i.split("-"))))
    replayed = await events.replay(redis, channel="user:7", after="0")
    assert [e["event"] for e in replayed] == ["order.created", "order.paid"]
    assert [e["id"] for e in replayed] == ids
    assert replayed[0]["data"] == {"order_id": 1} and replayed[0]["channel"] == "user:7"
    assert [e["outbox_id"] for e in replayed] == [first.id, second.id]
    # Marked published in the process's next batch of marks, within MARK_EVERY seconds;
    # until then the rows stay claimed, so the sweeper leaves them alone.
    rows = await OutboxEvent.all().order_by("id")
    assert all(r.published_at is None and r.claimed_until is not None for r in rows)
    assert await rt.events.publish_unpublished(older_than=timedelta(0)) == 0
    await asyncio.sleep(events.MARK_EVERY * 4)
    rows = await OutboxEvent.all().order_by("id")
    assert all(r.published_at is not None and r.claimed_until is None for r in rows)
    assert [r.stream_id for r in rows] == ids

    after_first = await events.replay(redis, channel="user:7", after=ids[0])
    assert [e["id"] for e in after_first] == ids[1:]


async def test_rolled_back_change_publishes_nothing(app_server, redis, rt: Runtime) -> None:
    try:
        async with in_transaction():
            await events.record(channel="user:8", name="order.created", data={})
            raise RuntimeError("the change failed")
    except RuntimeError:
        pass
    assert await OutboxEvent.all().count() == 0
    assert await rt.events.publish_unpublished(older_than=timedelta(0)) == 0


async def test_sweeper_publishes_rows_left_unpublished_in_order(
    app_server, redis, rt: Runtime
) -> None:
    # A process that died between commit and publish leaves rows like these behind.
    async with in_transaction():
        for n in range(5):
            await events.record(channel="product:3", name="stock.changed", data={"n": n})
    # Claimed by their (dead) publisher: the sweeper waits for the claim to run out.
    assert await rt.events.publish_unpublished(older_than=timedelta(0)) == 0
    await _claims_run_out()
    assert await rt.events.publish_unpublished(older_than=timedelta(seconds=60)) == 0
    assert await rt.events.publish_unpublished(older_than=timedelta(0)) == 5
    replayed = await events.replay(redis, channel="product:3", after="0")
    assert [e["data"]["n"] for e in replayed] == [0, 1, 2, 3, 4]
    # Nothing is sent twice.
    assert await rt.events.publish_unpublished(older_than=timedelta(0)) == 0
    assert len(await events.replay(redis, channel="product:3", after="0")) == 5


async def test_concurrent_sweepers_send_each_row_once(app_server, redis, rt: Runtime) -> None:
    async with in_transaction():
        for n in range(40):
            await events.record(channel="admin", name="stock.low", data={"n": n})
    await _claims_run_out()
    counts = await asyncio.gather(
        *(rt.events.publish_unpublished(older_than=timedelta(0), limit=10) for _ in range(8))
    )
    while sum(counts) < 40:
        more = await rt.events.publish_unpublished(older_than=timedelta(0))
        assert more > 0
        counts.append(more)
    assert sum(counts) == 40
    assert len(await events.replay(redis, channel="admin", after="0")) == 40
