"""Per-process websocket fan-out: one Redis subscription feeds every local socket.

A message goes straight to the socket's transport when the client keeps up (nothing
queued, nothing buffered), as websockets' own broadcast() does: no task per message and
socket, so one event reaches thousands of sockets in one pass. Otherwise it waits in the
socket's bounded queue, drained by a task of its own that exists only while messages
wait: a slow or stuck client only ever fills its own queue (and is dropped when it
overflows or a send hangs), the fan-out never waits on a socket, and an idle socket costs
no task. Timers are per process, not per socket or message: one watchdog for hung sends,
one recheck of every socket's token (logout, ban); a socket also ends when its token
expires.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import defaultdict, deque
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from websockets.protocol import State

from mall import events
from mall.auth import service as auth
from mall.auth.tokens import Claims
from mall.observability import LIVE_EVENTS_RECEIVED, WS_CONNECTIONS
from mall.realtime.feed import LiveFeed, last_stream_ids
from mall.realtime.slots import Slot, SocketSlots

log = logging.getLogger("mall.realtime")

SEND_QUEUE_SIZE = 256
# Seconds a handshake's cap slots wait for its socket to claim them.
CLAIM_SECONDS = 10.0
# A send still waiting for the client to read after this long (give or take a watchdog
# round) drops the client.
SEND_TIMEOUT = 10.0
# Tokens rechecked per round trip (one MGET of 2 keys each, one query).
RECHECK_BATCH = 1000
# A resume or a gap replays at most this many events; older ones are `resume_too_old`.
REPLAY_MAX = 1000

# Close codes (4000-4999 are the application's): the client reconnects on 1012/1013.
CLOSE_AUTH = 4401
CLOSE_TOO_SLOW = 4408
CLOSE_RESTART = 1012
CLOSE_NO_PONG = 1011


# Outbox ids a socket remembers per channel: an event published again after Redis lost
# it (a new stream id, the same outbox id) comes within seconds of the first.
RECENT_OUTBOX_IDS = 256


class _Recent:
    """A bounded set of the last RECENT_OUTBOX_IDS outbox ids."""

    __slots__ = ("ids", "order")

    def __init__(self) -> None:
        self.ids: set[int] = set()
        self.order: deque[int] = deque()

    def add(self, outbox_id: int) -> bool:
        if outbox_id in self.ids:
            return False
        self.ids.add(outbox_id)
        self.order.append(outbox_id)
        if len(self.order) > RECENT_OUTBOX_IDS:
            self.ids.discard(self.order.popleft())
        return True


_OUTBOX_KEY = '"outbox_id":'


def outbox_id_of(text: str) -> int | None:
    """The outbox id of an event message, read without parsing it (the key comes last)."""
    at = text.rfind(_OUTBOX_KEY)
    if at < 0:
        return None
    digits = text[at + len(_OUTBOX_KEY) :].rstrip("}").strip()
    return int(digits) if digits.isdigit() else None


def _stream_key(stream_id: str) -> tuple[int, int]:
    ms, _, seq = stream_id.partition("-")
    return int(ms), int(seq or 0)


class Connection:
    """One websocket: its channels, what waits to be sent and what it was sent per channel."""

    __slots__ = (
        "_closer",
        "channels",
        "claims",
        "close_code",
        "close_reason",
        "ended",
        "endpoint",
        "first_live",
        "floor",
        "last_sent",
        "loop",
        "max_subscriptions",
        "outbox",
        "recent",
        "replaying",
        "sender",
        "sending_since",
        "slots",
        "ws",
    )

    def __init__(
        self,
        ws: Any,
        *,
        endpoint: str,
        claims: Claims,
        max_subscriptions: int,
        slots: Sequence[Slot] = (),
    ) -> None:
        self.ws = ws
        self.endpoint = endpoint
        self.claims = claims
        self.max_subscriptions = max_subscriptions
        # Its places under the per-account and per-address caps, refreshed by the hub.
        self.slots = slots
        self.channels: set[str] = set()
        self.last_sent: dict[str, tuple[int, int]] = {}
        # The channel's newest stream id when this socket joined it: a gap in the live
        # feed is replayed to it from there (or from what it was last sent).
        self.floor: dict[str, tuple[int, int]] = {}
        # The outbox ids sent lately per channel (made on the first event: an idle socket
        # keeps none).
        self.recent: dict[str, _Recent] = {}
        # The first event each channel got live: everything from it to last_sent was sent,
        # so a resume asked for later must not send those again.
        self.first_live: dict[str, tuple[int, int]] = {}
        # Live events that arrive while a channel is being replayed wait here.
        self.replaying: dict[str, list[tuple[str, str]]] = {}
        # Messages waiting for a slow client (made when one has to wait: most sockets never
        # need it).
        self.outbox: deque[str] | None = None
        self.sender: asyncio.Task[None] | None = None
        # When the send under way began (loop time), for the watchdog.
        self.sending_since: float | None = None
        self.loop = asyncio.get_running_loop()
        # Set when the socket is to end: closed by us (close_code) or left by the client.
        self.ended = False
        self.close_code = 1000
        self.close_reason = ""
        self._closer: asyncio.Task[None] | None = None

    @property
    def closed(self) -> bool:
        return self.ended

    def send_json_text(self, text: str) -> None:
        """Send a message now, or queue it; a full queue means the client is not keeping up:
        drop it."""
        if self.closed or (self.sender is None and self._write_now(text)):
            return
        if self.outbox is None:
            self.outbox = deque()
        if len(self.outbox) >= SEND_QUEUE_SIZE:
            self.close(CLOSE_TOO_SLOW, "client too slow")
            return
        self.outbox.append(text)
        if self.sender is None:
            self.sender = self.loop.create_task(self._send_queued())

    def _write_now(self, text: str) -> bool:
        """Write TEXT's frame to the transport if that cannot wait or reorder anything: no
        message queued (the caller checks) or being sent, nothing left unsent in the
        transport's buffer. This is what Sanic's ws.send() does, minus the coroutine."""
        ws = self.ws
        transport = getattr(ws.io_proto, "transport", None)
        if (
            transport is None
            or transport.is_closing()
            or transport.get_write_buffer_size()
            or ws.conn_mutex.locked()
            or ws.ws_proto.state is not State.OPEN
        ):
            return False
        ws.ws_proto.send_text(text.encode())
        for data in ws.ws_proto.data_to_send():
            transport.write(data)
        return True

    def offer_event(
        self, channel: str, stream_id: str, text: str, key: tuple[int, int] | None = None
    ) -> None:
        """Deliver a live event unless it was already sent (replay overlap, or the same
        outbox event published again under a new stream id after Redis lost it) or is held
        back."""
        pending = self.replaying.get(channel)
        if pending is not None:
            pending.append((stream_id, text))
            return
        key = key or _stream_key(stream_id)
        if key <= self.last_sent.get(channel, (-1, -1)):
            return
        self.last_sent[channel] = key
        self.first_live.setdefault(channel, key)
        if not self.first_delivery(channel, outbox_id_of(text)):
            return
        self.send_json_text(text)

    def first_delivery(self, channel: str, outbox_id: int | None) -> bool:
        """Remember the outbox ids recently sent on a channel; False if this one was."""
        if outbox_id is None:
            return True
        seen = self.recent.get(channel)
        if seen is None:
            seen = self.recent[channel] = _Recent()
        return seen.add(outbox_id)

    def close(self, code: int, reason: str) -> None:
        """End the socket with CODE: the close frame goes out (after a send under way), and
        the socket's handler, waiting for the client, stops."""
        if self.closed:
            return
        self.close_code, self.close_reason = code, reason
        self.ended = True
        self._closer = self.loop.create_task(self._close_frame())

    async def _close_frame(self) -> None:
        sender = self.sender
        if sender is not None:
            # Let a send under way finish (e.g. a final error) before the close frame.
            with contextlib.suppress(TimeoutError, Exception):
                await asyncio.wait_for(asyncio.shield(sender), 1)
            sender.cancel()
            await asyncio.gather(sender, return_exceptions=True)
        with contextlib.suppress(Exception):
            await self.ws.close(self.close_code, self.close_reason)

    async def closing(self) -> None:
        """Wait until the close frame is out (a no-op when the client closed first)."""
        if self._closer is not None:
            await asyncio.gather(self._closer, return_exceptions=True)

    async def _send_queued(self) -> None:
        """Send until the queue is empty."""
        try:
            while self.outbox and not self.closed:
                self.sending_since = self.loop.time()
                await self.ws.send(self.outbox.popleft())
            self.outbox = None
        except Exception:
            self.close(CLOSE_TOO_SLOW, "send failed")
        finally:
            self.sending_since = None
            self.sender = None

    def send_hung(self, now: float) -> bool:
        return self.sending_since is not None and now - self.sending_since > SEND_TIMEOUT


class ResumeTooOld(Exception):
    """A resume asked for events the stream no longer keeps."""


class Hub:
    """Local sockets by channel, fed by this process's subscriptions to exactly the live
    channels they are on (mall/realtime/feed.py)."""

    def __init__(
        self,
        redis: Any,
        *,
        live_prefix: str,
        recheck_seconds: float = 15.0,
        slot_ttl: float = 60.0,
        ping_interval: float = 20.0,
    ) -> None:
        self.redis = redis
        self.live_prefix = live_prefix
        self.recheck_seconds = recheck_seconds
        self.slots = SocketSlots(redis, ttl=slot_ttl)
        self.ping_interval = ping_interval
        self.by_channel: dict[str, set[Connection]] = defaultdict(set)
        self.connections: set[Connection] = set()
        self._tasks: list[asyncio.Task[None]] = []
        self._releases: set[asyncio.Task[None]] = set()
        # Cap slots taken at a handshake, by member, until a socket claims them (register):
        # a handshake that fails after the slots were taken gives them back on this timer.
        self._unclaimed: dict[str, asyncio.TimerHandle] = {}
        self.feed = LiveFeed(
            redis, prefix=live_prefix, on_message=self.dispatch, on_gap=self.fill_gaps
        )
        # Set while no socket is open (a stopping server waits for it).
        self._all_gone = asyncio.Event()
        self._all_gone.set()

    async def start(self) -> None:
        await self.feed.start()
        self._tasks = [
            asyncio.create_task(self._recheck_forever()),
            asyncio.create_task(self._watch_sends_forever()),
            asyncio.create_task(self._refresh_slots_forever()),
            asyncio.create_task(self._ping_forever()),
        ]

    async def stop(self, grace: float = 2.0) -> None:
        """Tell every socket to reconnect elsewhere (1012) and wait, up to `grace` seconds,
        for their handlers to send the close frame before the server drops connections."""
        for conn in list(self.connections):
            conn.close(CLOSE_RESTART, "server restarting")
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self.connections:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._all_gone.wait(), grace)
        await self.feed.stop()

    def hold(self, slots: Sequence[Slot]) -> None:
        """Slots just taken for a handshake: given back in CLAIM_SECONDS unless a socket
        claims them (the handshake can still fail, and then no handler ever runs)."""
        if slots:
            member = slots[0].member
            self._unclaimed[member] = asyncio.get_running_loop().call_later(
                CLAIM_SECONDS, self._give_back, tuple(slots)
            )

    def register(self, conn: Connection) -> None:
        if conn.slots and (timer := self._unclaimed.pop(conn.slots[0].member, None)):
            timer.cancel()
        self.connections.add(conn)
        self._all_gone.clear()
        WS_CONNECTIONS.labels(conn.endpoint).inc()

    def unregister(self, conn: Connection) -> None:
        if conn.slots:
            # A task of its own: the handler calling this may be being cancelled.
            self._give_back(conn.slots)
            conn.slots = ()
        if conn in self.connections:
            self.connections.discard(conn)
            WS_CONNECTIONS.labels(conn.endpoint).dec()
            if not self.connections:
                self._all_gone.set()
        for channel in list(conn.channels):
            self.leave(conn, channel)

    async def join(self, conn: Connection, channel: str) -> None:
        """Put a socket on a channel: subscribed (confirmed by Redis) before this returns,
        so every event published from now on reaches it."""
        conn.channels.add(channel)
        self.by_channel[channel].add(conn)
        floor = (await last_stream_ids(self.redis, [channel]))[channel]
        conn.floor[channel] = _stream_key(floor)
        await self.feed.want(channel)

    def leave(self, conn: Connection, channel: str) -> None:
        conn.channels.discard(channel)
        conn.last_sent.pop(channel, None)
        conn.first_live.pop(channel, None)
        conn.floor.pop(channel, None)
        conn.recent.pop(channel, None)
        subscribers = self.by_channel.get(channel)
        if subscribers is not None:
            subscribers.discard(conn)
            if not subscribers:
                del self.by_channel[channel]
                task = asyncio.get_running_loop().create_task(self.feed.release(channel))
                self._releases.add(task)
                task.add_done_callback(self._releases.discard)

    def _give_back(self, slots: Sequence[Slot]) -> None:
        self._unclaimed.pop(slots[0].member, None)
        task = asyncio.get_running_loop().create_task(self._give_back_now(slots))
        self._releases.add(task)
        task.add_done_callback(self._releases.discard)

    async def _give_back_now(self, slots: Sequence[Slot]) -> None:
        try:
            await self.slots.give_back(slots)
        except Exception:
            # Unrefreshed, they lapse by themselves within the slot TTL.
            log.warning("could not give back socket slots", exc_info=True)

    async def fill_gaps(self, channels: list[str]) -> None:
        """The live feed missed messages on these channels (its connection was lost):
        replay each from the streams to its sockets, after what each was last sent, ahead
        of the live events arriving meanwhile. A channel that cannot be replayed closes
        its sockets with 1012, so their clients reconnect and resume."""
        for channel in channels:
            conns = [
                c
                for c in self.by_channel.get(channel, ())
                if not c.closed and channel not in c.replaying
            ]
            if not conns:
                continue
            start = min(max(c.last_sent.get(channel, (0, 0)), c.floor[channel]) for c in conns)
            for conn in conns:
                conn.replaying[channel] = []
            try:
                missed = await self._replay_all(channel, f"{start[0]}-{start[1]}")
            except Exception:
                log.warning("could not replay %s after a feed gap", channel, exc_info=True)
                missed = None
            for conn in conns:
                held = conn.replaying.pop(channel, [])
                if missed is None:
                    conn.close(CLOSE_RESTART, "events missed; resume")
                    continue
                floor = max(conn.last_sent.get(channel, (-1, -1)), conn.floor[channel])
                for envelope in missed:
                    if _stream_key(envelope["id"]) > floor:
                        conn.offer_event(channel, envelope["id"], _dumps(envelope))
                for stream_id, text in held:
                    conn.offer_event(channel, stream_id, text)

    async def _trimmed_past(self, channel: str, after: str) -> bool:
        """True if the stream dropped events newer than `after` (its max-deleted-entry-id,
        Redis 7)."""
        try:
            info = await self.redis.xinfo_stream(events.stream_key(channel))
        except Exception:  # no stream: nothing kept, nothing dropped that we can know of
            return False
        deleted = info.get("max-deleted-entry-id") if isinstance(info, dict) else None
        if not deleted:
            return False
        text = deleted.decode() if isinstance(deleted, bytes) else str(deleted)
        return _stream_key(text) > _stream_key(after)

    async def _replay_all(self, channel: str, after: str) -> list[dict[str, Any]]:
        """Every event of a channel after `after`, in pages."""
        found: list[dict[str, Any]] = []
        while True:
            page = await events.replay(self.redis, channel=channel, after=after, limit=1000)
            found += page
            if len(page) < 1000 or len(found) >= REPLAY_MAX:
                return found
            after = page[-1]["id"]

    async def resume(self, conn: Connection, channel: str, after: str) -> int:
        """Send what the channel had after `after`, in order, then carry on live.
        ResumeTooOld if events after `after` are gone (trimmed, expired) or too many. Live
        events arriving meanwhile (or since the caller began holding them) wait until the
        missed ones are out."""
        conn.replaying.setdefault(channel, [])
        try:
            if await self._trimmed_past(channel, after):
                raise ResumeTooOld(channel)
            missed = await self._replay_all(channel, after)
            if len(missed) >= REPLAY_MAX:
                raise ResumeTooOld(channel)
        except Exception:
            # The live events held meanwhile still go (after the error, the client reloads).
            for stream_id, text in conn.replaying.pop(channel, []):
                conn.offer_event(channel, stream_id, text)
            raise
        # Live events may already have gone out on this channel (between the welcome and
        # this resume): those are skipped; older ones the client missed still go, after
        # them (the ids tell the order).
        sent_from = conn.first_live.get(channel)
        sent_to = conn.last_sent.get(channel, (-1, -1))
        replayed = 0
        for envelope in missed:
            key = _stream_key(envelope["id"])
            if sent_from is not None and sent_from <= key <= sent_to:
                continue
            if not conn.first_delivery(channel, envelope.get("outbox_id")):
                continue
            conn.send_json_text(_dumps(envelope))
            sent_to = max(sent_to, key)
            replayed += 1
        conn.last_sent[channel] = max(sent_to, _stream_key(after))
        conn.first_live.pop(channel, None)
        held = conn.replaying.pop(channel)
        for stream_id, text in held:
            conn.offer_event(channel, stream_id, text)
        return replayed

    def dispatch(self, channel: str, message: str) -> None:
        LIVE_EVENTS_RECEIVED.inc()
        subscribers = self.by_channel.get(channel)
        if not subscribers:
            return
        stream_id, _, payload = message.partition(" ")
        # The stored payload is the envelope minus type/channel/id: splice them in once
        # for all subscribers instead of encoding per socket.
        text = f'{{"type":"event","channel":"{channel}","id":"{stream_id}",{payload[1:]}'
        key = _stream_key(stream_id)
        for conn in list(subscribers):
            conn.offer_event(channel, stream_id, text, key)

    def close_expired(self) -> None:
        """End the sockets whose token expired (one sweep for all, not a timer each)."""
        now = time.time()
        for conn in list(self.connections):
            if conn.claims.expires_at <= now:
                conn.close(CLOSE_AUTH, "token expired")

    async def recheck(self) -> None:
        """End the sockets whose token expired, was revoked or whose account was banned or
        disabled since the handshake: a few bulk look-ups per RECHECK_BATCH sockets, not
        one each."""
        self.close_expired()
        sockets = [c for c in self.connections if not c.closed]
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

    async def _refresh_slots_forever(self) -> None:
        """Vouch for the open sockets' cap slots before they lapse (see mall.realtime.slots)."""
        while True:
            await asyncio.sleep(self.slots.ttl / 3)
            held = [slot for conn in self.connections for slot in conn.slots]
            try:
                for start in range(0, len(held), RECHECK_BATCH):
                    await self.slots.refresh(held[start : start + RECHECK_BATCH])
            except Exception:
                log.warning("could not refresh socket slots; retrying", exc_info=True)

    async def _ping_forever(self) -> None:
        """One timer for every socket (not a task each): a ping per interval; a socket
        whose last ping got no pong by the next round is dead and closed."""
        while True:
            await asyncio.sleep(self.ping_interval)
            self.ping_all()

    def ping_all(self) -> None:
        """One heartbeat round: close the sockets whose last ping got no pong, ping the
        others (a socket busy writing is pinged next round; the send watchdog covers it
        meanwhile)."""
        for conn in list(self.connections):
            if conn.closed:
                continue
            if conn.ws.awaiting_pong:
                conn.close(CLOSE_NO_PONG, "no pong")
                continue
            try:
                conn.ws.ping_now()
            except Exception:
                log.debug("no ping to a socket closing meanwhile", exc_info=True)

    async def _watch_sends_forever(self) -> None:
        """Drop the clients whose send has waited past SEND_TIMEOUT for them to read."""
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(SEND_TIMEOUT / 4)
            now = loop.time()
            for conn in [c for c in self.connections if c.send_hung(now)]:
                conn.close(CLOSE_TOO_SLOW, "send timed out")


def _text(value: str | bytes) -> str:
    return value.decode() if isinstance(value, bytes) else value


def _dumps(envelope: dict[str, Any]) -> str:
    import orjson

    return orjson.dumps(envelope).decode()


Authorizer = Callable[[str], Awaitable[bool]]
