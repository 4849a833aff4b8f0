"""Real-time benchmark: payment notification to the owner's socket, fan-out to 5,000
subscribers beside a bare websockets baseline, and memory per idle connection.

    python bench/realtime.py            (or python -m bench.realtime; --help for the knobs)

One `mall serve --workers 1` on the local PostgreSQL and Redis, with a database of its own
(mall_bench_rt, dropped and migrated again) and a Redis db of its own (--redis-db,
flushed; live channels carry the db number, so other users of the server never see our
events). Clients are `websockets` clients spread over --load-processes processes, each a
distinct user with an access token from mall.auth.service.issue_pair. In order:

1. Memory: RSS of the API process after a warm-up, then with --clients and --subscribers
   idle authenticated sockets; (delta / N) in KiB. Target <= 20 KiB. The same for the
   baseline server below, for scale.
2. Fan-out: every socket subscribes to one product channel; a stock.changed event is
   written to the outbox and sent with mall.events.publish (what the services do after
   commit); time from that call until the LAST subscriber has it, and the server's CPU
   time for it. Baseline in the same run: a bare `websockets` server
   (bench/harness/wsbaseline) subscribed to one Redis channel broadcasts each PUBLISH of
   the same text to as many clients of its own, set up the same way. Rounds alternate
   between the two, so both see the same machine; --rounds each after a warm-up, median
   and max. Target: the app's median within 2x of the baseline's.
3. Payments: the baseline stops and all but --clients sockets close; --payments signed,
   encrypted WeChat Pay notifications (mall.wechat.simulator helpers, keys from
   mall.wechat.keys) for pending orders with a prepay are POSTed at --rate per second;
   latency from the moment a POST is sent to the order.paid event at its owner's socket.
   Target p99 < 50 ms.

The cores are shared with whatever else runs on the machine: each measurement waits a
while (--quiet-wait) for other processes to quieten down, and the CPU they used meanwhile
is printed beside it.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import os
import resource
import socket
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

if __package__ in (None, ""):
    # `python bench/realtime.py`: make `bench.harness` importable as under `python -m`.
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import orjson
import psutil

from bench.harness import processes, report, services
from bench.harness.wsclients import LoadProcesses

if TYPE_CHECKING:
    from mall.runtime import Runtime

DATABASE = "mall_bench_rt"
LOGS = services.REPO_ROOT / ".mall" / "bench" / "realtime"
KEYS_DIR = services.REPO_ROOT / ".mall" / "bench" / "keys"
PRODUCT_ID = 1
FD_LIMIT = 20_000
KIB = 1024
MEMORY_TARGET_KIB = 20
MIB = 1024 * 1024


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=1000, help="sockets during payments")
    parser.add_argument("--subscribers", type=int, default=5000, help="sockets for the fan-out")
    parser.add_argument("--payments", type=int, default=300)
    parser.add_argument("--rate", type=float, default=25.0, help="notifications per second")
    parser.add_argument("--rounds", type=int, default=9, help="fan-out rounds per path")
    parser.add_argument("--load-processes", type=int, default=4)
    parser.add_argument("--redis-db", type=int, default=10, help="flushed")
    parser.add_argument(
        "--redis",
        choices=("standalone", "cluster"),
        default="standalone",
        help="cluster: a 6-node Redis Cluster started on loopback for the run (sharded "
        "pub/sub); its own section of RESULTS.md",
    )
    parser.add_argument(
        "--database", default=DATABASE, help="dropped and migrated again (mall_bench*)"
    )
    parser.add_argument(
        "--quiet-wait",
        type=float,
        default=60,
        help="seconds each measurement may wait for other processes to leave the CPU alone",
    )
    parser.add_argument("--time-limit", type=int, default=420, help="seconds for the whole run")
    parser.add_argument("--no-write", action="store_true", help="leave RESULTS.md alone")
    args = parser.parse_args()
    if not 0 < args.payments <= args.clients <= args.subscribers:
        parser.error("need 0 < --payments <= --clients <= --subscribers")
    return args


# --- servers and data ----------------------------------------------------------------------


def wait_for_port(procs: processes.Processes, port: int, timeout: float = 30) -> None:
    """Until something accepts on 127.0.0.1:PORT; a child that exits meanwhile ends it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        procs.check_alive()
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise TimeoutError(f"nothing accepts on 127.0.0.1:{port} after {timeout:.0f}s")


@dataclass
class Buyer:
    user_id: int
    openid: str
    token: str


@dataclass
class PendingOrder:
    order_no: str
    user_id: int
    openid: str
    pay_amount: int


async def make_buyers(settings: Any, count: int) -> list[Buyer]:
    """COUNT users, each with an access token minted by the auth service."""
    from mall.auth import service as auth_service
    from mall.auth.tokens import Audience
    from models import User

    await User.bulk_create([User(openid=f"o-rt-{i:05d}") for i in range(count)], batch_size=1000)
    users = await User.filter(openid__startswith="o-rt-").order_by("id")
    gate = asyncio.Semaphore(8)

    async def with_token(user: Any) -> Buyer:
        async with gate:
            pair = await auth_service.issue_pair(settings, subject=user.id, audience=Audience.USER)
        return Buyer(user.id, user.openid, pair.access_token)

    return list(await asyncio.gather(*(with_token(u) for u in users)))


async def make_pending_orders(buyers: list[Buyer]) -> list[PendingOrder]:
    """One unpaid order with a JSAPI prepay per buyer, as POST /orders/<id>/pay leaves it."""
    from models import Order

    now = datetime.now(UTC)
    stamp = now.strftime("%y%m%d%H%M%S")
    orders = [
        PendingOrder(f"RT{stamp}{i:06d}", b.user_id, b.openid, 4900 + i)
        for i, b in enumerate(buyers)
    ]
    await Order.bulk_create(
        [
            Order(
                order_no=o.order_no,
                user_id=o.user_id,
                status="pending_payment",
                goods_amount=o.pay_amount,
                freight_amount=0,
                discount_amount=0,
                pay_amount=o.pay_amount,
                address={"name": "张三", "phone": "13800138000", "detail": "新港中路397号"},
                prepay_id=f"wx{stamp}{o.order_no}",
                expires_at=now + timedelta(hours=1),
            )
            for o in orders
        ]
    )
    return orders


def signed_notifications(
    settings: Any, orders: list[PendingOrder]
) -> list[tuple[dict[str, str], bytes]]:
    """TRANSACTION.SUCCESS notifications as WeChat sends them: signed, resource encrypted."""
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    from mall.wechat.simulator import build_notification, transaction_resource

    assert settings.wechat_sim_platform_private_key_path is not None
    platform_key = load_pem_private_key(
        settings.wechat_sim_platform_private_key_path.read_bytes(), password=None
    )
    assert isinstance(platform_key, RSAPrivateKey)
    notes = []
    for order in orders:
        note = build_notification(
            event_type="TRANSACTION.SUCCESS",
            resource=transaction_resource(
                appid=settings.wechat_appid,
                mchid=settings.wechat_mchid,
                out_trade_no=order.order_no,
                total_fen=order.pay_amount,
                openid=order.openid,
            ),
            apiv3_key=settings.wechat_pay_apiv3_key,
            sign_with=platform_key,
            public_key_id=settings.wechat_pay_public_key_id,
        )
        notes.append(({**note.headers, "Content-Type": "application/json"}, note.body))
    return notes


# --- measuring -----------------------------------------------------------------------------


class MachineLoad:
    """CPU that processes other than this benchmark's (and their PostgreSQL backends) used
    while it measured, in cores: what competed with the figures for the machine."""

    async def _ours(self) -> float:
        from tortoise import connections

        me = psutil.Process()
        rows = await connections.get("default").execute_query_dict(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
        )
        pids = [me.pid, *(c.pid for c in me.children(recursive=True)), *(r["pid"] for r in rows)]
        used = 0.0
        for pid in pids:
            try:
                used += cpu_seconds(pid)
            except psutil.Error:  # ended meanwhile
                continue
        return used

    async def mark(self) -> tuple[float, float, float]:
        machine = psutil.cpu_times()
        busy = sum(machine) - machine.idle - getattr(machine, "iowait", 0.0)
        return time.monotonic(), busy, await self._ours()

    @staticmethod
    def others(before: tuple[float, float, float], after: tuple[float, float, float]) -> float:
        wall = after[0] - before[0]
        return max(0.0, (after[1] - before[1]) - (after[2] - before[2])) / wall

    async def wait_quiet(self, limit: float, threshold: float = 0.25) -> None:
        """Wait, up to LIMIT seconds, until other processes use under THRESHOLD cores."""
        deadline = time.monotonic() + limit
        while True:
            before = await self.mark()
            await asyncio.sleep(2)
            others = self.others(before, await self.mark())
            if others < threshold or time.monotonic() >= deadline:
                return
            print(
                f"bench: others use {others:.2f} cores; waiting for a quieter machine", flush=True
            )


def ws_urls(port: int, buyers: list[Buyer]) -> list[str]:
    return [f"ws://127.0.0.1:{port}/ws?token={b.token}" for b in buyers]


def split(items: list[Any], parts: int) -> list[list[Any]]:
    return [items[i::parts] for i in range(parts)]


async def connect(load: LoadProcesses, port: int, buyers: list[Buyer], *, welcome: bool) -> None:
    """Open one socket per buyer, spread over the load processes; all must open."""
    urls = split(ws_urls(port, buyers), len(load.procs))
    labels = split([str(b.user_id) for b in buyers], len(load.procs))
    answers = await load.ask_each(
        [
            {"op": "connect", "urls": u, "labels": lb, "welcome": welcome}
            for u, lb in zip(urls, labels, strict=True)
        ]
    )
    failed = sum(a["failed"] for a in answers)
    if failed:
        errors = [a["errors"] for a in answers if a["errors"]]
        raise RuntimeError(f"{failed} of {len(buyers)} websocket connections failed: {errors}")


async def open_sockets(load: LoadProcesses) -> int:
    return sum(a["open"] for a in await load.ask_all({"op": "close", "keep": 10**9}))


async def settled_rss(pid: int, seconds: float = 3.0) -> int:
    """RSS once the process has been idle a moment."""
    await asyncio.sleep(seconds)
    return int(psutil.Process(pid).memory_info().rss)


def cpu_seconds(pid: int) -> float:
    times = psutil.Process(pid).cpu_times()
    return float(times.user + times.system)


@dataclass
class Memory:
    base: int
    at: dict[int, int] = field(default_factory=dict)

    def per_connection(self, n: int) -> float:
        return (self.at[n] - self.base) / n


@dataclass
class FanOut:
    last_ms: list[float] = field(default_factory=list)
    first_ms: list[float] = field(default_factory=list)
    server_cpu_ms: list[float] = field(default_factory=list)
    clients_cpu_ms: list[float] = field(default_factory=list)
    busy_seconds: float = 0.0
    others_cpu_seconds: float = 0.0

    @property
    def others_cores(self) -> float:
        return self.others_cpu_seconds / self.busy_seconds if self.busy_seconds else 0.0


class FanOutPath:
    """A server with SUBSCRIBERS sockets on one channel, and how to publish one event to it."""

    def __init__(
        self,
        load: LoadProcesses,
        *,
        server_pid: int,
        subscribers: int,
        publish: Callable[[int], Awaitable[None]],
    ) -> None:
        self.load = load
        self.server_pid = server_pid
        self.subscribers = subscribers
        self.publish = publish
        self.result = FanOut()

    def clients_cpu(self) -> float:
        return sum(cpu_seconds(proc.pid) for proc in self.load.procs)

    async def round(self, seq: int, meter: MachineLoad, *, record: bool) -> None:
        """Publish event SEQ; time until the last subscriber has it (recorded unless warm-up)."""
        armed = await self.load.ask_all({"op": "arm", "match": f'"seq":{seq},'})
        assert sum(a["armed"] for a in armed) == self.subscribers, armed
        before = await meter.mark()
        cpu, clients_cpu = cpu_seconds(self.server_pid), self.clients_cpu()
        started = time.monotonic()
        await self.publish(seq)
        answers = await self.load.ask_all({"op": "wait", "timeout": 30})
        cpu, clients_cpu = cpu_seconds(self.server_pid) - cpu, self.clients_cpu() - clients_cpu
        after = await meter.mark()
        hits = sum(a["hits"] for a in answers)
        if hits != self.subscribers:
            raise RuntimeError(f"event {seq}: {hits} of {self.subscribers} subscribers got it")
        if record:
            fan = self.result
            fan.last_ms.append((max(a["last"] for a in answers) - started) * 1000)
            fan.first_ms.append((min(a["first"] for a in answers) - started) * 1000)
            fan.server_cpu_ms.append(cpu * 1000)
            fan.clients_cpu_ms.append(clients_cpu * 1000)
            fan.busy_seconds += after[0] - before[0]
            fan.others_cpu_seconds += meter.others(before, after) * (after[0] - before[0])


def stock_data(seq: int) -> dict[str, Any]:
    # "seq" is followed by another key, so the clients' match '"seq":N,' is exact.
    return {"product_id": PRODUCT_ID, "seq": seq, "stock": 1000 - seq}


async def publish_stock_event(rt: Runtime, seq: int) -> None:
    """What a service does: the outbox row committed with the change, then publish()."""
    from mall import events

    event = await events.record(
        channel=events.product_channel(PRODUCT_ID),
        name=events.EventName.STOCK_CHANGED,
        data=stock_data(seq),
    )
    await rt.events.publish([event])


def baseline_message(seq: int) -> str:
    """The text the app sends for the same event: same shape, same size."""
    now = datetime.now(UTC)
    return orjson.dumps(
        {
            "type": "event",
            "channel": f"product:{PRODUCT_ID}",
            "id": f"{int(now.timestamp() * 1000)}-0",
            "event": "stock.changed",
            "data": stock_data(seq),
            "at": now.isoformat(),
        }
    ).decode()


@dataclass
class Payments:
    sent: int
    accepted: int
    latency_ms: list[float]
    response_ms: list[float]
    others_cores: float


async def pay_orders(
    load: LoadProcesses,
    meter: MachineLoad,
    base: str,
    orders: list[PendingOrder],
    notes: list[tuple[dict[str, str], bytes]],
    rate: float,
) -> Payments:
    """POST each notification on schedule (open loop); match order.paid events to them."""
    import httpx

    sent_at: dict[int, float] = {}
    response_ms: list[float] = []
    statuses: list[int] = []
    await load.ask_all({"op": "watch", "match": '"event":"order.paid"'})
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        await client.get("/health/live")  # the keep-alive connection is open before the clock
        before = await meter.mark()
        start = time.monotonic() + 0.2

        async def send(i: int) -> None:
            await asyncio.sleep(max(0.0, start + i / rate - time.monotonic()))
            headers, body = notes[i]
            sent_at[orders[i].user_id] = began = time.monotonic()
            response = await client.post(
                "/api/v1/payments/wechat/notify", content=body, headers=headers
            )
            response_ms.append((time.monotonic() - began) * 1000)
            statuses.append(response.status_code)

        await asyncio.gather(*(send(i) for i in range(len(orders))))
    seen: list[tuple[str, float]] = []
    deadline = time.monotonic() + 10
    while len(seen) < len(orders) and time.monotonic() < deadline:
        await asyncio.sleep(0.2)
        seen += [s for a in await load.ask_all({"op": "collect"}) for s in a["seen"]]
    others = meter.others(before, await meter.mark())
    return Payments(
        sent=len(orders),
        accepted=statuses.count(204),
        latency_ms=[(t - sent_at[int(user)]) * 1000 for user, t in seen],
        response_ms=response_ms,
        others_cores=others,
    )


# --- the run -------------------------------------------------------------------------------


@dataclass
class Results:
    memory: Memory
    baseline_memory: Memory
    fanout: FanOut
    baseline_fanout: FanOut
    payments: Payments


async def run(
    args: argparse.Namespace, target: services.Target, env: dict[str, str], redis_url: str
) -> Results:
    from mall.config import Settings
    from mall.runtime import open_runtime

    settings = Settings()
    await services.recreate_database(target, env)
    if args.redis == "standalone":
        await services.flush_redis(target)  # a cluster is started empty for the run
    baseline_channel = f"mall-bench:fanout:{target.redis_db}"
    rt = await open_runtime(settings)
    redis = rt.redis
    load, bare_load = LoadProcesses(), LoadProcesses()
    meter = MachineLoad()
    try:
        with processes.Processes(LOGS) as procs:
            print(
                f"bench: {args.subscribers} users with tokens, {args.payments} orders", flush=True
            )
            buyers = await make_buyers(settings, args.subscribers)
            clients = buyers[: args.clients]
            payers = [clients[i * args.clients // args.payments] for i in range(args.payments)]
            orders = await make_pending_orders(payers)
            await load.start(args.load_processes, env)
            await bare_load.start(args.load_processes, env)

            port = processes.free_port()
            base = f"http://127.0.0.1:{port}"
            api = procs.start(
                "api",
                [
                    *(sys.executable, "-m", "mall.cli", "serve"),
                    *("--host", "127.0.0.1", "--port", str(port), "--workers", "1"),
                ],
                env,
            )
            bare_port = processes.free_port()
            bare = procs.start(
                "wsbaseline",
                [
                    *(sys.executable, "-m", "bench.harness.wsbaseline"),
                    *(str(bare_port), redis_url, baseline_channel),
                ],
                env,
            )
            await asyncio.to_thread(processes.wait_for_http, f"{base}/health/ready", procs, 60)
            await asyncio.to_thread(wait_for_port, procs, bare_port)

            print("bench: memory (warm-up, then idle sockets)", flush=True)
            await connect(load, port, buyers[:100], welcome=True)
            await load.ask_all({"op": "close", "keep": 0})
            memory = Memory(base=await settled_rss(api.pid))
            await connect(load, port, clients, welcome=True)
            memory.at[len(clients)] = await settled_rss(api.pid)
            await connect(load, port, buyers[args.clients :], welcome=True)
            memory.at[len(buyers)] = await settled_rss(api.pid)
            await connect(bare_load, bare_port, buyers[:100], welcome=False)
            await bare_load.ask_all({"op": "close", "keep": 0})
            baseline_memory = Memory(base=await settled_rss(bare.pid))
            await connect(bare_load, bare_port, buyers, welcome=False)
            baseline_memory.at[len(buyers)] = await settled_rss(bare.pid)

            print(f"bench: fan-out to {len(buyers)} subscribers, mall and baseline", flush=True)
            subscribe = {"op": "subscribe", "channel": f"product:{PRODUCT_ID}"}
            acked = await load.ask_all(
                {"op": "send_all", "text": orjson.dumps(subscribe).decode(), "ack": "subscribed"}
            )
            assert sum(a["acked"] for a in acked) == len(buyers), acked

            async def publish_raw(seq: int) -> None:
                await redis.publish(baseline_channel, baseline_message(seq))

            app_path = FanOutPath(
                load,
                server_pid=api.pid,
                subscribers=len(buyers),
                publish=functools.partial(publish_stock_event, rt),
            )
            bare_path = FanOutPath(
                bare_load, server_pid=bare.pid, subscribers=len(buyers), publish=publish_raw
            )
            await meter.wait_quiet(args.quiet_wait)
            for seq in range(args.rounds + 1):
                for path in (app_path, bare_path):
                    await path.round(seq, meter, record=seq > 0)
                    await asyncio.sleep(0.3)
            await bare_load.stop()
            procs.stop("wsbaseline")

            print(f"bench: {args.payments} payments with {len(clients)} sockets open", flush=True)
            # Each load process keeps its share of the first sockets opened: the clients'.
            await load.ask_each(
                [{"op": "close", "keep": len(part)} for part in split(clients, len(load.procs))]
            )
            assert await open_sockets(load) == len(clients)
            notes = await asyncio.to_thread(signed_notifications, settings, orders)
            await meter.wait_quiet(args.quiet_wait)
            payments = await pay_orders(load, meter, base, orders, notes, args.rate)
            await load.ask_all({"op": "close", "keep": 0})
    finally:
        await load.stop()
        await bare_load.stop()
        await rt.close()
    return Results(memory, baseline_memory, app_path.result, bare_path.result, payments)


# --- tables --------------------------------------------------------------------------------


NOTES = """\
Latency of a payment: from the moment the signed notification is POSTed to the moment
its order.paid event is read at the owner's socket. Fan-out: from the call that
publishes (mall: events.publish after the outbox commit; baseline: a bare Redis
PUBLISH) until the last of the subscribers has read the event; mall and baseline
rounds alternate. CPU columns are per event, in psutil's 10 ms ticks: the server
process, the load processes together, and the rest of the machine (in cores). On two
cores the clients' reading is most of the time to the last subscriber for both paths;
the server CPU column compares the two servers' own work.
"""


def ms(value: float) -> str:
    return f"{value:.1f} ms"


def verdict(ok: bool) -> str:
    return "pass" if ok else "MISS"


def tables(args: argparse.Namespace, results: Results) -> tuple[str, dict[str, bool]]:
    """The three tables (printed) as Markdown, and each target met or not."""
    pay, fan, bare = results.payments, results.fanout, results.baseline_fanout
    p99 = report.percentile(pay.latency_ms, 99)
    delivered = len(pay.latency_ms)
    ratio = statistics.median(fan.last_ms) / statistics.median(bare.last_ms)
    per_conn = results.memory.per_connection(args.subscribers) / KIB
    checks = {
        "payment p99 < 50 ms": p99 < 50 and delivered == pay.accepted == pay.sent,
        "fan-out within 2x of the baseline": ratio <= 2,
        "memory <= 20 KiB per idle connection": per_conn <= MEMORY_TARGET_KIB,
    }

    parts = [
        report.print_table(
            f"Payment notification -> order.paid at the owner's socket "
            f"({args.clients:,} sockets open, {pay.sent} payments at {args.rate:g}/s)",
            ["", "value"],
            [
                ("notifications answered 204", f"{pay.accepted} / {pay.sent}"),
                ("order.paid events received", f"{delivered} / {pay.sent}"),
                ("latency p50", ms(report.percentile(pay.latency_ms, 50))),
                ("latency p90", ms(report.percentile(pay.latency_ms, 90))),
                ("latency p99 (target < 50 ms)", f"{ms(p99)} {verdict(p99 < 50)}"),
                ("latency max", ms(max(pay.latency_ms, default=float("nan")))),
                (
                    "notify response p50 / p99",
                    f"{ms(report.percentile(pay.response_ms, 50))}"
                    f" / {ms(report.percentile(pay.response_ms, 99))}",
                ),
                ("other processes' CPU meanwhile", f"{pay.others_cores:.2f} cores"),
            ],
        )
    ]

    rows = [
        (
            name,
            ms(statistics.median(f.last_ms)),
            ms(max(f.last_ms)),
            ms(statistics.median(f.first_ms)),
            ms(statistics.median(f.server_cpu_ms)),
            ms(statistics.median(f.clients_cpu_ms)),
            f"{f.others_cores:.2f} cores",
        )
        for name, f in (
            ("mall: events.publish -> /ws", fan),
            ("baseline: PUBLISH -> bare websockets broadcast", bare),
        )
    ]
    parts.append(
        report.print_table(
            f"One stock event to {args.subscribers:,} subscribers, until the last has it "
            f"({args.rounds} rounds after a warm-up; clients in {args.load_processes} processes)",
            [
                *("path", "last: median", "last: max", "first: median"),
                *("server CPU", "clients' CPU", "others' CPU"),
            ],
            rows,
        )
    )
    line = (
        f"mall / baseline, median until the last subscriber: {ratio:.2f}x (target <= 2x) "
        f"{verdict(ratio <= 2)}\n\n"
        f"every round, mall (ms): {', '.join(f'{v:.0f}' for v in fan.last_ms)}\n"
        f"every round, baseline (ms): {', '.join(f'{v:.0f}' for v in bare.last_ms)}\n"
    )
    print(line, flush=True)
    parts.append(line)

    mem, bare_mem = results.memory, results.baseline_memory
    rows_mem = [("API RSS, no sockets", f"{mem.base / MIB:.1f} MiB")]
    for n, rss in mem.at.items():
        rows_mem.append((f"API RSS, {n:,} idle sockets", f"{rss / MIB:.1f} MiB"))
    for n in mem.at:
        value = f"{mem.per_connection(n) / KIB:.1f} KiB"
        if n == args.subscribers:
            value += f" {verdict(per_conn <= MEMORY_TARGET_KIB)}"
        rows_mem.append((f"per socket at {n:,} (target <= {MEMORY_TARGET_KIB} KiB)", value))
    rows_mem.append(
        (
            f"baseline: bare websockets server, per socket at {args.subscribers:,}",
            f"{bare_mem.per_connection(args.subscribers) / KIB:.1f} KiB",
        )
    )
    parts.append(
        report.print_table(
            "Memory per idle authenticated socket (RSS of the API process)", ["", "value"], rows_mem
        )
    )
    return "\n".join(parts), checks


async def main_async(args: argparse.Namespace, target: services.Target, env: dict[str, str]) -> int:
    machine = report.machine_rows(await services.server_versions(target))
    header = report.print_table("Machine", ["", ""], machine)
    if args.redis == "cluster":
        results = await run_on_cluster(args, target, env)
    else:
        results = await run(args, target, env, target.redis_url)
    text, checks = tables(args, results)
    if not args.no_write:
        cluster = args.redis == "cluster"
        report.write_section(
            "realtime-cluster" if cluster else "realtime",
            "## Real time: payment to socket, fan-out, memory per socket"
            + (" (Redis Cluster)" if cluster else "")
            + "\n\n"
            + f"`python bench/realtime.py{' --redis cluster' if cluster else ''}` "
            + f"({datetime.now(UTC):%Y-%m-%d %H:%M} UTC)\n\n"
            + "\n".join([header, text, CLUSTER_NOTES if cluster else "", NOTES]),
        )
        print(f"\nwrote {report.RESULTS_PATH}")
    return 0 if all(checks.values()) else 1


CLUSTER_NOTES = (
    "On a 6-node Redis Cluster (3 masters with a replica each) started on loopback for the "
    "run: mall publishes with SPUBLISH to the channel's shard and the API process "
    "SSUBSCRIBEs the channels its sockets are on; the baseline server SUBSCRIBEs on one "
    "node and each PUBLISH crosses the cluster bus to it.\n"
)


async def run_on_cluster(
    args: argparse.Namespace, target: services.Target, env: dict[str, str]
) -> Results:
    """The same run with every mall process (and this one) on a Redis Cluster of its own."""
    import tempfile

    from tests.redis_servers import ClusterSet

    with tempfile.TemporaryDirectory() as tmp:
        cluster = ClusterSet(Path(tmp))
        await cluster.start()
        try:
            on_cluster = {"MALL_REDIS_URL": cluster.url, "MALL_REDIS_CLUSTER": "true"}
            env = {**env, **on_cluster}
            os.environ.update(on_cluster)  # this process's Settings, as main() did for the rest
            return await run(args, target, env, cluster.url)
        finally:
            await cluster.stop()


def main() -> int:
    args = parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < FD_LIMIT:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(FD_LIMIT, hard), hard))
    LOGS.mkdir(parents=True, exist_ok=True)
    from mall.wechat.keys import ensure_dev_keys

    keys = ensure_dev_keys(KEYS_DIR).env()
    target = services.Target(database=args.database, redis_db=args.redis_db)
    env = services.mall_env(target, **keys)
    # This process's Settings (tokens, notifications, the live channels' prefix) read the
    # same environment; nothing of mall that reads it has been imported yet.
    os.environ.update({k: v for k, v in env.items() if k.startswith("MALL_")})
    with processes.time_limit(args.time_limit):
        try:
            return asyncio.run(main_async(args, target, env))
        except (processes.ChildExited, processes.RunTimeout, TimeoutError) as exc:
            print(f"bench: {exc}", file=sys.stderr)
            return 2


if __name__ == "__main__":
    raise SystemExit(main())
