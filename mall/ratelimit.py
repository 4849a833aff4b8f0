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


async def hit(redis: Any, *, key: str, limit: int, window: int) -> None:
    """Count one attempt under key; raise RateLimited (429, Retry-After) past limit."""
    count, ttl = await redis.eval(_HIT, 1, f"mall:rl:{key}", window)
    if int(count) > limit:
        retry_after = max(int(ttl), 1)
        raise RateLimited(retry_after, f"Too many attempts; retry in {retry_after} s")
