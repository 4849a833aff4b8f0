"""Idle websocket clients in a process of their own, for tests that measure the server.

    python -m tests.realtime.idle_clients

Reads one JSON line on stdin: {"urls": [...]}; opens a socket to each URL, waits for its
welcome, prints "open N" and holds them, reading nothing else, until stdin closes.
"""

from __future__ import annotations

import asyncio
import json
import sys

import websockets


async def main() -> None:
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    urls = json.loads(await reader.readline())["urls"]
    gate = asyncio.Semaphore(20)

    async def one(url: str) -> websockets.ClientConnection:
        async with gate:
            ws = await websockets.connect(url, ping_interval=None, compression=None)
            await asyncio.wait_for(ws.recv(), 30)
            return ws

    sockets = await asyncio.gather(*(one(url) for url in urls))
    print(f"open {len(sockets)}", flush=True)
    await reader.read()  # until the test closes stdin
    await asyncio.gather(*(ws.close() for ws in sockets), return_exceptions=True)


if __name__ == "__main__":
    asyncio.run(main())
