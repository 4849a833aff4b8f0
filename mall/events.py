"""Events: written to the outbox with the change, published to Redis right after commit.

Each channel has a bounded Redis stream (replay after reconnect; the stream id is the
event id clients see) and a pub/sub channel (live fan-out to every API process).
Publishing is at least once: a row is claimed for a lease, sent, then marked; a crash
leaves it to the sweeper.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any, Protocol

import orjson
from redis.asyncio.connection import parse_url
from tortoise import connections

from mall.observability import EVENTS_PUBLISHED
from models import OutboxEvent

log = logging.getLogger("mall.events")


STREAM_PREFIX = "mall:stream:"
STREAM_MAXLEN = 10_000
CLAIM_LEASE = timedelta(seconds=30)
ADMIN_CHANNEL = "admin"
# Sent events are marked published in batches, one UPDATE per this many seconds.
MARK_EVERY = 0.2


def live_prefix(redis_url: str) -> str:
    """The prefix of the live pub/sub channels for a Redis URL.

    Pub/sub channels are server-wide: a Redis database number does not apply to them. The
    database is named in the channel so that deployments (or test runs) sharing one Redis
    server on different databases never deliver each other's events to their sockets.
    """
    return f"mall:live:{int(parse_url(redis_url).get('db', 0))}:"


class EventName(StrEnum):
    ORDER_CREATED = "order.created"
    ORDER_PAID = "order.paid"
    ORDER_CANCELLED = "order.cancelled"
    ORDER_SHIPPED = "order.shipped"
    ORDER_COMPLETED = "order.completed"
    ORDER_REFUND_REQUESTED = "order.refund_requested"
    ORDER_REFUNDED = "order.refunded"
    PAYMENT_SUCCEEDED = "payment.succeeded"
    STOCK_CHANGED = "stock.changed"
    STOCK_LOW = "stock.low"


class Publishable(Protocol):
    """An outbox row as the publisher needs it."""

    @property
    def id(self) -> int: ...
    @property
    def channel(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def data(self) -> dict[str, Any]: ...
    @property
    def created_at(self) -> datetime | None: ...


@dataclass(frozen=True)
class Recorded:
    """An outbox row written by raw SQL (the order statement) rather than through the model."""

    id: int
    channel: str
    name: str
    data: dict[str, Any]
    created_at: datetime | None


def user_channel(user_id: int) -> str:
    return f"user:{user_id}"


def product_channel(product_id: int) -> str:
    return f"product:{product_id}"


# XADD and PUBLISH in one step, so live subscribers see events in stream-id order.
_PUBLISH = """
local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', 'e', ARGV[2])
redis.call('PUBLISH', KEYS[2], id .. ' ' .. ARGV[2])
return id
"""


async def record(*, channel: str, name: EventName | str, data: dict[str, Any]) -> OutboxEvent:
    """Write an event to the outbox; call inside the transaction of the change.

    The row is written claimed for CLAIM_LEASE by the process that will publish it after
    commit (as the order statements write theirs): the sweeper takes it only if that
    process dies or fails to send it.
    """
    return await OutboxEvent.create(
        channel=channel,
        name=str(name),
        data=data,
        claimed_until=datetime.now(UTC) + CLAIM_LEASE,
    )


def payload(event: Publishable) -> bytes:
    """What the stream stores: everything of the envelope but the id, which Redis assigns."""
    at = event.created_at or datetime.now(UTC)
    return orjson.dumps({"event": event.name, "data": event.data, "at": at.isoformat()})


def envelope(channel: str, stream_id: str, raw: bytes | str) -> dict[str, Any]:
    """The websocket message for one event (API.md: Websockets)."""
    body = orjson.loads(raw)
    return {
        "type": "event",
        "channel": channel,
        "id": stream_id,
        "event": body["event"],
        "data": body["data"],
        "at": body["at"],
    }


class PublishedMarks:
    """Marks sent events published, many at a time: one UPDATE per MARK_EVERY seconds for
    all of a process's events instead of one per change. Until marked, a row stays claimed
    (claimed_until), so the sweeper leaves it alone; if the process dies first, the
    sweeper sends it again once the claim runs out (at least once, as before)."""

    def __init__(self, every: float) -> None:
        self.every = every
        self._ids: list[int] = []
        self._sids: list[str] = []
        self._task: asyncio.Task[None] | None = None

    def add(self, ids: Sequence[int], sids: Sequence[str]) -> None:
        self._ids.extend(ids)
        self._sids.extend(sids)
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._later())

    async def _later(self) -> None:
        await asyncio.sleep(self.every)
        await self.flush()

    async def flush(self) -> None:
        """Write the marks now (shutdown, tests); on failure they wait for the next try."""
        while self._ids:
            ids, sids = self._ids, self._sids
            self._ids, self._sids = [], []
            try:
                await connections.get("default").execute_query(
                    "UPDATE outbox_events AS e"
                    " SET published_at = now(), stream_id = v.sid, claimed_until = NULL"
                    " FROM unnest($1::bigint[], $2::text[]) AS v(id, sid) WHERE e.id = v.id",
                    [ids, sids],
                )
            except Exception:
                log.warning("could not mark %d events published", len(ids), exc_info=True)
                self._ids[:0], self._sids[:0] = ids, sids
                if self._task is asyncio.current_task():
                    self._task = asyncio.get_running_loop().create_task(self._later())
                return

    async def close(self) -> None:
        """Flush and stop (a process shutting down)."""
        if self._task is not None and not self._task.done():
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        self._task = None
        await self.flush()


class Publisher:
    """One process's publisher: sends committed outbox events to their stream and live
    channel, marks them published, and sweeps what a crash or an outage left behind."""

    def __init__(self, redis: Any, *, live_prefix: str, mark_every: float = MARK_EVERY) -> None:
        self.redis = redis
        self.live_prefix = live_prefix
        self.marks = PublishedMarks(every=mark_every)

    @property
    def live_pattern(self) -> str:
        return self.live_prefix + "*"

    def _queue_one(self, pipe: Any, event: Publishable) -> None:
        pipe.eval(
            _PUBLISH,
            2,
            STREAM_PREFIX + event.channel,
            self.live_prefix + event.channel,
            STREAM_MAXLEN,
            payload(event),
        )

    async def _send(self, event: OutboxEvent) -> str:
        stream_id = await self.redis.eval(
            _PUBLISH,
            2,
            STREAM_PREFIX + event.channel,
            self.live_prefix + event.channel,
            STREAM_MAXLEN,
            payload(event),
        )
        sid = stream_id.decode() if isinstance(stream_id, bytes) else str(stream_id)
        await OutboxEvent.filter(id=event.id).update(
            published_at=datetime.now(UTC), stream_id=sid, claimed_until=None
        )
        EVENTS_PUBLISHED.labels(event.name).inc()
        return sid

    async def publish(self, events: Sequence[Publishable]) -> None:
        """Send events committed just now (written claimed by `record`, so no other
        publisher takes them meanwhile); on any failure the sweeper sends them once their
        claim runs out."""
        if not events:
            return
        try:
            async with self.redis.pipeline(transaction=False) as pipe:
                batch = self.queue(pipe, events)
                stream_ids = await pipe.execute()
        except Exception:
            ids = [e.id for e in events]
            log.warning("publishing events %s failed; the sweeper will retry", ids, exc_info=True)
            return
        self.sent(batch, stream_ids)

    def queue(self, pipe: Any, events: Sequence[Publishable]) -> list[Publishable]:
        """Add the sends of claimed events to a Redis pipeline the caller executes (together
        with other work after the same commit); pass what it returns and the pipeline's
        results for them to `sent`."""
        batch = sorted(events, key=lambda e: e.id)
        for event in batch:
            self._queue_one(pipe, event)
        return batch

    def sent(self, batch: Sequence[Publishable], stream_ids: Sequence[Any]) -> None:
        """Events of `queue` are out: mark them (in the next batch of marks).

        A failure part way leaves them all unmarked: the sweeper sends them again (at
        least once).
        """
        sids = [s.decode() if isinstance(s, bytes) else str(s) for s in stream_ids]
        self.marks.add([e.id for e in batch], sids)
        for event in batch:
            EVENTS_PUBLISHED.labels(event.name).inc()

    async def publish_unpublished(
        self, *, older_than: timedelta = timedelta(seconds=5), limit: int = 500
    ) -> int:
        """The sweeper: send, in id order, rows left unpublished (crash, Redis down)."""
        conn = connections.get("default")
        now = datetime.now(UTC)
        rows = await conn.execute_query_dict(
            """
            UPDATE outbox_events SET claimed_until = $1
            WHERE id IN (
                SELECT id FROM outbox_events
                WHERE published_at IS NULL AND created_at < $2
                  AND (claimed_until IS NULL OR claimed_until < $3)
                ORDER BY id LIMIT $4 FOR UPDATE SKIP LOCKED
            )
            RETURNING id
            """,
            [now + CLAIM_LEASE, now - older_than, now, limit],
        )
        if not rows:
            return 0
        events = await OutboxEvent.filter(id__in=[r["id"] for r in rows]).order_by("id")
        sent = 0
        for event in events:
            try:
                await self._send(event)
            except Exception:
                log.warning("sweeper could not publish event %s", event.id, exc_info=True)
                break
            sent += 1
        return sent

    async def sweep_forever(self, interval: float = 5.0) -> None:
        """Run the sweeper in the background of a process; any number of them may run."""
        while True:
            await asyncio.sleep(interval)
            try:
                while await self.publish_unpublished() > 0:
                    pass
            except Exception:
                log.warning("outbox sweep failed", exc_info=True)

    async def close(self) -> None:
        """Write the marks still waiting (a process shutting down)."""
        await self.marks.close()


async def replay(
    redis: Any, *, channel: str, after: str, limit: int = 1000
) -> list[dict[str, Any]]:
    """Events of a channel after a stream id, oldest first (for resume)."""
    entries = await redis.xrange(STREAM_PREFIX + channel, min=f"({after}", max="+", count=limit)
    result = []
    for stream_id, fields in entries:
        sid = stream_id.decode() if isinstance(stream_id, bytes) else stream_id
        raw = fields.get("e") if "e" in fields else fields.get(b"e")
        result.append(envelope(channel, sid, raw))
    return result
