"""Metrics across processes: one scrape of `mall serve --workers 2` sums both workers."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.processes import ROOT, MallProcess, wait_http_ready, wait_until

START_TIMEOUT = 60.0  # a generous bound: a busy machine starts processes slowly
MAX_REQUESTS = 2000
LIVE_ROUTE = 'mall_http_requests_total{method="GET",route="health/live",status="200"}'


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def sample(text: str, series: str) -> float:
    """The value of one series in Prometheus text (0 when absent)."""
    for line in text.splitlines():
        if line.startswith(series + " "):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def served_by_pid(log_path: Path) -> Counter[int]:
    """GET /health/live answers per process, from the access log (`<time> <pid> DEBUG ...`:
    probes that pass are logged at DEBUG)."""
    pattern = re.compile(r"^\S+ \S+ (\d+) DEBUG mall\.access GET /health/live 200 ")
    text = log_path.read_text(errors="replace")
    return Counter(int(m[1]) for line in text.splitlines() if (m := pattern.match(line)))


def stale_counter(directory: Path) -> None:
    """A counter file as a process of an earlier run would have left it: 1000 requests."""
    from prometheus_client.mmap_dict import MmapedDict, mmap_key

    directory.mkdir(parents=True, exist_ok=True)
    values = MmapedDict(str(directory / "counter_999999.db"))
    key = mmap_key(
        "mall_http_requests_total",
        "mall_http_requests_total",
        ["method", "route", "status"],
        ["GET", "health/live", "200"],
        "HTTP requests served",
    )
    values.write_value(key, 1000.0, 0.0)
    values.close()


@pytest.fixture
async def api_two_workers(migrated_db: str, tmp_path: Path) -> Any:
    port = _free_port()
    metrics_dir = tmp_path / "metrics"
    stale_counter(metrics_dir / f"api-{port}")
    env = {
        **os.environ,
        "MALL_LOG_LEVEL": "DEBUG",
        "MALL_METRICS_DIR": str(metrics_dir),
        "MALL_PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
    }
    api = MallProcess(
        "api-2-workers",
        ["serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "2"],
        env=env,
        log_dir=tmp_path,
    )
    api.start()
    try:
        await wait_http_ready(f"http://127.0.0.1:{port}", timeout=START_TIMEOUT, watch=[api])
        yield api, f"http://127.0.0.1:{port}"
    finally:
        await api.stop()


async def test_one_scrape_sums_both_api_worker_processes(api_two_workers: Any) -> None:
    api, base_url = api_two_workers
    sent = 0

    async def both_served() -> Counter[int] | None:
        nonlocal sent
        # A new connection each time: the kernel hands each to whichever process accepts.
        for _ in range(10):
            async with httpx.AsyncClient(base_url=base_url, timeout=10) as http:
                assert (await http.get("/health/live")).status_code == 200
            sent += 1
        per_pid = served_by_pid(api.log_path)
        enough = sum(per_pid.values()) == sent and len(per_pid) == 2
        return per_pid if enough or sent >= MAX_REQUESTS else None

    per_pid = await wait_until(
        both_served, timeout=120, what="both worker processes serving", watch=[api], interval=0
    )
    assert len(per_pid) == 2, f"{sent} requests all served by one process: {per_pid}"
    assert sum(per_pid.values()) == sent

    async with httpx.AsyncClient(base_url=base_url, timeout=10) as http:
        scraped = (await http.get("/metrics")).text
    # The sum over both processes (the stale file of an earlier run was emptied at start).
    assert sample(scraped, LIVE_ROUTE) == sent, (per_pid, scraped[:2000])
    assert sent > max(per_pid.values())
    # Histograms add up across processes too.
    live_count = 'mall_http_request_duration_seconds_count{method="GET",route="health/live"}'
    assert sample(scraped, live_count) == sent


def test_the_dashboard_names_only_metrics_routes_and_tasks_that_exist() -> None:
    from prometheus_client import Counter as PromCounter
    from prometheus_client import Gauge, Histogram

    from mall import observability
    from mall.app import create_app
    from mall.jobs import TaskName
    from tasks.metrics import QUEUE_GAUGES

    suffixes = {"counter": ["_total"], "histogram": ["_bucket", "_count", "_sum"], "gauge": [""]}
    known = set(QUEUE_GAUGES)
    for metric in vars(observability).values():
        if isinstance(metric, PromCounter | Gauge | Histogram):
            for family in metric.describe():
                known |= {family.name + suffix for suffix in suffixes[family.type]}
    dashboard = json.loads((ROOT / "deploy" / "grafana" / "mall.json").read_text())
    exprs = [t["expr"] for panel in dashboard["panels"] for t in panel.get("targets", [])]
    assert len(exprs) >= 10
    used = {name for expr in exprs for name in re.findall(r"\bmall_[a-z_]+", expr)}
    assert used - known == set()
    for wanted in ("mall_ws_connections", "mall_task_lateness_seconds_bucket"):
        assert wanted in used

    app = create_app(settings=None)
    routes = {route.path for route in app.router.routes}
    assert {r for e in exprs for r in re.findall(r'route="([^"]+)"', e)} <= routes
    tasks_named = {t for e in exprs for t in re.findall(r'task="([^"]+)"', e)}
    assert tasks_named and tasks_named <= {str(name) for name in TaskName}


def test_a_dead_process_leaves_the_live_gauges(tmp_path: Path) -> None:
    from prometheus_client.mmap_dict import MmapedDict, mmap_key

    from mall.observability import forget_dead_processes

    finished = subprocess.Popen(["true"])
    finished.wait()  # reaped: its pid names no process now
    key = mmap_key("mall_ws_connections", "mall_ws_connections", ["endpoint"], ["ws"], "")
    for pid in (finished.pid, os.getpid()):
        for kind in ("gauge_livesum", "counter"):
            values = MmapedDict(str(tmp_path / f"{kind}_{pid}.db"))
            values.write_value(key, 3.0, 0.0)
            values.close()
    forget_dead_processes(tmp_path)
    left = sorted(p.name for p in tmp_path.iterdir())
    assert left == sorted(
        [
            f"counter_{finished.pid}.db",
            f"counter_{os.getpid()}.db",
            f"gauge_livesum_{os.getpid()}.db",
        ]
    )


def test_a_second_serve_on_a_taken_port_leaves_the_first_ones_metrics(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        stale_counter(tmp_path / f"api-{port}")
        done = subprocess.run(
            [sys.executable, "-m", "mall.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
            env={**os.environ, "MALL_METRICS_DIR": str(tmp_path)},
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert done.returncode == 1
    assert f"port {port} (the API, 127.0.0.1) is already in use" in done.stderr
    assert (tmp_path / f"api-{port}" / "counter_999999.db").exists()
