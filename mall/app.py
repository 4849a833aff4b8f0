"""The application factory: `sanic mall.app:create_app --factory` or `mall serve`."""

from __future__ import annotations

import asyncio
import logging

from sanic import Blueprint, Request, Sanic
from sanic.response import HTTPResponse, json

from mall import docs, errors, events, observability, resources
from mall.account.views import bp as account_bp
from mall.admin.views import bp as admin_bp
from mall.auth.views import admin_auth_bp
from mall.auth.views import bp as auth_bp
from mall.cart.views import bp as cart_bp
from mall.catalog import storage as catalog_storage
from mall.catalog.admin_views import bp as admin_catalog_bp
from mall.catalog.cache import CatalogCache
from mall.catalog.views import bp as catalog_bp
from mall.catalog.views import files_bp as uploads_bp
from mall.config import Settings
from mall.coupons.views import admin_bp as admin_coupons_bp
from mall.coupons.views import bp as coupons_bp
from mall.dashboard.views import bp as dashboard_bp
from mall.notify.views import bp as subscriptions_bp
from mall.orders import placing
from mall.orders.admin_views import bp as admin_orders_bp
from mall.orders.views import bp as orders_bp
from mall.payments import service as payments
from mall.payments.views import bp as payments_bp
from mall.pushes.views import bp as wechat_push_bp
from mall.realtime.hub import Hub
from mall.realtime.views import bp as realtime_bp
from mall.reviews.views import admin_bp as admin_reviews_bp
from mall.reviews.views import bp as reviews_bp
from mall.shipping.views import admin_bp as admin_shipping_bp
from mall.shipping.views import bp as tracking_bp
from mall.shop.views import bp as shop_settings_bp
from mall.web import MAX_ID
from mall.wechat.miniprogram import MiniProgramClient

log = logging.getLogger("mall")

APP_NAME = "mall"


def create_app(*, settings: Settings | None = None) -> Sanic:
    """Build the app; every resource is opened per worker process in before_server_start."""
    settings = settings or Settings()
    settings.check_production()
    _configure_logging(settings.log_level)

    app = Sanic(APP_NAME)
    # An image upload is one multipart body: room for the file and the form around it.
    app.config.REQUEST_MAX_SIZE = max(settings.max_body_bytes, settings.upload_max_bytes + 65536)
    app.config.FALLBACK_ERROR_FORMAT = "json"
    app.config.PROXIES_COUNT = settings.proxies_count
    app.config.ACCESS_LOG = False  # mall.access logs every request with its id
    app.config.KEEP_ALIVE_TIMEOUT = 75
    # Protocol-level pings find dead peers; clients may also send {"op": "ping"}.
    app.config.WEBSOCKET_PING_INTERVAL = settings.ws_ping_interval
    app.config.WEBSOCKET_PING_TIMEOUT = settings.ws_ping_interval
    app.config.WEBSOCKET_MAX_SIZE = 64 * 1024
    app.ctx.settings = settings
    app.ctx.image_storage = catalog_storage.from_settings(settings)

    # Path ids: digits that fit a bigint, so a huge id is a 404, never a database error.
    app.router.register_pattern("id", path_id, r"^[1-9][0-9]{0,18}$")
    errors.install(app)
    observability.install(app)
    docs.install(app)

    api = Blueprint.group(
        auth_bp,
        account_bp,
        catalog_bp,
        cart_bp,
        orders_bp,
        payments_bp,
        coupons_bp,
        wechat_push_bp,
        subscriptions_bp,
        reviews_bp,
        tracking_bp,
        url_prefix="/api/v1",
    )
    admin = Blueprint.group(
        admin_auth_bp,
        admin_bp,
        admin_catalog_bp,
        admin_orders_bp,
        admin_coupons_bp,
        shop_settings_bp,
        admin_reviews_bp,
        admin_shipping_bp,
        url_prefix="/api/admin",
    )
    app.blueprint(api)
    app.blueprint(admin)
    app.blueprint(uploads_bp)
    app.blueprint(realtime_bp)
    app.blueprint(dashboard_bp)
    _add_health_routes(app)

    @app.before_server_start
    async def open_resources(app: Sanic) -> None:
        from tasks.broker import broker  # the broker is process-global; start it per worker

        await resources.init_db(settings)
        placing.sku_turns.per_sku = settings.order_statements_per_sku
        app.ctx.redis = resources.redis_client(settings)
        app.ctx.catalog_cache = CatalogCache(
            app.ctx.redis, ttl=settings.catalog_cache_ttl, list_ttl=settings.catalog_list_ttl
        )
        app.ctx.wechat = MiniProgramClient(settings=settings, redis=app.ctx.redis)
        app.ctx.broker = broker
        if not broker.is_worker_process:
            await broker.startup()
        resources.share_redis(app.ctx.redis)
        await payments.start(settings)
        app.ctx.hub = Hub(app.ctx.redis, recheck_seconds=settings.ws_auth_recheck_seconds)
        await app.ctx.hub.start()
        # Plain asyncio tasks: Sanic's named tasks are unavailable under create_server.
        app.ctx.background = [asyncio.create_task(events.sweep_forever())]

    @app.before_server_stop
    async def stop_background(app: Sanic) -> None:
        await app.ctx.hub.stop()
        for task in app.ctx.background:
            task.cancel()
        await asyncio.gather(*app.ctx.background, return_exceptions=True)
        await events.marks.close()

    @app.after_server_stop
    async def close_resources(app: Sanic) -> None:
        await payments.stop()
        resources.share_redis(None)
        await app.ctx.broker.shutdown()
        await app.ctx.wechat.aclose()
        await app.ctx.redis.aclose()
        await resources.close_db()

    return app


def _configure_logging(level: str) -> None:
    """Our loggers (mall.*) get one handler; Sanic's keep their own, so nothing prints twice."""
    mall_log = logging.getLogger("mall")
    mall_log.setLevel(level)
    if not mall_log.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
        mall_log.addHandler(handler)
        mall_log.propagate = False


def path_id(value: str) -> int:
    """Cast of the <name:id> path type; the router treats ValueError as no match (404)."""
    number = int(value)
    if not 1 <= number <= MAX_ID:
        raise ValueError(value)
    return number


def _add_health_routes(app: Sanic) -> None:
    async def live(request: Request) -> HTTPResponse:
        return json({"status": "ok"})

    async def ready(request: Request) -> HTTPResponse:
        problems = {
            "postgres": await resources.check_database(),
            "redis": await resources.check_redis(request.app.ctx.redis),
        }
        down = {name: why for name, why in problems.items() if why}
        if down:
            return json(
                errors.error_body(
                    "not_ready", "Not ready: " + ", ".join(sorted(down)) + " down", down
                ),
                status=503,
            )
        return json({"status": "ok", "postgres": "ok", "redis": "ok"})

    app.add_route(live, "/health/live", methods=["GET"], name="health_live")
    app.add_route(ready, "/health/ready", methods=["GET"], name="health_ready")
