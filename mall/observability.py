"""Request ids, one access-log line per request, and Prometheus metrics."""

from __future__ import annotations

import logging
import re
import time
import uuid

from prometheus_client import CONTENT_TYPE_LATEST, Counter, Gauge, Histogram, generate_latest
from sanic import Request, Sanic
from sanic.response import HTTPResponse, raw

access_log = logging.getLogger("mall.access")

_SAFE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")

HTTP_REQUESTS = Counter(
    "mall_http_requests_total", "HTTP requests served", ["method", "route", "status"]
)
HTTP_LATENCY = Histogram(
    "mall_http_request_duration_seconds",
    "HTTP request latency",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
WS_CONNECTIONS = Gauge("mall_ws_connections", "Open websocket connections", ["endpoint"])
EVENTS_PUBLISHED = Counter("mall_events_published_total", "Events published", ["event"])
TASK_OUTCOMES = Counter("mall_task_outcomes_total", "Task runs by outcome", ["task", "outcome"])
CACHE_LOOKUPS = Counter(
    "mall_cache_lookups_total", "Catalog cache lookups by result (hit/miss)", ["cache", "result"]
)
CACHE_REBUILDS = Counter(
    "mall_cache_rebuilds_total", "Catalog cache entries rebuilt from the database", ["cache"]
)


def request_id_of(request: Request) -> str:
    rid: str | None = getattr(request.ctx, "request_id", None)
    return rid or "-"


def install(app: Sanic) -> None:
    """Give every request an id (a safe X-Request-ID is kept), log and count it."""

    @app.on_request(priority=100)  # type: ignore[call-arg]
    async def start_timer(request: Request) -> None:
        incoming = request.headers.get("x-request-id", "")
        safe = _SAFE_REQUEST_ID.fullmatch(incoming)
        request.ctx.request_id = incoming if safe else uuid.uuid4().hex
        request.ctx.started = time.perf_counter()

    @app.on_response(priority=100)
    async def log_response(request: Request, response: HTTPResponse) -> None:
        started = getattr(request.ctx, "started", None)
        duration = time.perf_counter() - started if started is not None else 0.0
        rid = request_id_of(request)
        response.headers["X-Request-ID"] = rid
        route = request.route.path if request.route else "<unmatched>"
        HTTP_REQUESTS.labels(request.method, route, str(response.status)).inc()
        HTTP_LATENCY.labels(request.method, route).observe(duration)
        access_log.info(
            "%s %s %s %.1fms request_id=%s",
            request.method,
            request.path,
            response.status,
            duration * 1000,
            rid,
        )

    async def metrics(request: Request) -> HTTPResponse:
        return raw(generate_latest(), content_type=CONTENT_TYPE_LATEST)

    app.add_route(metrics, "/metrics", methods=["GET"], name="metrics")
