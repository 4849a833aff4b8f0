"""Memory per idle socket, measured in the server's own process with tracemalloc.

The clients run in a process of their own (tests/realtime/idle_clients.py), so what is
traced here is the server's share: Sanic's protocol and request, the websocket
connection, the hub's Connection and the handler. bench/realtime.py measures the same as
RSS beside a bare websockets server; this test only catches a gross regression.
"""

from __future__ import annotations

import asyncio
import gc
import json
import sys
import time
import tracemalloc
from pathlib import Path
from typing import Any

from mall.config import Settings
from tests.factories import make_buyers
from tests.realtime.test_realtime import ws_url

REPO = Path(__file__).resolve().parents[2]
SOCKETS = 150  # 30 users with 5 sockets each: within the per-account and per-address caps
# Traced bytes per idle socket on the test server (asyncio's transports, which are bigger
# than uvloop's): about 18 KiB now; Sanic's own websocket connection brought it to 31 KiB.
LIMIT_KIB = 24


async def _open(urls: list[str]) -> asyncio.subprocess.Process:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.realtime.idle_clients",
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        cwd=REPO,
    )
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write(json.dumps({"urls": urls}).encode() + b"\n")
    await proc.stdin.drain()
    line = await asyncio.wait_for(proc.stdout.readline(), 60)
    assert line.decode().strip() == f"open {len(urls)}", line
    return proc


async def _close(proc: asyncio.subprocess.Process) -> None:
    assert proc.stdin is not None
    proc.stdin.close()
    try:
        await asyncio.wait_for(proc.wait(), 30)
    except TimeoutError:
        proc.kill()
        await proc.wait()


async def _settle(hub: Any, count: int) -> None:
    """Until the hub holds COUNT sockets, then a moment for their handlers to go idle."""
    deadline = time.monotonic() + 30
    while len(hub.connections) != count:
        assert time.monotonic() < deadline, f"{len(hub.connections)} sockets, not {count}"
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.5)
    gc.collect()


async def test_an_idle_socket_costs_the_server_little_memory(
    app_server: Any, base_url: str, settings: Settings
) -> None:
    hub = app_server.ctx.hub
    buyers = await make_buyers(settings, SOCKETS // 5, prefix="idle")
    tokens = [headers["Authorization"].removeprefix("Bearer ") for _, headers in buyers]
    urls = [ws_url(base_url, "/ws", token) for token in tokens for _ in range(5)]

    # Warm up: first sockets fill caches (routes, pools) that later ones share.
    await _close(await _open(urls[:10]))
    await _settle(hub, 0)

    tracemalloc.start()
    try:
        before = tracemalloc.take_snapshot()
        clients = await _open(urls)
        try:
            await _settle(hub, SOCKETS)
            after = tracemalloc.take_snapshot()
        finally:
            await _close(clients)
    finally:
        tracemalloc.stop()
    grown = sum(stat.size_diff for stat in after.compare_to(before, "filename"))
    per_socket_kib = grown / SOCKETS / 1024
    assert 2 < per_socket_kib < LIMIT_KIB, f"{per_socket_kib:.1f} KiB per idle socket"
    await _settle(hub, 0)
