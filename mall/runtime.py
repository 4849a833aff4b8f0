"""The runtime: everything one process holds for the services, opened by one function.

The API (on Sanic's typed `app.ctx`), each Taskiq worker and the scheduler, `mall dev`'s
commands, scripts and tests all call `open_runtime(settings)`; services take the runtime
(or the part they need) as an argument, so nothing reads settings at import time and no
per-process state lives in module globals. A service that needs Redis, the broker or the
pay gateway cannot be called without them, so none of its side effects can be skipped.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import redis.asyncio as aioredis
from taskiq import AsyncBroker

from mall import resources
from mall.background import BackgroundWrites
from mall.catalog import storage
from mall.catalog.cache import CatalogCache
from mall.catalog.storage import ImageStorage
from mall.config import Settings
from mall.errors import ServiceUnavailable
from mall.events import Publisher, live_prefix
from mall.jobs import Jobs
from mall.jobs.broker import make_broker, make_schedule_source
from mall.orders.turns import SkuTurns
from mall.shop.service import ShopSettingsStore
from mall.wechat.miniprogram import MiniProgramClient
from mall.wechat.pay import WeChatPayGateway

log = logging.getLogger("mall.runtime")


@dataclass(eq=False, kw_only=True)
class Runtime:
    """One process's resources; `open_runtime` builds it, `close` releases it."""

    settings: Settings
    redis: aioredis.Redis
    events: Publisher
    jobs: Jobs
    wechat: MiniProgramClient
    # None when no WeChat Pay keys are configured: paying answers 503.
    pay: WeChatPayGateway | None
    images: ImageStorage
    catalog_cache: CatalogCache
    shop: ShopSettingsStore
    sku_turns: SkuTurns
    # The broker is this process's to start and stop (not a worker's own broker).
    owns_broker: bool = True
    background: list[asyncio.Task[None]] = field(default_factory=list)
    # Writes a read causes but must not wait for (footprints, search history).
    after_response: BackgroundWrites = field(default_factory=BackgroundWrites)

    def pay_gateway(self) -> WeChatPayGateway:
        """The WeChat Pay gateway, or 503 when payments are not configured."""
        if self.pay is None:
            raise ServiceUnavailable("WeChat Pay is not configured", code="payments_unavailable")
        return self.pay

    async def close(self) -> None:
        """Stop background work, flush marks, close every connection (in that order)."""
        for task in self.background:
            task.cancel()
        await asyncio.gather(*self.background, return_exceptions=True)
        self.background.clear()
        await self.after_response.drain()
        await self.events.close()
        if self.pay is not None:
            await self.pay.aclose()
        if self.owns_broker:
            await self.jobs.broker.shutdown()
        await self.jobs.schedules.shutdown()
        await self.wechat.aclose()
        await self.images.aclose()
        await self.redis.aclose()
        await resources.close_db()


def _pay_gateway(settings: Settings) -> WeChatPayGateway | None:
    try:
        return WeChatPayGateway.from_settings(settings)
    except ValueError as exc:
        log.warning("WeChat Pay disabled: %s", exc)
        return None


async def open_runtime(
    settings: Settings,
    *,
    broker: AsyncBroker | None = None,
    sweep_outbox: bool = False,
) -> Runtime:
    """Open the database, Redis, the broker (or adopt a worker's own), the schedule source
    and the WeChat clients for this process. `sweep_outbox` runs the outbox sweeper in the
    background (API processes)."""
    await resources.init_db(settings)
    redis = resources.redis_client(settings)
    owns_broker = broker is None
    task_broker = broker or make_broker(settings)
    if owns_broker:
        await task_broker.startup()
    rt = Runtime(
        settings=settings,
        redis=redis,
        events=Publisher(
            redis,
            live_prefix=live_prefix(
                database=resources.redis_database(settings), cluster=resources.is_cluster(redis)
            ),
            sharded=resources.is_cluster(redis),
        ),
        jobs=Jobs(task_broker, make_schedule_source(settings)),
        wechat=MiniProgramClient(settings=settings, redis=redis),
        pay=_pay_gateway(settings),
        images=storage.from_settings(settings),
        catalog_cache=CatalogCache(
            redis,
            ttl=settings.catalog_cache_ttl,
            list_ttl=settings.catalog_list_ttl,
            fresh_for=settings.database_replica_lag,
        ),
        shop=ShopSettingsStore(),
        sku_turns=SkuTurns(per_sku=settings.order_statements_per_sku),
        owns_broker=owns_broker,
    )
    if sweep_outbox:
        rt.background.append(asyncio.create_task(rt.events.sweep_forever()))
    return rt


@asynccontextmanager
async def runtime(settings: Settings | None = None) -> AsyncIterator[Runtime]:
    """A runtime for the length of a block (scripts, CLI commands, benchmarks)."""
    rt = await open_runtime(settings or Settings())
    try:
        yield rt
    finally:
        await rt.close()
