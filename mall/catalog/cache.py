"""Read-through cache of rendered storefront responses in Redis.

Entries hold the JSON a handler sends, so a hit is one GET and no serialisation.

- Product details and the category tree sit under fixed keys, each with a generation
  counter. A rebuild reads the generation before it reads the database and stores its
  result only if the generation is unchanged, so a rebuild that raced an admin change
  cannot put the old row back after the change invalidated it.
- List pages and banners sit under a namespace version that is part of the key: bumping
  it orphans every page at once (they expire on their own shortly after).
- With read replicas (mall/replicas.py) a rebuild reads a replica, except within
  `fresh_for` seconds of an invalidation of its entry: a replica may not have replayed the
  change yet, and what a rebuild stores stays for the entry's TTL.
- A miss is rebuilt once: one coroutine per process (single flight) and one process per
  key (a short Redis lock); the others poll the key until the rebuild lands.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import logging
import random
import secrets
import time
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

import redis.exceptions

from mall import replicas
from mall.observability import CACHE_LOOKUPS, CACHE_REBUILDS
from mall.resources import mget

log = logging.getLogger("mall.catalog.cache")

# An entry, its generation and its rebuild lock share a hash tag (one Redis Cluster slot):
# the store-if-generation script touches the first two together.
PREFIX = "mall:catalog:"
TREE = PREFIX + "{tree}"
GENERATION = PREFIX + "gen:"
VERSION = PREFIX + "ver:"
# Set for `fresh_for` seconds when an entry (or a namespace) is invalidated: its rebuilds
# read the primary meanwhile.
FRESH = PREFIX + "fresh:"
LOCK = PREFIX + "lock:"
LISTS = "lists"
BANNERS = "banners"

# What a rebuild stores for "nothing to show" (an unknown or hidden product), so that
# probing ids does not reach the database on every request either.
ABSENT = "null"
ABSENT_TTL = 60
GENERATION_TTL = 7 * 24 * 3600
LOCK_TTL_MS = 5_000
POLL_INTERVAL = 0.01
INVALIDATE_CHUNK = 500

# Store only if the generation did not move since the rebuild began (ARGV[1] is the
# generation seen then, "" for none).
_SET_IF_GENERATION = """
local current = redis.call('GET', KEYS[2]) or ''
if current ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3])
return 1
"""

# Release the rebuild lock only if we still hold it (it may have expired and moved on).
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""

Build = Callable[[], Awaitable[str]]


@functools.cache
def _counter(kind: str, result: str) -> Any:
    """The lookup counter's child, bound once (labels() costs a lock and a dict per call)."""
    return CACHE_LOOKUPS.labels(kind, result)


def product_key(product_id: int) -> str:
    return f"{PREFIX}{{product:{product_id}}}"


def digest(*parts: object) -> str:
    """A short, fixed-length key part for arbitrary request parameters."""
    raw = "\x1f".join(str(p) for p in parts).encode()
    return hashlib.blake2b(raw, digest_size=12).hexdigest()


class _GetBatcher:
    """Sends the GETs issued in one event-loop turn as one MGET.

    Under load most of a cache hit's cost is the Redis client's per-command work, not the
    round trip; concurrent requests (a hot product above all) share one command instead.
    """

    def __init__(self, redis: Any) -> None:
        self.redis = redis
        self._waiting: dict[str, list[asyncio.Future[str | None]]] = {}

    async def get(self, key: str) -> str | None:
        loop = asyncio.get_running_loop()
        waiter: asyncio.Future[str | None] = loop.create_future()
        if not self._waiting:
            loop.call_soon(self._flush)
        self._waiting.setdefault(key, []).append(waiter)
        return await waiter

    def _flush(self) -> None:
        batch, self._waiting = self._waiting, {}
        task = asyncio.ensure_future(self._send(batch))
        task.add_done_callback(lambda done: done.cancelled() or done.exception())

    async def _send(self, batch: dict[str, list[asyncio.Future[str | None]]]) -> None:
        keys = list(batch)
        try:
            values = await mget(self.redis, keys)
        except Exception as exc:
            for waiters in batch.values():
                for waiter in waiters:
                    if not waiter.done():
                        waiter.set_exception(exc)
            return
        for key, value in zip(keys, values, strict=True):
            for waiter in batch[key]:
                if not waiter.done():  # its request may have been cancelled meanwhile
                    waiter.set_result(value)


class CatalogCache:
    """One per process (on its runtime); cheap to build wherever invalidation runs."""

    def __init__(
        self, redis: Any, *, ttl: int = 600, list_ttl: int = 30, fresh_for: float = 5.0
    ) -> None:
        self.redis = redis
        self.ttl = ttl
        self.list_ttl = list_ttl
        self.fresh_ms = int(fresh_for * 1000)
        self._gets = _GetBatcher(redis)
        self._flights: dict[str, asyncio.Future[str]] = {}
        self._set_if_generation = redis.register_script(_SET_IF_GENERATION)
        self._release = redis.register_script(_RELEASE)

    # --- reads ---------------------------------------------------------------------------

    async def product(self, product_id: int, build: Build) -> str:
        """A product detail (or ABSENT), built by `build` on a miss."""
        key = product_key(product_id)
        return await self._fetch(key, build, kind="product", ttl=self.ttl, generation=key)

    async def tree(self, build: Build) -> str:
        """The storefront's category tree, built by `build` on a miss."""
        return await self._fetch(TREE, build, kind="tree", ttl=self.ttl, generation=TREE)

    async def versioned(self, namespace: str, part: str, build: Build, *, ttl: int) -> str:
        """An entry under a namespace version (list pages, banners)."""
        try:
            version = await self._gets.get(VERSION + namespace) or "0"
        except redis.exceptions.RedisError:
            log.warning("cache unavailable; building %s from the database", namespace)
            return await build()
        key = f"{PREFIX}{namespace}:{version}:{part}"
        return await self._fetch(
            key, build, kind=namespace, ttl=ttl, generation=None, fresh=FRESH + namespace
        )

    async def _fetch(
        self,
        key: str,
        build: Build,
        *,
        kind: str,
        ttl: int,
        generation: str | None,
        fresh: str | None = None,
    ) -> str:
        try:
            cached = await self._gets.get(key)
        except redis.exceptions.RedisError:
            log.warning("cache unavailable; building %s from the database", key)
            return await build()
        if cached is not None:
            _counter(kind, "hit").inc()
            return cached
        _counter(kind, "miss").inc()
        flight = self._flights.get(key)
        if flight is None:
            # A task of its own: a waiter that gives up (client gone) cancels only itself.
            flight = asyncio.ensure_future(
                self._rebuild(
                    key,
                    build,
                    kind=kind,
                    ttl=ttl,
                    generation=generation,
                    fresh=fresh or FRESH + key,
                )
            )
            self._flights[key] = flight
            flight.add_done_callback(lambda done: self._land(key, done))
        return await asyncio.shield(flight)

    def _land(self, key: str, flight: asyncio.Future[str]) -> None:
        self._flights.pop(key, None)
        if not flight.cancelled():
            flight.exception()  # retrieved: every waiter got it; nobody may be left to ask

    async def _rebuild(
        self, key: str, build: Build, *, kind: str, ttl: int, generation: str | None, fresh: str
    ) -> str:
        lock, token = LOCK + key, secrets.token_hex(8)
        deadline = time.monotonic() + LOCK_TTL_MS / 1000
        try:
            while True:
                seen = await self.redis.get(GENERATION + generation) if generation else None
                if await self.redis.set(lock, token, nx=True, px=LOCK_TTL_MS):
                    try:
                        # The previous holder may have stored it just before letting go.
                        cached: str | None = await self.redis.get(key)
                        if cached is not None:
                            return cached
                        return await self._build_and_store(
                            key,
                            build,
                            kind=kind,
                            ttl=ttl,
                            generation=generation,
                            seen=seen,
                            fresh=fresh,
                        )
                    finally:
                        await self._release(keys=[lock], args=[token])
                await asyncio.sleep(POLL_INTERVAL)
                cached = await self.redis.get(key)
                if cached is not None:
                    return cached
                if time.monotonic() > deadline:
                    # The lock holder is stuck or gone: answer from the database rather
                    # than keep this request waiting.
                    CACHE_REBUILDS.labels(kind).inc()
                    return await build()
        except redis.exceptions.RedisError:
            log.warning("cache unavailable; building %s from the database", key)
            return await build()

    async def _build_and_store(
        self,
        key: str,
        build: Build,
        *,
        kind: str,
        ttl: int,
        generation: str | None,
        seen: Any,
        fresh: str,
    ) -> str:
        if replicas.configured() and not await self.redis.exists(fresh):
            value = await replicas.on_replica(build)
        else:
            value = await replicas.on_primary(build)
        CACHE_REBUILDS.labels(kind).inc()
        # Jitter keeps entries filled at the same moment from expiring together.
        expiry = ABSENT_TTL if value == ABSENT else int(ttl * random.uniform(0.9, 1.0)) or 1
        if generation is None:
            await self.redis.set(key, value, ex=expiry)
        else:
            await self._set_if_generation(
                keys=[key, GENERATION + generation], args=[seen or "", value, expiry]
            )
        return value

    # --- invalidation (call after the change committed) --------------------------------
    # A failure is logged, not raised: the change is committed and the entry expires on its
    # own within its TTL.

    async def invalidate_products(self, product_ids: Iterable[int]) -> None:
        """Drop cached details of these products (and, with them, every list page)."""
        ids = sorted(set(product_ids))
        for start in range(0, len(ids), INVALIDATE_CHUNK):
            await self._drop(
                [product_key(product_id) for product_id in ids[start : start + INVALIDATE_CHUNK]]
            )
        await self._bump(LISTS)

    async def invalidate_product_details(self, product_ids: Iterable[int]) -> None:
        """Drop cached details only (stock moved by an order; list pages may lag)."""
        await self._drop([product_key(product_id) for product_id in sorted(set(product_ids))])

    async def invalidate_tree(self) -> None:
        """Drop the category tree and every list page (visibility decides what lists show)."""
        await self._drop([TREE])
        await self._bump(LISTS)

    async def invalidate_lists(self) -> None:
        """Orphan every cached list page."""
        await self._bump(LISTS)

    async def invalidate_banners(self) -> None:
        """Orphan the cached banners."""
        await self._bump(BANNERS)

    def queue_drop_product_details(self, pipe: Any, product_ids: Iterable[int]) -> None:
        """`invalidate_product_details` through the caller's pipeline (one round trip with
        other work after the same commit)."""
        keys = [product_key(product_id) for product_id in sorted(set(product_ids))]
        _queue_drop(pipe, keys, fresh_ms=self._fresh_ms())

    def _fresh_ms(self) -> int:
        """How long an invalidated entry is rebuilt from the primary (0: no replicas)."""
        return self.fresh_ms if replicas.configured() else 0

    async def _drop(self, keys: list[str]) -> None:
        if not keys:
            return
        try:
            # Not a transaction (a cluster spreads keys over nodes): each key's generation
            # is bumped before its entry is dropped, and both sit in one slot.
            async with self.redis.pipeline(transaction=False) as pipe:
                _queue_drop(pipe, keys, fresh_ms=self._fresh_ms())
                await pipe.execute()
        except redis.exceptions.RedisError:
            log.warning("could not invalidate %s; they expire on their own", keys, exc_info=True)

    async def _bump(self, namespace: str) -> None:
        try:
            if fresh_ms := self._fresh_ms():
                await self.redis.set(FRESH + namespace, 1, px=fresh_ms)
            await self.redis.incr(VERSION + namespace)
        except redis.exceptions.RedisError:
            log.warning("could not invalidate %s; they expire on their own", namespace)


def _queue_drop(pipe: Any, keys: list[str], *, fresh_ms: int = 0) -> None:
    # A new generation first: a rebuild that read the old row cannot store it back.
    for key in keys:
        if fresh_ms:
            pipe.set(FRESH + key, 1, px=fresh_ms)
        pipe.incr(GENERATION + key)
        pipe.expire(GENERATION + key, GENERATION_TTL)
        pipe.delete(key)
