"""The application factory: `sanic mall.app:create_app --factory` or `mall serve`."""

from __future__ import annotations

import asyncio
import logging
import os
import re

from sanic import Blueprint, Request, Sanic
from sanic.config import Config
from sanic.response import HTTPResponse, json

from mall import docs, errors, logs, observability, recovery, resources, security
from mall.account.views import bp as account_bp
from mall.admin.views import bp as admin_bp
from mall.aftersales.views import admin_bp as admin_after_sales_bp
from mall.aftersales.views import bp as after_sales_bp
from mall.auth.views import admin_auth_bp
from mall.auth.views import bp as auth_bp
from mall.cart.views import bp as cart_bp
from mall.catalog.admin_banners import bp as admin_banners_bp
from mall.catalog.admin_categories import bp as admin_categories_bp
from mall.catalog.admin_products import bp as admin_products_bp
from mall.catalog.admin_uploads import bp as admin_uploads_bp
from mall.catalog.views import bp as catalog_bp
from mall.catalog.views import files_bp as uploads_bp
from mall.config import Settings
from mall.context import AppContext
from mall.coupons.views import admin_bp as admin_coupons_bp
from mall.coupons.views import bp as coupons_bp
from mall.dashboard.views import bp as dashboard_bp
from mall.freight.views import bp as admin_freight_bp
from mall.home.views import bp as home_bp
from mall.marketing.flash_views import admin_bp as admin_flash_sales_bp
from mall.marketing.flash_views import bp as flash_sales_bp
from mall.marketing.group_views import admin_bp as admin_group_buys_bp
from mall.marketing.group_views import bp as group_buys_bp
from mall.marketing.views import admin_bp as admin_marketing_bp
from mall.marketing.views import bp as marketing_bp
from mall.notify.views import bp as subscriptions_bp
from mall.orders.admin_views import bp as admin_orders_bp
from mall.orders.staff_views import bp as admin_order_ops_bp
from mall.orders.views import bp as orders_bp
from mall.payments.reconciliation_views import bp as admin_reconciliations_bp
from mall.payments.views import bp as payments_bp
from mall.protocol import ConnectionGate
from mall.pushes.views import bp as wechat_push_bp
from mall.realtime.hub import Hub
from mall.realtime.views import bp as realtime_bp
from mall.reviews.views import admin_bp as admin_reviews_bp
from mall.reviews.views import bp as reviews_bp
from mall.runtime import open_runtime
from mall.shipping.views import admin_bp as admin_shipping_bp
from mall.shipping.views import bp as tracking_bp
from mall.shop.views import bp as shop_settings_bp
from mall.web import MAX_ID

log = logging.getLogger("mall")

APP_NAME = "mall"
# Seconds each readiness check may take (run together: the probe answers within 2 s).
READY_CHECK_LIMIT = 1.8
PATH_ID_PATTERN = re.compile(r"[1-9][0-9]{0,18}")


def create_app(*, settings: Settings | None = None, quiet: bool = False) -> Sanic:
    """Build the app; every resource is opened per worker process in before_server_start.
    `quiet`: no Sanic start-up lines, only ours (one per process; `mall serve --quiet`)."""
    settings = settings or Settings()
    settings.check_production()
    logs.configure(settings.log_level)

    app: Sanic[Config, AppContext] = Sanic(APP_NAME, ctx=AppContext())
    # Read by MallProtocol, the protocol the servers run this app with.
    app.ctx.connection_gate = ConnectionGate.from_settings(settings)
    if quiet:
        logs.quiet_sanic()
    # Image uploads stream past this limit under their own (mall/catalog/uploads.py).
    app.config.REQUEST_MAX_SIZE = settings.max_body_bytes
    app.config.FALLBACK_ERROR_FORMAT = "json"
    app.config.PROXIES_COUNT = settings.proxies_count
    app.config.ACCESS_LOG = False  # mall.access logs every request with its id
    app.config.KEEP_ALIVE_TIMEOUT = 75
    # Protocol-level pings find dead peers: sent by the hub for every socket from one timer
    # (Hub._ping_forever) rather than by a task per socket; clients may also send
    # {"op": "ping"}.
    app.config.WEBSOCKET_PING_INTERVAL = None  # type: ignore[assignment]
    app.config.WEBSOCKET_MAX_SIZE = 64 * 1024

    # Path ids: digits that fit a bigint, so a huge id is a 404, never a database error.
    app.router.register_pattern("id", path_id, PATH_ID_PATTERN)
    errors.install(app)
    observability.install(app)
    security.install(app)
    docs.install(app)

    api = Blueprint.group(
        auth_bp,
        account_bp,
        catalog_bp,
        cart_bp,
        orders_bp,
        after_sales_bp,
        payments_bp,
        coupons_bp,
        wechat_push_bp,
        subscriptions_bp,
        reviews_bp,
        tracking_bp,
        marketing_bp,
        flash_sales_bp,
        group_buys_bp,
        url_prefix="/api/v1",
    )
    admin = Blueprint.group(
        admin_auth_bp,
        admin_bp,
        admin_categories_bp,
        admin_products_bp,
        admin_banners_bp,
        admin_uploads_bp,
        admin_orders_bp,
        admin_after_sales_bp,
        admin_order_ops_bp,
        admin_freight_bp,
        admin_coupons_bp,
        shop_settings_bp,
        admin_reviews_bp,
        admin_shipping_bp,
        admin_marketing_bp,
        admin_flash_sales_bp,
        admin_group_buys_bp,
        admin_reconciliations_bp,
        url_prefix="/api/admin",
    )
    app.blueprint(api)
    app.blueprint(admin)
    app.blueprint(uploads_bp)
    app.blueprint(realtime_bp)
    app.blueprint(dashboard_bp)
    app.blueprint(home_bp)
    _add_health_routes(app)

    @app.before_server_start
    async def open_resources(app: Sanic[Config, AppContext]) -> None:
        rt = await open_runtime(settings, sweep_outbox=True)
        rt.background.append(asyncio.create_task(recovery.watch_forever(rt)))
        app.ctx.runtime = rt
        app.ctx.hub = Hub(
            rt.redis,
            live_prefix=rt.events.live_prefix,
            recheck_seconds=settings.ws_auth_recheck_seconds,
            slot_ttl=settings.ws_slot_ttl,
            ping_interval=settings.ws_ping_interval,
        )
        await app.ctx.hub.start()

    @app.after_server_start
    async def announce(app: Sanic[Config, AppContext]) -> None:
        log.info("API process %d ready on %s", os.getpid(), app.serve_location or "its socket")

    @app.before_server_stop
    async def stop_sockets(app: Sanic[Config, AppContext]) -> None:
        await app.ctx.hub.stop()

    @app.after_server_stop
    async def close_resources(app: Sanic[Config, AppContext]) -> None:
        await app.ctx.runtime.close()

    return app


def path_id(value: str) -> int:
    """Cast of the <name:id> path type; the router treats ValueError as no match (404).
    The router may hand over a segment its pattern did not check: int() alone would take
    " 7", "7\n" or "0_7" as 7."""
    if not PATH_ID_PATTERN.fullmatch(value):
        raise ValueError(value)
    number = int(value)
    if not 1 <= number <= MAX_ID:
        raise ValueError(value)
    return number


def _add_health_routes(app: Sanic) -> None:
    async def live(request: Request) -> HTTPResponse:
        return json({"status": "ok"})

    async def ready(request: Request) -> HTTPResponse:
        rt = getattr(request.app.ctx, "runtime", None)
        if rt is None:
            # Between the socket opening and the runtime being open (or after it closed):
            # not ready yet, which is not an error of the server's.
            message = "Not ready: starting (PostgreSQL and Redis connections not open yet)"
            return _not_ready(message, {"runtime": "not open yet"})
        # Both at once, each bounded: the probe answers within its 2 s whatever is down.
        postgres, redis = await asyncio.gather(
            resources.check_database(READY_CHECK_LIMIT),
            resources.check_redis(rt.redis, READY_CHECK_LIMIT),
        )
        problems = {"postgres": postgres, "redis": redis}
        down = {name: why for name, why in problems.items() if why}
        if down:
            return _not_ready("Not ready: " + ", ".join(sorted(down)) + " down", down)
        return json({"status": "ok", "postgres": "ok", "redis": "ok"})

    app.add_route(live, "/health/live", methods=["GET"], name="health_live")
    app.add_route(ready, "/health/ready", methods=["GET"], name="health_ready")


def _not_ready(message: str, why: dict[str, str]) -> HTTPResponse:
    """503 naming each part that is not ready and why."""
    return json(errors.error_body("not_ready", message, why), status=503)
