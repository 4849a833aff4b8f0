"""Live fan-out on standalone Redis and on a Redis Cluster, with four API processes.

Each of four `mall serve` processes holds sockets subscribed to product channels of its
own; events are published to every one of those channels. Measured per mode: how many
live events each process received (it should receive only its own channels' events: a
process subscribes to what its sockets need, SUBSCRIBE or SSUBSCRIBE per channel), and how
long an event takes until the last socket on its channel has it.

    python bench/fanout_modes.py [--sockets-per-process 100] [--events 50]

Uses its own database (mall_bench_fanout), the Redis db given (flushed) for standalone,
and a 6-node cluster on loopback it starts and stops; rewrites its section of
bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx
import websockets

from bench.harness import processes, report, services

DATABASE = "mall_bench_fanout"
LOGS = services.REPO_ROOT / ".mall" / "bench" / "fanout"
PROCESSES = 4
CHANNELS_PER_PROCESS = 2


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sockets-per-process", type=int, default=100)
    parser.add_argument("--events", type=int, default=50, help="events per channel")
    parser.add_argument("--redis-db", type=int, default=5, help="flushed (standalone)")
    parser.add_argument("--no-write", action="store_true", help="leave RESULTS.md alone")
    return parser.parse_args()


async def received_per_process(ports: list[int]) -> list[float]:
    counts = []
    async with httpx.AsyncClient(timeout=10) as http:
        for port in ports:
            text = (await http.get(f"http://127.0.0.1:{port}/metrics")).text
            match = re.search(r"^mall_live_events_received_total ([0-9.e+]+)$", text, re.M)
            counts.append(float(match.group(1)) if match else 0.0)
    return counts


async def tokens(settings: Any, count: int) -> list[str]:
    import asyncpg

    from mall.auth.tokens import Audience, TokenType, encode

    conn = await asyncpg.connect(settings.database_url)
    try:
        ids = [
            await conn.fetchval(
                "INSERT INTO users (openid, nickname, avatar_url, banned, banned_reason,"
                " created_at, updated_at) VALUES ($1, '', '', false, '', now(), now())"
                " RETURNING id",
                f"fanout-{n}-{time.time_ns()}",
            )
            for n in range(count)
        ]
    finally:
        await conn.close()
    return [
        encode(settings, subject=uid, audience=Audience.USER, typ=TokenType.ACCESS, family="f")[0]
        for uid in ids
    ]


class Sockets:
    """Sockets on each process, subscribed to that process's product channels."""

    def __init__(self) -> None:
        self.open: list[Any] = []
        self.arrivals: dict[tuple[int, int], list[float]] = {}
        self.readers: list[asyncio.Task[None]] = []

    async def connect(self, port: int, token: str, channel: int) -> None:
        ws = await websockets.connect(f"ws://127.0.0.1:{port}/ws?token={token}", max_queue=None)
        await ws.recv()  # welcome
        await ws.send(json.dumps({"op": "subscribe", "channel": f"product:{channel}"}))
        while json.loads(await ws.recv()).get("type") != "subscribed":
            pass
        self.open.append(ws)
        self.readers.append(asyncio.create_task(self._read(ws, channel)))

    async def _read(self, ws: Any, channel: int) -> None:
        async for raw in ws:
            message = json.loads(raw)
            if message.get("type") == "event":
                seq = message["data"]["seq"]
                self.arrivals.setdefault((channel, seq), []).append(time.perf_counter())

    async def close(self) -> None:
        for task in self.readers:
            task.cancel()
        for ws in self.open:
            await ws.close()


async def run_mode(mode: str, redis_env: dict[str, str], args: argparse.Namespace) -> dict:
    from tortoise import Tortoise

    from mall import events
    from mall.config import Settings
    from mall.events import Publisher
    from mall.resources import redis_client

    target = services.Target(database=DATABASE, redis_db=args.redis_db)
    env = services.mall_env(target, **redis_env)
    settings = Settings(
        database_url=target.database_url,
        redis_url=redis_env["MALL_REDIS_URL"],
        redis_cluster=redis_env.get("MALL_REDIS_CLUSTER") == "true",
    )
    await services.recreate_database(target, env)
    log_dir = LOGS / mode
    log_dir.mkdir(parents=True, exist_ok=True)
    ports = [processes.free_port() for _ in range(PROCESSES)]
    sockets = Sockets()
    redis = redis_client(settings)
    from mall.resources import is_cluster

    publisher = Publisher(
        redis,
        live_prefix=events.live_prefix(
            database=0 if is_cluster(redis) else args.redis_db, cluster=is_cluster(redis)
        ),
        sharded=is_cluster(redis),
    )
    await Tortoise.init(
        db_url=target.database_url.replace("postgres://", "postgres://"),
        modules={"models": ["models"]},
    )
    try:
        with processes.Processes(log_dir) as procs:
            for index, port in enumerate(ports):
                procs.start_mall(
                    f"api-{index}",
                    ["serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "1"],
                    env,
                )
            for port in ports:
                processes.wait_for_http(f"http://127.0.0.1:{port}/health/ready", procs)
            all_tokens = await tokens(settings, PROCESSES * args.sockets_per_process)
            for index, port in enumerate(ports):
                mine = all_tokens[index * args.sockets_per_process :][: args.sockets_per_process]
                for n, token in enumerate(mine):
                    channel = index * CHANNELS_PER_PROCESS + n % CHANNELS_PER_PROCESS + 1
                    await sockets.connect(port, token, channel)
            before = await received_per_process(ports)
            channels = range(1, PROCESSES * CHANNELS_PER_PROCESS + 1)
            sent_at: dict[tuple[int, int], float] = {}
            for seq in range(args.events):
                for channel in channels:
                    from tortoise.transactions import in_transaction

                    async with in_transaction():
                        event = await events.record(
                            channel=f"product:{channel}",
                            name="stock.changed",
                            data={"product_id": channel, "seq": seq},
                        )
                    sent_at[(channel, seq)] = time.perf_counter()
                    await publisher.publish([event])
                await asyncio.sleep(0.02)
            await asyncio.sleep(2)
            after = await received_per_process(ports)
    finally:
        await sockets.close()
        await publisher.close()
        await redis.aclose()
        await Tortoise.close_connections()
    per_channel_sockets = args.sockets_per_process // CHANNELS_PER_PROCESS
    lateness = [
        (max(times) - sent_at[key]) * 1000
        for key, times in sockets.arrivals.items()
        if len(times) >= per_channel_sockets
    ]
    complete = sum(
        1 for key in sent_at if len(sockets.arrivals.get(key, [])) >= per_channel_sockets
    )
    return {
        "received": [a - b for a, b in zip(after, before, strict=True)],
        "expected_each": args.events * CHANNELS_PER_PROCESS,
        "published": len(sent_at),
        "complete": complete,
        "p50": report.percentile(lateness, 50),
        "p99": report.percentile(lateness, 99),
    }


async def main_async(args: argparse.Namespace) -> int:
    from tests.redis_servers import ClusterSet

    results = {}
    target = services.Target(database=DATABASE, redis_db=args.redis_db)
    await services.flush_redis(target)
    results["standalone"] = await run_mode("standalone", {"MALL_REDIS_URL": target.redis_url}, args)
    with tempfile.TemporaryDirectory() as tmp:
        cluster = ClusterSet(Path(tmp))
        await cluster.start()
        try:
            results["cluster"] = await run_mode(
                "cluster", {"MALL_REDIS_URL": cluster.url, "MALL_REDIS_CLUSTER": "true"}, args
            )
        finally:
            await cluster.stop()
    rows = []
    ok = True
    for mode, r in results.items():
        only_own = all(count == r["expected_each"] for count in r["received"])
        ok &= only_own and r["complete"] == r["published"]
        rows.append(
            (
                mode,
                " / ".join(f"{c:.0f}" for c in r["received"]),
                f"{r['expected_each']} each",
                "yes" if only_own else "NO",
                f"{r['complete']} / {r['published']}",
                f"{r['p50']:.1f} ms",
                f"{r['p99']:.1f} ms",
            )
        )
    markdown = report.print_table(
        f"Live fan-out, {PROCESSES} API processes, {args.sockets_per_process} sockets each on "
        f"{CHANNELS_PER_PROCESS} channels of their own, {args.events} events per channel",
        [
            "Redis",
            "events received by each process",
            "its channels had",
            "only its own",
            "events every socket got",
            "until the last socket: p50",
            "p99",
        ],
        rows,
    )
    if not args.no_write:
        report.write_section("Live fan-out by Redis mode", markdown)
    return 0 if ok else 1


def main() -> int:
    return asyncio.run(main_async(parse_args()))


if __name__ == "__main__":
    raise SystemExit(main())
