"""Caps on open websockets per account and per client address, across every API process.

Each open socket holds one slot per cap: a member of a Redis sorted set whose score is the
time its process last vouched for it. The process that holds the socket refreshes its slots
every `ttl / 3` seconds and removes them when the socket ends; a slot not refreshed for
`ttl` seconds no longer counts, so a process that crashed (or lost Redis) gives its slots
back within `ttl` without anyone cleaning up after it.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

# Drop the expired members, then take a slot if fewer than the limit are alive. One script,
# so two handshakes racing for the last slot cannot both get it.
_ACQUIRE = """
local now = tonumber(ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - tonumber(ARGV[2]))
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[3]) then return 0 end
redis.call('ZADD', KEYS[1], now, ARGV[4])
redis.call('EXPIRE', KEYS[1], math.ceil(tonumber(ARGV[2])) + 1)
return 1
"""

KEY_PREFIX = "mall:ws:slots:"


@dataclass(frozen=True)
class Slot:
    """One socket's place under one cap."""

    key: str
    member: str


def account_key(kind: str, subject: int) -> str:
    """The cap of one customer (`user`) or staff account (`admin`)."""
    return f"{KEY_PREFIX}{kind}:{subject}"


def address_key(ip: str) -> str:
    """The cap of one client address."""
    return f"{KEY_PREFIX}ip:{ip}"


class SocketSlots:
    """Take, refresh and give back socket slots in Redis."""

    def __init__(self, redis: Any, *, ttl: float) -> None:
        self.redis = redis
        self.ttl = ttl

    @staticmethod
    def new_member() -> str:
        return uuid.uuid4().hex

    async def take(self, *, key: str, limit: int, member: str) -> Slot | None:
        """A slot under KEY for MEMBER, or None when LIMIT live slots are taken."""
        taken = await self.redis.eval(_ACQUIRE, 1, key, time.time(), self.ttl, limit, member)
        return Slot(key, member) if int(taken) else None

    async def give_back(self, slots: Iterable[Slot]) -> None:
        """Free the slots of a socket that ended."""
        async with self.redis.pipeline(transaction=False) as pipe:
            for slot in slots:
                pipe.zrem(slot.key, slot.member)
            await pipe.execute()

    async def refresh(self, slots: Iterable[Slot]) -> None:
        """Vouch for the slots of sockets still open (XX: a slot given back stays gone)."""
        now = time.time()
        async with self.redis.pipeline(transaction=False) as pipe:
            for slot in slots:
                pipe.zadd(slot.key, {slot.member: now}, xx=True)
                pipe.expire(slot.key, int(self.ttl) + 1)
            await pipe.execute()
