"""Fixed-window rate limits counted in Redis."""

from __future__ import annotations

from typing import Any

from mall.errors import RateLimited

# INCR and set the window's expiry on first hit, atomically, so a crash cannot leave a
# counter without a TTL (which would lock the key out forever).
_HIT = """
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('TTL', KEYS[1])
return {n, ttl}
"""


async def hit(
    redis: Any, *, key: str, limit: int, window: int, message: str = "Too many attempts"
) -> None:
    """Count one attempt under key; raise RateLimited (429, Retry-After) past limit."""
    count, ttl = await redis.eval(_HIT, 1, f"mall:rl:{key}", window)
    if int(count) > limit:
        retry_after = max(int(ttl), 1)
        raise RateLimited(retry_after, f"{message}; retry in {retry_after} s")


# Take back one counted attempt, never below zero and never creating a counter without a TTL.
_UNDO = """
if redis.call('GET', KEYS[1]) and tonumber(redis.call('GET', KEYS[1])) > 0 then
    return redis.call('DECR', KEYS[1])
end
return 0
"""


async def undo(redis: Any, *, key: str) -> None:
    """Give back one attempt counted under key by hit()."""
    await redis.eval(_UNDO, 1, f"mall:rl:{key}")


async def forget(redis: Any, *, key: str) -> None:
    """Drop every attempt counted under key."""
    await redis.delete(f"mall:rl:{key}")
