"""Connection abuse at the HTTP layer (mall/protocol.py): a request head trickled a byte at
a time is cut off at its deadline, and one address cannot hold unlimited connections."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
from sanic import Sanic

from mall.runtime import Runtime
from tests.conftest import APP_PORT

HEAD_TIMEOUT = 1.0
# The server closed while our bytes were still arriving: its kernel answers with a reset,
# which may overtake the 408 it wrote. Either way the connection was cut off.
RESET = -1


@pytest.fixture
def short_head_deadline(rt: Runtime) -> Iterator[float]:
    """The running app's head deadline lowered for this test (read per connection)."""
    previous = rt.settings
    rt.settings = previous.model_copy(update={"request_head_timeout": HEAD_TIMEOUT})
    yield HEAD_TIMEOUT
    rt.settings = previous


async def connect() -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    return await asyncio.open_connection("127.0.0.1", APP_PORT)


async def read_response(reader: asyncio.StreamReader, timeout: float) -> tuple[int, bytes]:
    """Status and body of one response, read until the server closes (RESET if it reset)."""
    try:
        raw = await asyncio.wait_for(reader.read(), timeout)
    except ConnectionResetError:
        return RESET, b""
    head, _, body = raw.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1]) if head else 0
    return status, body


async def test_a_trickled_request_head_is_cut_off_at_its_deadline(
    app_server: Sanic, short_head_deadline: float
) -> None:
    reader, writer = await connect()
    writer.write(b"GET /health/live HTTP/1.1\r\nHost: mall\r\nX-Slow: ")
    started = time.monotonic()

    async def trickle() -> None:
        # A byte every 0.2 s: each one would restart a per-read timeout.
        while not writer.is_closing():
            writer.write(b"a")
            await writer.drain()
            await asyncio.sleep(0.2)

    trickling = asyncio.create_task(trickle())
    try:
        status, body = await read_response(reader, timeout=short_head_deadline + 5)
    finally:
        trickling.cancel()
        await asyncio.gather(trickling, return_exceptions=True)
        writer.close()
    elapsed = time.monotonic() - started
    assert status in (408, RESET), (status, body)
    if status == 408:
        assert json.loads(body)["error"]["code"] == "request_timeout"
    assert short_head_deadline <= elapsed < short_head_deadline + 5


async def test_the_head_deadline_leaves_idle_keep_alive_and_prompt_requests_alone(
    app_server: Sanic, short_head_deadline: float
) -> None:
    reader, writer = await connect()
    try:
        # Idle longer than the head deadline before the first byte: keep-alive's business.
        await asyncio.sleep(short_head_deadline * 1.5)
        writer.write(b"GET /health/live HTTP/1.1\r\nHost: mall\r\nConnection: close\r\n\r\n")
        status, body = await read_response(reader, timeout=5)
    finally:
        writer.close()
    assert status == 200 and json.loads(body) == {"status": "ok"}


async def test_connections_per_address_are_capped(app_server: Sanic) -> None:
    gate = app_server.ctx.connection_gate
    previous = gate.limit
    gate.limit = gate.open["127.0.0.1"] + 3  # whatever this process already holds, plus 3
    held: list[Any] = []
    try:
        for _ in range(3):
            held.append(await connect())
        await asyncio.sleep(0.1)  # let the server take them
        reader, writer = await connect()
        status, body = await read_response(reader, timeout=5)
        writer.close()
        assert status == 429
        error = json.loads(body)["error"]
        assert error["code"] == "too_many_connections" and error["details"]["retry_after"] > 0

        # One closes: room for another, which is served.
        _, first = held.pop()
        first.close()
        await first.wait_closed()

        async def served() -> int:
            reader, writer = await connect()
            writer.write(b"GET /health/live HTTP/1.1\r\nHost: mall\r\nConnection: close\r\n\r\n")
            status, _ = await read_response(reader, timeout=5)
            writer.close()
            return status

        from tests.processes import wait_until

        async def ok() -> bool:
            return await served() == 200

        await wait_until(ok, timeout=5, what="a freed connection slot")
    finally:
        for _, writer in held:
            writer.close()
        gate.limit = previous
