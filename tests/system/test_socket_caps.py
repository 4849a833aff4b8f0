"""Websocket caps across API processes: two real `mall serve` processes share one count
per address, open sockets keep their slots alive, and a killed process's slots lapse."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
from pathlib import Path
from typing import Any

import httpx
import websockets
from websockets.exceptions import InvalidStatus

from tests.factories import login
from tests.realtime.test_realtime import recv_json, ws_url
from tests.realtime.test_realtime_security import error_of, refused


async def test_socket_caps_hold_across_api_processes_and_a_crashed_process_frees_its_slots(
    client: httpx.AsyncClient, tmp_path: Path
) -> None:
    from tests.conftest import _free_port
    from tests.processes import MallProcess, wait_http_ready, wait_until

    users = [await login(client, f"crowd{n}") for n in range(6)]
    env = {**os.environ, "MALL_WS_MAX_PER_IP": "4", "MALL_WS_SLOT_TTL": "1"}
    ports = [_free_port(), _free_port()]
    apis = [
        MallProcess(
            f"api-caps-{n}",
            ["serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "1"],
            env=env,
            log_dir=tmp_path,
        )
        for n, port in enumerate(ports)
    ]
    opened: list[Any] = []
    try:
        for api in apis:
            api.start()
        for port in ports:
            await wait_http_ready(f"http://127.0.0.1:{port}", timeout=90, watch=apis)
        bases = [f"http://127.0.0.1:{port}" for port in ports]

        def url(base: str, n: int) -> str:
            return ws_url(base, "/ws", users[n]["access_token"])

        # Two sockets on each process: four from this address in all.
        for n in range(4):
            opened.append(await websockets.connect(url(bases[n % 2], n)))
            await recv_json(opened[-1])
        for base in bases:
            refusal = await refused(url(base, 4))
            assert refusal.response.status_code == 429
            assert error_of(refusal)["code"] == "too_many_sockets"

        # Slots of open sockets are kept alive past their time to live...
        await asyncio.sleep(2.5)
        assert (await refused(url(bases[1], 4))).response.status_code == 429

        # ...and a process killed without a word gives its slots back once they lapse.
        apis[0].kill(signal.SIGKILL)

        async def accepted() -> Any:
            try:
                return await websockets.connect(url(bases[1], 4))
            except InvalidStatus:
                return None

        opened.append(await wait_until(accepted, timeout=30, what="slots of a dead process"))
        assert (await recv_json(opened[-1]))["type"] == "welcome"
        # The live process's own two sockets still count: 3 of 4 taken now, one more fits.
        opened.append(await websockets.connect(url(bases[1], 5)))
        await recv_json(opened[-1])
        assert (await refused(url(bases[1], 0))).response.status_code == 429  # the address cap
    finally:
        for ws in opened:
            with contextlib.suppress(Exception):
                await ws.close()
        for api in apis:
            await api.stop()
