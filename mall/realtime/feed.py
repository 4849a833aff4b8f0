"""This process's live feed: a subscription to each channel its sockets need, no more.

Standalone Redis and Sentinel: one pub/sub connection with SUBSCRIBE/UNSUBSCRIBE per
channel (a process receives only the events of channels its sockets are on, however many
processes there are). Redis Cluster: sharded pub/sub, one connection per node owning a
wanted channel's slot, SSUBSCRIBE there (as Centrifugo's nodes do); a slot that moves
(failover, resharding) is followed.

When a connection is lost and comes back, messages published meanwhile were never
received: the feed reports a gap for its channels and the hub replays them from the
streams (mall/realtime/hub.py), so a socket misses nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

import redis.asyncio as aioredis
from redis.asyncio.client import PubSub
from redis.asyncio.cluster import RedisCluster

from mall.events import channel_of_live, live_channel, stream_key

log = logging.getLogger("mall.realtime")

OnMessage = Callable[[str, str], None]
OnGap = Callable[[list[str]], Awaitable[None]]

# How long a read waits before the loop looks around (health check, reconnect, cancel).
POLL = 1.0
CONFIRM_TIMEOUT = 3.0
BACKOFF_FIRST, BACKOFF_MAX = 0.1, 2.0


class _WatchedPubSub(PubSub):
    """A PubSub that counts the times its connection came back (redis-py reconnects and
    resubscribes inside a retried read; the messages in between are gone)."""

    reconnects = 0

    async def on_connect(self, connection: Any) -> None:
        self.reconnects += 1
        await super().on_connect(connection)


class _Subscriber:
    """One pub/sub connection and the channels subscribed on it."""

    def __init__(
        self,
        client: Any,
        *,
        name: str,
        prefix: str,
        sharded: bool,
        on_message: OnMessage,
        on_gap: OnGap,
        on_moved: Callable[[str], None] | None = None,
    ) -> None:
        self.client = client
        self.name = name
        self.prefix = prefix
        self.sharded = sharded
        self.on_message = on_message
        self.on_gap = on_gap
        self.on_moved = on_moved
        self.channels: set[str] = set()
        self.pubsub: _WatchedPubSub | None = None
        self._confirmed: dict[str, asyncio.Future[None]] = {}
        self._unsubscribing: set[str] = set()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        await self._close()
        if isinstance(self.client, aioredis.Redis) and self.sharded:
            await self.client.aclose()

    async def _close(self) -> None:
        if self.pubsub is not None:
            with contextlib.suppress(Exception):
                await self.pubsub.aclose()
            self.pubsub = None

    def _pubsub(self) -> _WatchedPubSub:
        if self.pubsub is None:
            self.pubsub = _WatchedPubSub(self.client.connection_pool)
        return self.pubsub

    async def _send(self, subscribe: bool, channels: list[str]) -> None:
        names = [live_channel(self.prefix, c) for c in channels]
        pubsub = self._pubsub()
        if self.sharded:
            await (pubsub.ssubscribe if subscribe else pubsub.sunsubscribe)(*names)
        else:
            await (pubsub.subscribe if subscribe else pubsub.unsubscribe)(*names)

    async def add(self, channel: str) -> None:
        """Subscribe and wait (bounded) for Redis to confirm, so nothing published after
        this returns is missed."""
        waiter = self._confirmed.get(channel)
        if channel in self.channels and waiter is not None:
            if not waiter.done():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(asyncio.shield(waiter), CONFIRM_TIMEOUT)
            return
        self.channels.add(channel)
        self._unsubscribing.discard(channel)
        if waiter is None or waiter.done():
            waiter = asyncio.get_running_loop().create_future()
            self._confirmed[channel] = waiter
            try:
                await self._send(True, [channel])
            except Exception:
                log.warning("could not subscribe to %s; the feed will retry", channel)
                return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.shield(waiter), CONFIRM_TIMEOUT)

    async def remove(self, channel: str) -> None:
        self.channels.discard(channel)
        self._confirmed.pop(channel, None)
        self._unsubscribing.add(channel)
        with contextlib.suppress(Exception):
            await self._send(False, [channel])

    async def _run(self) -> None:
        backoff = BACKOFF_FIRST
        broken = False
        while True:
            try:
                pubsub = self._pubsub()
                if broken:
                    # A new connection: subscribe again, then replay what was missed.
                    if self.channels:
                        await self._send(True, sorted(self.channels))
                    broken = False
                    await self.on_gap(sorted(self.channels))
                seen = pubsub.reconnects
                message = await pubsub.get_message(timeout=POLL) if pubsub.subscribed else None
                if message is None and not pubsub.subscribed:
                    await asyncio.sleep(POLL / 10)
                if pubsub.reconnects != seen:
                    await self.on_gap(sorted(self.channels))
                if message is not None:
                    self._handle(message)
                backoff = BACKOFF_FIRST
            except asyncio.CancelledError:
                raise
            except Exception:
                log.warning("live feed %s lost; reconnecting", self.name, exc_info=True)
                await self._close()
                broken = True
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, BACKOFF_MAX)

    def _handle(self, message: dict[str, Any]) -> None:
        kind = message.get("type")
        live = _text(message.get("channel"))
        channel = channel_of_live(self.prefix, live) if live else ""
        if kind in ("message", "smessage"):
            self.on_message(channel, _text(message["data"]))
        elif kind in ("subscribe", "ssubscribe"):
            waiter = self._confirmed.get(channel)
            if waiter is not None and not waiter.done():
                waiter.set_result(None)
        elif (
            kind == "sunsubscribe"
            and channel in self.channels
            and channel not in self._unsubscribing
            and self.on_moved is not None
        ):
            # Not ours: the cluster moved the slot away from this node.
            self.channels.discard(channel)
            self.on_moved(channel)


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value or "")


class LiveFeed:
    """The subscriptions of one process, one per channel with local sockets."""

    def __init__(self, redis: Any, *, prefix: str, on_message: OnMessage, on_gap: OnGap) -> None:
        self.redis = redis
        self.prefix = prefix
        self.on_message = on_message
        self.on_gap = on_gap
        self.cluster = isinstance(redis, RedisCluster)
        self._subscribers: dict[str, _Subscriber] = {}
        self._owner: dict[str, _Subscriber] = {}

    async def start(self) -> None:
        if self.cluster:
            await self.redis.initialize()  # the slot map, to find each channel's node
        else:
            self._subscribers["main"] = self._new("main", self.redis)

    async def stop(self) -> None:
        for subscriber in list(self._subscribers.values()):
            await subscriber.stop()
        self._subscribers.clear()
        self._owner.clear()

    @property
    def channels(self) -> set[str]:
        return set(self._owner)

    def _new(self, name: str, client: Any) -> _Subscriber:
        subscriber = _Subscriber(
            client,
            name=name,
            prefix=self.prefix,
            sharded=self.cluster,
            on_message=self.on_message,
            on_gap=self.on_gap,
            on_moved=self._moved if self.cluster else None,
        )
        subscriber.start()
        return subscriber

    def _subscriber_for(self, channel: str) -> _Subscriber:
        if not self.cluster:
            return self._subscribers["main"]
        node = self.redis.get_node_from_key(live_channel(self.prefix, channel))
        subscriber = self._subscribers.get(node.name)
        if subscriber is None:
            # A plain connection to the node owning the slot: SSUBSCRIBE there.
            client = aioredis.Redis(
                host=node.host,
                port=node.port,
                decode_responses=True,
                socket_connect_timeout=2,
                health_check_interval=10,
            )
            subscriber = self._new(node.name, client)
            self._subscribers[node.name] = subscriber
        return subscriber

    async def want(self, channel: str) -> None:
        """Subscribe to a channel (the first local socket on it)."""
        subscriber = self._subscriber_for(channel)
        self._owner[channel] = subscriber
        await subscriber.add(channel)

    async def release(self, channel: str) -> None:
        """Unsubscribe from a channel (its last local socket left)."""
        subscriber = self._owner.pop(channel, None)
        if subscriber is not None:
            await subscriber.remove(channel)

    def _moved(self, channel: str) -> None:
        """A cluster slot moved: find the new owner, subscribe there, replay the gap."""
        asyncio.get_running_loop().create_task(self._follow(channel))

    async def _follow(self, channel: str) -> None:
        if channel not in self._owner:
            return
        backoff = BACKOFF_FIRST
        while channel in self._owner:
            try:
                await self.redis.nodes_manager.initialize()
                await self.want(channel)
                await self.on_gap([channel])
                return
            except Exception:
                log.warning("could not follow %s to its new node", channel, exc_info=True)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, BACKOFF_MAX)


async def last_stream_ids(redis: Any, channels: Iterable[str]) -> dict[str, str]:
    """The newest stream id of each channel ("0-0" for none)."""
    found: dict[str, str] = {}
    for channel in channels:
        entries = await redis.xrevrange(stream_key(channel), max="+", min="-", count=1)
        if entries:
            sid = entries[0][0]
            found[channel] = sid.decode() if isinstance(sid, bytes) else str(sid)
        else:
            found[channel] = "0-0"
    return found
