"""Per-process websocket fan-out: one Redis subscription feeds every local socket.

Each socket has a bounded send queue drained by its own task, so a slow or stuck client
only ever fills its own queue (and is dropped when it overflows); the fan-out loop never
waits on a socket. Tokens are rechecked for all sockets of the process at once (logout,
ban), and each socket ends when its token expires.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable
from typing import Any

from mall import events
from mall.auth import service as auth
from mall.auth.tokens import Claims
from mall.observability import WS_CONNECTIONS

log = logging.getLogger("mall.realtime")

SEND_QUEUE_SIZE = 256
SEND_TIMEOUT = 10.0
# Tokens rechecked per round trip (one MGET of 2 keys each, one query).
RECHECK_BATCH = 1000

# Close codes (4000-4999 are the application's): the client reconnects on 1012/1013.
CLOSE_AUTH = 4401
CLOSE_TOO_SLOW = 4408
CLOSE_RESTART = 1012


def _stream_key(stream_id: str) -> tuple[int, int]:
    ms, _, seq = stream_id.partition("-")
    return int(ms), int(seq or 0)


class Connection:
    """One websocket: its channels, its send queue and what it has been sent per channel."""

    def __init__(self, ws: Any, *, endpoint: str, claims: Claims, max_subscriptions: int) -> None:
        self.ws = ws
        self.endpoint = endpoint
        self.claims = claims
        self.max_subscriptions = max_subscriptions
        self.channels: set[str] = set()
        self.queue: asyncio.Queue[str | None] = asyncio.Queue(SEND_QUEUE_SIZE)
        self.last_sent: dict[str, tuple[int, int]] = {}
        # Live events that arrive while a channel is being replayed wait here.
        self.replaying: dict[str, list[tuple[str, str]]] = {}
        self.closed = asyncio.Event()
        self.close_code = 1000
        self.close_reason = ""
        self.expiry: asyncio.TimerHandle | None = None

    def send_json_text(self, text: str) -> None:
        """Queue a message; a full queue means the client is not keeping up: drop it."""
        if self.closed.is_set():
            return
        try:
            self.queue.put_nowait(text)
        except asyncio.QueueFull:
            self.close(CLOSE_TOO_SLOW, "client too slow")

    def offer_event(self, channel: str, stream_id: str, text: str) -> None:
        """Deliver a live event unless it was already sent (replay overlap) or is held back."""
        pending = self.replaying.get(channel)
        if pending is not None:
            pending.append((stream_id, text))
            return
        key = _stream_key(stream_id)
        if key <= self.last_sent.get(channel, (-1, -1)):
            return
        self.last_sent[channel] = key
        self.send_json_text(text)

    def close(self, code: int, reason: str) -> None:
        if self.closed.is_set():
            return
        self.close_code, self.close_reason = code, reason
        self.closed.set()
        with contextlib.suppress(asyncio.QueueFull):
            self.queue.put_nowait(None)

    async def run_sender(self) -> None:
        """Drain the queue to the socket; a send that hangs past SEND_TIMEOUT drops it."""
        while True:
            text = await self.queue.get()
            if text is None or self.closed.is_set():
                return
            try:
                await asyncio.wait_for(self.ws.send(text), SEND_TIMEOUT)
            except (TimeoutError, Exception):
                self.close(CLOSE_TOO_SLOW, "send failed")
                return


class Hub:
    """Local sockets by channel, fed by one pattern subscription to the live channels."""

    def __init__(self, redis: Any, *, recheck_seconds: float = 15.0) -> None:
        self.redis = redis
        self.recheck_seconds = recheck_seconds
        self.by_channel: dict[str, set[Connection]] = defaultdict(set)
        self.connections: set[Connection] = set()
        self._tasks: list[asyncio.Task[None]] = []
        self._subscribed = asyncio.Event()

    async def start(self) -> None:
        self._tasks = [
            asyncio.create_task(self._read_forever()),
            asyncio.create_task(self._recheck_forever()),
        ]
        await asyncio.wait_for(self._subscribed.wait(), 10)

    async def stop(self) -> None:
        for conn in list(self.connections):
            conn.close(CLOSE_RESTART, "server restarting")
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    def register(self, conn: Connection) -> None:
        self.connections.add(conn)
        WS_CONNECTIONS.labels(conn.endpoint).inc()
        conn.expiry = asyncio.get_running_loop().call_later(
            max(conn.claims.expires_at - time.time(), 0), conn.close, CLOSE_AUTH, "token expired"
        )

    def unregister(self, conn: Connection) -> None:
        if conn.expiry is not None:
            conn.expiry.cancel()
        if conn in self.connections:
            self.connections.discard(conn)
            WS_CONNECTIONS.labels(conn.endpoint).dec()
        for channel in list(conn.channels):
            self.leave(conn, channel)

    def join(self, conn: Connection, channel: str) -> None:
        conn.channels.add(channel)
        self.by_channel[channel].add(conn)

    def leave(self, conn: Connection, channel: str) -> None:
        conn.channels.discard(channel)
        conn.last_sent.pop(channel, None)
        subscribers = self.by_channel.get(channel)
        if subscribers is not None:
            subscribers.discard(conn)
            if not subscribers:
                del self.by_channel[channel]

    async def resume(self, conn: Connection, channel: str, after: str) -> int:
        """Send what the channel had after `after`, in order, then carry on live."""
        conn.replaying[channel] = []
        try:
            missed = await events.replay(self.redis, channel=channel, after=after)
        except Exception:
            conn.replaying.pop(channel, None)
            raise
        conn.last_sent[channel] = _stream_key(after)
        held = conn.replaying.pop(channel)
        for envelope in missed:
            conn.offer_event(channel, envelope["id"], _dumps(envelope))
        for stream_id, text in held:
            conn.offer_event(channel, stream_id, text)
        return len(missed)

    def dispatch(self, channel: str, message: str) -> None:
        subscribers = self.by_channel.get(channel)
        if not subscribers:
            return
        stream_id, _, payload = message.partition(" ")
        # The stored payload is the envelope minus type/channel/id: splice them in once
        # for all subscribers instead of encoding per socket.
        text = f'{{"type":"event","channel":"{channel}","id":"{stream_id}",{payload[1:]}'
        for conn in list(subscribers):
            conn.offer_event(channel, stream_id, text)

    async def recheck(self) -> None:
        """End the sockets whose token was revoked or whose account was banned or disabled
        since the handshake: a few bulk look-ups per RECHECK_BATCH sockets, not one each."""
        sockets = list(self.connections)
        for start in range(0, len(sockets), RECHECK_BATCH):
            batch = sockets[start : start + RECHECK_BATCH]
            refused = await auth.refused_now(self.redis, tokens=[c.claims for c in batch])
            for conn in batch:
                if (code := refused.get(conn.claims.jti)) is not None:
                    conn.close(CLOSE_AUTH, code)

    async def _recheck_forever(self) -> None:
        while True:
            await asyncio.sleep(self.recheck_seconds)
            try:
                await self.recheck()
            except Exception:
                log.warning("could not recheck socket tokens; retrying", exc_info=True)

    async def _read_forever(self) -> None:
        prefix_len = len(events.LIVE_PREFIX)
        while True:
            pubsub = self.redis.pubsub()
            try:
                await pubsub.psubscribe(events.LIVE_PATTERN)
                self._subscribed.set()
                async for message in pubsub.listen():
                    if message.get("type") != "pmessage":
                        continue
                    channel = _text(message["channel"])[prefix_len:]
                    self.dispatch(channel, _text(message["data"]))
            except asyncio.CancelledError:
                await pubsub.aclose()
                raise
            except Exception:
                log.warning("live subscription lost; resubscribing", exc_info=True)
                await pubsub.aclose()
                await asyncio.sleep(1)


def _text(value: str | bytes) -> str:
    return value.decode() if isinstance(value, bytes) else value


def _dumps(envelope: dict[str, Any]) -> str:
    import orjson

    return orjson.dumps(envelope).decode()


Authorizer = Callable[[str], Awaitable[bool]]
