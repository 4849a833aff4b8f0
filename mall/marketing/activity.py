"""What customers look at and search for, kept in Redis: footprints, search history, and
how often each keyword was searched per day (the hot keywords).

A customer's keys share the hash tag of their channel (`{user:<id>}`), and the daily
search counts share `{search-hot}`, so in Redis Cluster every command here touches one
slot. Each list is bounded: a new entry trims the oldest past the limit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import redis.asyncio as aioredis

from mall.orders.stats import SHOP_TZ

# Days a customer's footprints and history outlive their last write.
USER_KEY_TTL = 180 * 24 * 3600
# Days of search counts summed for the hot keywords, and how long a day's counts are kept.
HOT_DAYS = 7
HOT_DAY_TTL = (HOT_DAYS + 1) * 24 * 3600
# Keywords counted per day at most (the least searched go first past it).
HOT_KEYWORDS_PER_DAY = 10_000
# Seconds the summed week is reused before it is summed again.
HOT_SUM_TTL = 60


def footprints_key(user_id: int) -> str:
    return f"mall:footprints:{{user:{user_id}}}"


def searches_key(user_id: int) -> str:
    return f"mall:searches:{{user:{user_id}}}"


def hot_day_key(day: date) -> str:
    return f"mall:search-hot:{{search-hot}}:{day.isoformat()}"


HOT_WEEK_KEY = "mall:search-hot:{search-hot}:week"


def shop_day(at: datetime) -> date:
    """The shop's calendar day (Asia/Shanghai) of a moment."""
    return at.astimezone(SHOP_TZ).date()


def _ms(at: datetime) -> int:
    return int(at.timestamp() * 1000)


def _at(ms: float) -> datetime:
    return datetime.fromtimestamp(ms / 1000, UTC)


@dataclass(frozen=True)
class Footprint:
    product_id: int
    day: date
    viewed_at: datetime


# --- footprints ------------------------------------------------------------------------------


async def record_view(
    redis: aioredis.Redis, *, user_id: int, product_id: int, at: datetime, limit: int
) -> None:
    """One footprint per product per shop day: viewing it again that day moves it first."""
    key = footprints_key(user_id)
    async with redis.pipeline(transaction=False) as pipe:
        pipe.zadd(key, {f"{shop_day(at).isoformat()}:{product_id}": _ms(at)})
        pipe.zremrangebyrank(key, 0, -(limit + 1))
        pipe.expire(key, USER_KEY_TTL)
        await pipe.execute()


async def footprints(
    redis: aioredis.Redis, *, user_id: int, offset: int, limit: int
) -> tuple[list[Footprint], int]:
    """A page of the customer's footprints, newest first, and how many there are."""
    key = footprints_key(user_id)
    async with redis.pipeline(transaction=False) as pipe:
        pipe.zrevrange(key, offset, offset + limit - 1, withscores=True)
        pipe.zcard(key)
        rows, total = await pipe.execute()
    page = []
    for member, score in rows:
        text = member.decode() if isinstance(member, bytes) else str(member)
        day, _, product_id = text.partition(":")
        page.append(Footprint(int(product_id), date.fromisoformat(day), _at(score)))
    return page, int(total)


async def clear_footprints(redis: aioredis.Redis, *, user_id: int) -> None:
    await redis.delete(footprints_key(user_id))


# --- search history and hot keywords ---------------------------------------------------------


def search_term(keywords: list[str]) -> str:
    """How a search is remembered and counted: its distinct words, one space apart."""
    return " ".join(keywords)


async def record_search(
    redis: aioredis.Redis, *, user_id: int, term: str, at: datetime, limit: int
) -> None:
    """The customer's history: each term once, newest first, the oldest trimmed."""
    key = searches_key(user_id)
    async with redis.pipeline(transaction=False) as pipe:
        pipe.zadd(key, {term: _ms(at)})
        pipe.zremrangebyrank(key, 0, -(limit + 1))
        pipe.expire(key, USER_KEY_TTL)
        await pipe.execute()


async def count_search(redis: aioredis.Redis, *, term: str, at: datetime) -> None:
    """One more search of TERM on the shop day of AT."""
    key = hot_day_key(shop_day(at))
    async with redis.pipeline(transaction=False) as pipe:
        pipe.zincrby(key, 1, term)
        pipe.zremrangebyrank(key, 0, -(HOT_KEYWORDS_PER_DAY + 1))
        pipe.expire(key, HOT_DAY_TTL)
        await pipe.execute()


async def search_history(
    redis: aioredis.Redis, *, user_id: int, limit: int
) -> list[tuple[str, datetime]]:
    """The customer's recent search terms, newest first."""
    rows: list[Any] = await redis.zrevrange(searches_key(user_id), 0, limit - 1, withscores=True)
    return [(_text(member), _at(float(score))) for member, score in rows]


async def clear_search_history(redis: aioredis.Redis, *, user_id: int) -> None:
    await redis.delete(searches_key(user_id))


async def most_searched(redis: aioredis.Redis, *, now: datetime, limit: int) -> list[str]:
    """The terms searched most over the last HOT_DAYS shop days (today included), most
    first; the sum is reused for HOT_SUM_TTL seconds."""
    if not await redis.exists(HOT_WEEK_KEY):
        today = shop_day(now)
        days = [hot_day_key(today - timedelta(days=n)) for n in range(HOT_DAYS)]
        async with redis.pipeline(transaction=False) as pipe:
            pipe.zunionstore(HOT_WEEK_KEY, days, aggregate="SUM")
            pipe.expire(HOT_WEEK_KEY, HOT_SUM_TTL)
            await pipe.execute()
    rows: list[Any] = await redis.zrevrange(HOT_WEEK_KEY, 0, limit - 1)
    return [_text(member) for member in rows]


def _text(member: bytes | str) -> str:
    return member.decode() if isinstance(member, bytes) else str(member)
