"""Request ids, one access-log line per request, and Prometheus metrics.

Metrics of several processes add up: `mall serve` and `mall worker` point
PROMETHEUS_MULTIPROC_DIR at a directory of their own before any process imports
prometheus_client, each process writes its values there, and a scrape of any of them reads
them all (prometheus_client's multiprocess mode). Counters and histograms are summed over
every process that ever ran since the start (a dead process's counts stay); gauges say how
they combine (`livesum`: only live processes count). Without the variable (tests, one-off
commands) the process's own registry is served.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import re
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.multiprocess import MultiProcessCollector, mark_process_dead
from sanic import Request, Sanic
from sanic.response import HTTPResponse, raw

from mall.errors import CLIENT_CLOSED

access_log = logging.getLogger("mall.access")
log = logging.getLogger("mall.metrics")

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
HEALTH_PREFIX = "/health/"
_SAFE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
# The files of gauges that count live processes only: gauge_livesum_<pid>.db, ...
_LIVE_GAUGE_FILE = re.compile(r"gauge_live[a-z]+_(\d+)\.db")

HTTP_REQUESTS = Counter(
    "mall_http_requests_total", "HTTP requests served", ["method", "route", "status"]
)
HTTP_LATENCY = Histogram(
    "mall_http_request_duration_seconds",
    "HTTP request latency",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
WS_CONNECTIONS = Gauge(
    "mall_ws_connections",
    "Open websocket connections",
    ["endpoint"],
    multiprocess_mode="livesum",
)
EVENTS_PUBLISHED = Counter("mall_events_published_total", "Events published", ["event"])
# What this process's live feed received: with per-channel subscriptions, only the events
# of channels its sockets are on.
LIVE_EVENTS_RECEIVED = Counter(
    "mall_live_events_received_total", "Live events received by this process's feed"
)
TASK_OUTCOMES = Counter("mall_task_outcomes_total", "Task runs by outcome", ["task", "outcome"])
CACHE_LOOKUPS = Counter(
    "mall_cache_lookups_total", "Catalog cache lookups by result (hit/miss)", ["cache", "result"]
)
CACHE_REBUILDS = Counter(
    "mall_cache_rebuilds_total", "Catalog cache entries rebuilt from the database", ["cache"]
)

# Taskiq workers (tasks/metrics.py) and the scheduler (tasks/schedule_source.py).
TASK_SECONDS_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)
LATENESS_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300, 900)
TASK_RUNS = Counter(
    "mall_task_runs_total", "Task runs by result (ok, or error: it raised)", ["task", "result"]
)
TASK_DURATION = Histogram(
    "mall_task_duration_seconds", "Task run time", ["task"], buckets=TASK_SECONDS_BUCKETS
)
TASK_LATENESS = Histogram(
    "mall_task_lateness_seconds",
    "Delayed jobs: from the time they were due to the start of their run",
    ["task"],
    buckets=LATENESS_BUCKETS,
)
TASKS_RUNNING = Gauge(
    "mall_tasks_running", "Tasks running now", ["task"], multiprocess_mode="livesum"
)
SCHEDULES_SENT = Counter(
    "mall_schedules_sent_total", "Delayed jobs the scheduler sent to the workers", ["task"]
)
SCHEDULE_SEND_LATENESS = Histogram(
    "mall_schedule_send_lateness_seconds",
    "Delayed jobs: from the time they were due to the scheduler sending them",
    ["task"],
    buckets=LATENESS_BUCKETS,
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
        # Probes that pass (a load balancer's, compose's, `mall dev`'s) repeat every few
        # seconds: DEBUG. A failing one stays visible.
        level = logging.DEBUG if _passing_probe(request.path, response.status) else logging.INFO
        access_log.log(
            level,
            "%s %s %s %.1fms request_id=%s",
            request.method,
            request.path,
            response.status,
            duration * 1000,
            rid,
        )

    async def metrics(request: Request) -> HTTPResponse:
        return raw(await asyncio.to_thread(exposition), content_type=CONTENT_TYPE_LATEST)

    app.add_route(metrics, "/metrics", methods=["GET"], name="metrics")

    @app.after_server_stop
    async def forget_live_gauges(app: Sanic) -> None:
        # This process's sockets close with it: its share of live gauges goes too.
        if directory := multiprocess_dir():
            mark_process_dead(os.getpid(), str(directory))


def _passing_probe(path: str, status: int) -> bool:
    """A health probe that passed, or whose client gave up waiting (499: it asks again)."""
    return path.startswith(HEALTH_PREFIX) and (status < 400 or status == CLIENT_CLOSED)


def multiprocess_dir() -> Path | None:
    """The directory every process of this command writes its metrics to, if any."""
    value = os.environ.get(MULTIPROC_ENV)
    return Path(value) if value else None


def exposition() -> bytes:
    """The metrics in Prometheus text format: every process's sum in multiprocess mode.

    Blocking (it reads one file per process and metric type): run it in a thread."""
    directory = multiprocess_dir()
    if directory is None:
        return generate_latest(REGISTRY)
    forget_dead_processes(directory)
    registry = CollectorRegistry()
    MultiProcessCollector(registry, path=str(directory))
    return generate_latest(registry)


def forget_dead_processes(directory: Path) -> None:
    """Drop the live-gauge files of processes that died without saying so (killed, crashed):
    their sockets and running tasks are gone. Their counters stay, as totals must."""
    for entry in os.scandir(directory):
        match = _LIVE_GAUGE_FILE.fullmatch(entry.name)
        if match and not _alive(int(match[1])):
            mark_process_dead(int(match[1]), str(directory))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


async def serve_metrics(
    *, host: str, port: int, collect: Callable[[], Awaitable[bytes]]
) -> asyncio.Server:
    """A minimal HTTP listener for processes without a web server (Taskiq worker, scheduler):
    GET /metrics answers what `collect` returns; anything else is a 404."""

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
            method, _, rest = head.partition(b" ")
            path = rest.split(b" ", 1)[0].split(b"?", 1)[0]
            if method == b"GET" and path == b"/metrics":
                status, content_type, body = "200 OK", CONTENT_TYPE_LATEST, await collect()
            else:
                status, content_type, body = "404 Not Found", "text/plain", b"not found\n"
            writer.write(
                f"HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\n"
                f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode()
                + body
            )
            await writer.drain()
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, TimeoutError):
            pass
        except Exception:
            log.exception("metrics scrape failed")
        finally:
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()

    return await asyncio.start_server(answer, host, port)
