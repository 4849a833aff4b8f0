"""Events: written to the outbox with the change, published to Redis right after commit.

Each channel has a bounded Redis stream (replay after reconnect; the stream id is the
event id clients see) and a live pub/sub channel (fan-out to the API processes whose
sockets need it). Every event carries its outbox id, and publishing is idempotent per
outbox id: the script that appends to the stream and publishes live first looks the id up
among the channel's recently published ones, so a publish repeated after a crash, a
timeout or a Redis failover never delivers an event twice. That makes it safe to publish
eagerly and to retry freely:

- the publish after commit is shielded from the request's cancellation, and what fails is
  retried by the process at once, with backoff, in order per channel (later events of a
  channel wait behind a failed one);
- rows left unpublished (a process killed between commit and publish) are claimed for a
  short lease only, and a sweeper in every API process sends them once it runs out;
- a transition of an order first sends that order's earlier events still unpublished, so
  order.paid never overtakes order.created;
- after Redis lost writes (a restart, a Sentinel failover) the recent window of the outbox
  is published again (`republish_recent`): what survived is found and skipped, what was
  lost is sent.

Keys carry the channel as a hash tag ({user:7}), so a channel's stream, its dedupe index
and its live channel live in one Redis Cluster slot and one script touches them together.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any, Protocol

import orjson
from tortoise import connections

from mall.observability import EVENTS_PUBLISHED
from models import OutboxEvent

log = logging.getLogger("mall.events")

STREAM_MAXLEN = 10_000
# The outbox ids a channel remembers as published (at least; trimmed in steps of 1,000).
DEDUPE_WINDOW = 20_000
# A channel's stream and dedupe index expire this long after its last event: idle user
# channels do not stay in Redis forever. Resuming from an older id is `resume_too_old`.
CHANNEL_TTL = timedelta(days=3)
# A row is claimed by the process that publishes it for this long; a row still
# unpublished after that is the sweeper's (safe: publishing twice delivers once).
CLAIM_LEASE = timedelta(seconds=5)
SWEEP_EVERY = 1.0
ADMIN_CHANNEL = "admin"
# Sent events are marked published in batches, one UPDATE per this many seconds.
MARK_EVERY = 0.2
# In-process retries of a failed publish: 50 ms doubling to 2 s.
RETRY_FIRST, RETRY_MAX = 0.05, 2.0


def stream_key(channel: str) -> str:
    return f"mall:stream:{{{channel}}}"


def dedupe_key(channel: str) -> str:
    return f"mall:published:{{{channel}}}"


def live_prefix(*, database: int, cluster: bool) -> str:
    """The prefix of the live channels.

    Pub/sub channels are server-wide: a Redis database number does not apply to them. The
    database is named in the channel so that deployments (or test runs) sharing one Redis
    server on different databases never deliver each other's events to their sockets. A
    cluster has one database.
    """
    return "mall:live:" if cluster else f"mall:live:{database}:"


def live_channel(prefix: str, channel: str) -> str:
    return f"{prefix}{{{channel}}}"


def channel_of_live(prefix: str, live: str) -> str:
    """The event channel of a live channel name (its hash tag)."""
    return live[len(prefix) + 1 : -1]


class EventName(StrEnum):
    ORDER_CREATED = "order.created"
    ORDER_PAID = "order.paid"
    ORDER_CANCELLED = "order.cancelled"
    ORDER_SHIPPED = "order.shipped"
    ORDER_COMPLETED = "order.completed"
    # Staff changed an unpaid or unshipped order: its address or its price.
    ORDER_UPDATED = "order.updated"
    ORDER_REFUND_REQUESTED = "order.refund_requested"
    ORDER_REFUNDED = "order.refunded"
    PAYMENT_SUCCEEDED = "payment.succeeded"
    AFTER_SALE_REQUESTED = "after_sale.requested"
    AFTER_SALE_APPROVED = "after_sale.approved"
    AFTER_SALE_REJECTED = "after_sale.rejected"
    AFTER_SALE_CANCELLED = "after_sale.cancelled"
    AFTER_SALE_RETURNED = "after_sale.returned"
    AFTER_SALE_RECEIVED = "after_sale.received"
    AFTER_SALE_REFUNDED = "after_sale.refunded"
    STOCK_CHANGED = "stock.changed"
    STOCK_LOW = "stock.low"
    FLASH_SALE_STARTED = "flash_sale.started"
    FLASH_SALE_ENDED = "flash_sale.ended"
    FLASH_SALE_STOCK = "flash_sale.stock"
    GROUP_PROGRESS = "group.progress"
    GROUP_COMPLETED = "group.completed"
    GROUP_FAILED = "group.failed"
    # The daily reconciliation found the trade bill and our records disagree.
    RECONCILIATION_MISMATCH = "reconciliation.mismatch"
    # A staff change (product, coupon, settings, staff, ...) written to the audit log.
    ADMIN_ACTION = "admin.action"


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


# Append to the channel's stream and publish live, once per outbox id: an id the channel
# already published answers with the stream id it got then. KEYS: stream, dedupe index.
# ARGV: outbox id, payload, live channel, PUBLISH or SPUBLISH, stream max length, dedupe
# window, channel ttl (ms).
_PUBLISH = """
local oid = ARGV[1]
local seen = redis.call('ZRANGEBYSCORE', KEYS[2], oid, oid)
if seen[1] then
  return string.sub(seen[1], string.len(oid) + 2)
end
local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[5], '*', 'e', ARGV[2])
redis.call(ARGV[4], ARGV[3], id .. ' ' .. ARGV[2])
redis.call('ZADD', KEYS[2], oid, oid .. ':' .. id)
local n = redis.call('ZCARD', KEYS[2])
local keep = tonumber(ARGV[6])
if n > keep + 1000 then
  redis.call('ZREMRANGEBYRANK', KEYS[2], 0, n - keep - 1)
end
redis.call('PEXPIRE', KEYS[1], ARGV[7])
redis.call('PEXPIRE', KEYS[2], ARGV[7])
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
    return orjson.dumps(
        {"event": event.name, "data": event.data, "at": at.isoformat(), "outbox_id": event.id}
    )


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
        "outbox_id": body.get("outbox_id"),
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
    channel, retries what failed, marks what was sent, sweeps what others left behind."""

    def __init__(
        self,
        redis: Any,
        *,
        live_prefix: str,
        sharded: bool = False,
        mark_every: float = MARK_EVERY,
    ) -> None:
        self.redis = redis
        self.live_prefix = live_prefix
        # A cluster publishes to shard channels (SPUBLISH): only the nodes owning the slot
        # carry the message, and only the processes subscribed to it receive it.
        self.publish_command = "SPUBLISH" if sharded else "PUBLISH"
        self.marks = PublishedMarks(every=mark_every)
        # Events that failed to go out, per channel, oldest first; later events of these
        # channels queue behind them.
        self._waiting: dict[str, deque[Publishable]] = {}
        self._retrier: asyncio.Task[None] | None = None
        self._ttl_ms = int(CHANNEL_TTL.total_seconds() * 1000)

    def live_channel(self, channel: str) -> str:
        return live_channel(self.live_prefix, channel)

    def _queue_one(self, pipe: Any, event: Publishable) -> None:
        pipe.eval(
            _PUBLISH,
            2,
            stream_key(event.channel),
            dedupe_key(event.channel),
            event.id,
            payload(event),
            self.live_channel(event.channel),
            self.publish_command,
            STREAM_MAXLEN,
            DEDUPE_WINDOW,
            self._ttl_ms,
        )

    async def publish(self, events: Sequence[Publishable]) -> None:
        """Send events committed just now. Shielded: a caller cancelled meanwhile (a client
        gone, WeChat's 5 s timeout) does not stop it; a failure leaves them to this
        process's retries, not to the sweeper's lease."""
        if events:
            await asyncio.shield(self._publish(list(events)))

    async def _publish(self, events: list[Publishable]) -> None:
        if self.blocked(events):
            self._retry_later(events)
            return
        try:
            async with self.redis.pipeline(transaction=False) as pipe:
                batch = self.queue(pipe, events)
                stream_ids = await pipe.execute()
        except Exception:
            log.warning("publishing events %s failed; retrying", [e.id for e in events])
            self._retry_later(events)
            return
        self.sent(batch, stream_ids)

    def queue(self, pipe: Any, events: Sequence[Publishable]) -> list[Publishable]:
        """Add the sends of events to a Redis pipeline the caller executes (together with
        other work after the same commit); pass what it returns and the pipeline's results
        for them to `sent`, or to `failed` if the pipeline failed."""
        batch = sorted(events, key=lambda e: e.id)
        for event in batch:
            self._queue_one(pipe, event)
        return batch

    def sent(self, batch: Sequence[Publishable], stream_ids: Sequence[Any]) -> None:
        """Events of `queue` are out: mark them (in the next batch of marks)."""
        sids = [s.decode() if isinstance(s, bytes) else str(s) for s in stream_ids]
        self.marks.add([e.id for e in batch], sids)
        for event in batch:
            EVENTS_PUBLISHED.labels(event.name).inc()

    def failed(self, batch: Sequence[Publishable]) -> None:
        """Events of `queue` did not go out: retry them in this process."""
        self._retry_later(batch)

    def blocked(self, events: Sequence[Publishable]) -> bool:
        """True if a channel of these events has earlier events waiting for a retry (they
        must not be overtaken: send these through `failed`, behind them)."""
        return any(self._waiting.get(e.channel) for e in events)

    def _retry_later(self, events: Sequence[Publishable]) -> None:
        for event in sorted(events, key=lambda e: e.id):
            self._waiting.setdefault(event.channel, deque()).append(event)
        if self._retrier is None or self._retrier.done():
            self._retrier = asyncio.get_running_loop().create_task(self._retry_forever())

    @property
    def waiting(self) -> int:
        """Events waiting for a retry in this process (metrics, tests)."""
        return sum(len(queue) for queue in self._waiting.values())

    async def _retry_forever(self) -> None:
        delay = RETRY_FIRST
        while self._waiting:
            await asyncio.sleep(delay)
            batch = [event for queue in self._waiting.values() for event in queue]
            try:
                async with self.redis.pipeline(transaction=False) as pipe:
                    for event in batch:  # each channel's events in id order
                        self._queue_one(pipe, event)
                    stream_ids = await pipe.execute()
            except Exception:
                delay = min(delay * 2, RETRY_MAX)
                log.warning("retrying %d unpublished events in %.2f s", len(batch), delay)
                continue
            for event in batch:
                queue = self._waiting.get(event.channel)
                if queue and queue[0] is event:
                    queue.popleft()
                    if not queue:
                        del self._waiting[event.channel]
            self.sent(batch, stream_ids)
            delay = RETRY_FIRST

    async def publish_unpublished(
        self, *, older_than: timedelta = timedelta(seconds=1), limit: int = 500
    ) -> int:
        """The sweeper: send, in id order, rows left unpublished whose claim ran out (their
        process died, or failed to send them and could not retry)."""
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
        try:
            async with self.redis.pipeline(transaction=False) as pipe:
                batch = self.queue(pipe, events)
                stream_ids = await pipe.execute()
        except Exception:
            log.warning("sweeper could not publish %d events", len(events), exc_info=True)
            return 0
        self.sent(batch, stream_ids)
        await self.marks.flush()
        return len(batch)

    async def republish_recent(self, *, window: timedelta) -> int:
        """Redis lost writes (a restart without every write on disk, a failover before the
        replica had them): publish the last `window` of the outbox again. What survived is
        found in the dedupe index and skipped; what was lost goes out."""
        since = datetime.now(UTC) - window
        sent = 0
        last_id = 0
        while True:
            events = (
                await OutboxEvent.filter(created_at__gte=since, id__gt=last_id)
                .order_by("id")
                .limit(500)
            )
            if not events:
                return sent
            async with self.redis.pipeline(transaction=False) as pipe:
                batch = self.queue(pipe, events)
                stream_ids = await pipe.execute()
            self.sent(batch, stream_ids)
            sent += len(batch)
            last_id = events[-1].id

    async def sweep_forever(self, interval: float = SWEEP_EVERY) -> None:
        """Run the sweeper in the background of a process; any number of them may run."""
        while True:
            await asyncio.sleep(interval)
            try:
                while await self.publish_unpublished() > 0:
                    pass
            except Exception:
                log.warning("outbox sweep failed", exc_info=True)

    async def close(self) -> None:
        """Give the retries a last chance, then write the marks still waiting (a process
        shutting down); what is still unsent is left to the sweepers."""
        if self._retrier is not None and not self._retrier.done():
            try:
                await asyncio.wait_for(asyncio.shield(self._retrier), RETRY_MAX)
            except TimeoutError:
                self._retrier.cancel()
                await asyncio.gather(self._retrier, return_exceptions=True)
        await self.marks.close()


async def replay(
    redis: Any, *, channel: str, after: str, limit: int = 1000
) -> list[dict[str, Any]]:
    """Events of a channel after a stream id, oldest first (for resume)."""
    entries = await redis.xrange(stream_key(channel), min=f"({after}", max="+", count=limit)
    result = []
    for stream_id, fields in entries:
        sid = stream_id.decode() if isinstance(stream_id, bytes) else stream_id
        raw = fields.get("e") if "e" in fields else fields.get(b"e")
        result.append(envelope(channel, sid, raw))
    return result


async def purge_published(*, older_than: timedelta, batch: int = 5000) -> int:
    """Delete published outbox rows created more than `older_than` ago, `batch` rows per
    statement (each commits on its own: no long lock, no huge transaction); returns how
    many went. Unpublished rows stay whatever their age, and so do rows a reader of the
    outbox (outbox_readers) has not passed yet."""
    conn = connections.get("default")
    cutoff = datetime.now(UTC) - older_than
    deleted = 0
    while True:
        count, _ = await conn.execute_query(
            "DELETE FROM outbox_events WHERE id IN ("
            " SELECT id FROM outbox_events"
            " WHERE created_at < $1 AND published_at IS NOT NULL"
            " AND id <= COALESCE((SELECT min(last_id) FROM outbox_readers), id)"
            " ORDER BY created_at LIMIT $2)",
            [cutoff, batch],
        )
        deleted += count
        if count < batch:
            return deleted


async def earlier_unpublished(*, order_id: int, before: int) -> list[OutboxEvent]:
    """Events of an order written before outbox id `before` and not yet published (their
    publisher died or is retrying): a transition sends them ahead of its own."""
    rows = await connections.get("default").execute_query_dict(
        "SELECT id FROM outbox_events WHERE published_at IS NULL"
        " AND (data->>'order_id') = $1 AND id < $2 ORDER BY id",
        [str(order_id), before],
    )
    if not rows:
        return []
    return await OutboxEvent.filter(id__in=[r["id"] for r in rows]).order_by("id")
