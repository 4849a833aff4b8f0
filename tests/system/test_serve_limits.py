"""`mall serve` runs the app with mall/protocol.py in every worker process: a trickled
request head is cut off at MALL_REQUEST_HEAD_TIMEOUT there too."""

from __future__ import annotations

import asyncio
import json
import os
import time
from pathlib import Path

from tests.conftest import _free_port
from tests.processes import MallProcess, wait_http_ready


async def trickled_head(port: int) -> tuple[bytes, float]:
    """Send a request head a byte every 0.2 s until the server answers; its answer and when."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"GET /health/live HTTP/1.1\r\nHost: mall\r\nX-Slow: ")
    started = time.monotonic()

    async def trickle() -> None:
        while not writer.is_closing():
            writer.write(b"a")
            await writer.drain()
            await asyncio.sleep(0.2)

    trickling = asyncio.create_task(trickle())
    try:
        raw = await asyncio.wait_for(reader.read(), 10)
    except ConnectionResetError:
        # Closed while our bytes still arrived: the reset may overtake the 408. Cut off.
        raw = b""
    finally:
        trickling.cancel()
        await asyncio.gather(trickling, return_exceptions=True)
        writer.close()
    return raw, time.monotonic() - started


async def test_serve_cuts_off_a_slow_header_client_in_every_worker(tmp_path: Path) -> None:
    port = _free_port()
    env = {**os.environ, "MALL_REQUEST_HEAD_TIMEOUT": "1"}
    api = MallProcess(
        "api-head-deadline",
        ["serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "2"],
        env=env,
        log_dir=tmp_path,
    )
    api.start()
    try:
        await wait_http_ready(f"http://127.0.0.1:{port}", timeout=60, watch=[api])
        # Several at once: the two workers share the listening socket.
        answers = await asyncio.gather(*(trickled_head(port) for _ in range(4)))
        for raw, elapsed in answers:
            head, _, body = raw.partition(b"\r\n\r\n")
            if raw:
                assert head.startswith(b"HTTP/1.1 408"), (raw, api.log_tail())
                assert json.loads(body)["error"]["code"] == "request_timeout"
            assert 1 <= elapsed < 10, (elapsed, api.log_tail())
    finally:
        await api.stop()
