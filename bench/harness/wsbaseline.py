"""The fan-out baseline: Redis PUBLISH -> a bare `websockets` server -> the same clients.

No application code: every connection joins one set, one Redis subscription feeds it, and
each message is sent as it came with the library's own broadcast(). It runs on uvloop like
Sanic, so the comparison is about code, not event loops.

    python -m bench.harness.wsbaseline PORT REDIS_URL CHANNEL
"""

from __future__ import annotations

import sys

import redis.asyncio as aioredis
from websockets.asyncio.server import ServerConnection, broadcast, serve


async def main(port: int, redis_url: str, channel: str) -> None:
    clients: set[ServerConnection] = set()

    async def handler(ws: ServerConnection) -> None:
        clients.add(ws)
        try:
            await ws.wait_closed()
        finally:
            clients.discard(ws)

    redis = aioredis.Redis.from_url(redis_url, decode_responses=True)
    pubsub = redis.pubsub()
    await pubsub.subscribe(channel)
    async with serve(handler, "127.0.0.1", port, compression=None):
        print("ready", flush=True)
        async for message in pubsub.listen():
            if message["type"] == "message":
                broadcast(clients, message["data"])


if __name__ == "__main__":
    import resource

    import uvloop

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    uvloop.run(main(int(sys.argv[1]), sys.argv[2], sys.argv[3]))
