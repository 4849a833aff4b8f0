"""Real-time benchmark: payment notification to the owner's socket, fan-out to 5,000
subscribers beside a bare websockets baseline, and memory per idle connection.

    python bench/realtime.py            (or python -m bench.realtime; --help for the knobs)

One `mall serve --workers 1` on its own database (mall_bench_rt, dropped and migrated
again) and a private redis-server (Redis pub/sub ignores db numbers: on the shared server
our live channels would cross those of every test run and dev server on the machine).
Clients are `websockets` clients in --load-processes separate processes, each a distinct
user with an access token from mall.auth.service.issue_pair. In order:

1. Memory: RSS of the API process after a warm-up, then with --clients and --subscribers
   idle authenticated connections; (delta / N) in KiB. Target < 40 KiB.
2. Fan-out: all --subscribers subscribe to one product channel; a stock.changed event is
   recorded in the outbox and sent with mall.events.publish (the path the services use);
   time from that call until the LAST subscriber has it. --rounds rounds after one
   warm-up; median and max.
3. Payments: all but --clients sockets close; --payments signed and encrypted WeChat Pay
   notifications (mall.wechat.simulator helpers, keys from mall.wechat.keys) for pending
   orders with a prepay are POSTed at --rate/s; latency from the moment the POST is sent
   to the order.paid event at the owner's socket. Target p99 < 50 ms.
4. Baseline, same run: the API stops; a bare `websockets` server (bench/harness/wsbaseline)
   subscribed to one Redis channel broadcasts each PUBLISH to the same clients; same
   rounds. Target: the app's fan-out median within 2x of the baseline's.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import socket
import statistics
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    # `python bench/realtime.py`: make `bench.harness` importable as under `python -m`.
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import orjson  # noqa: E402

from bench.harness import processes, report, services  # noqa: E402
from bench.harness.wsclients import LoadProcesses  # noqa: E402

DATABASE = "mall_bench_rt"
LOGS = services.REPO_ROOT / ".mall" / "bench" / "realtime"
KEYS_DIR = services.REPO_ROOT / ".mall" / "bench" / "keys"
PRODUCT_ID = 1
BASELINE_CHANNEL = "bench:fanout"
FD_LIMIT = 20_000


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=1000, help="sockets during payments")
    parser.add_argument("--subscribers", type=int, default=5000, help="sockets for the fan-out")
    parser.add_argument("--payments", type=int, default=300)
    parser.add_argument("--rate", type=float, default=25.0, help="payment notifications/s")
    parser.add_argument("--rounds", type=int, default=7, help="fan-out rounds per path")
    parser.add_argument("--load-processes", type=int, default=4)
    parser.add_argument("--time-limit", type=int, default=420, help="seconds for the whole run")
    parser.add_argument("--no-write", action="store_true", help="do not update RESULTS.md")
    args = parser.parse_args()
    if not 0 < args.payments <= args.clients <= args.subscribers:
        parser.error("need 0 < --payments <= --clients <= --subscribers")
    return args


# --- setup ---------------------------------------------------------------------------------


def start_redis(procs: processes.Processes, env: dict[str, str]) -> int:
    port = processes.free_port()
    procs.start(
        "redis",
        ["redis-server", "--bind", "127.0.0.1", "--port", str(port), "--save", ""]
        + ["--appendonly", "no", "--maxclients", "1000"],
        env,
    )
    wait_for_port(procs, port)
    return port


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
    order_id: int
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

    async def token(user: Any) -> Buyer:
        async with gate:
            pair = await auth_service.issue_pair(settings, subject=user.id, audience=Audience.USER)
        return Buyer(user.id, user.openid, pair.access_token)

    return list(await asyncio.gather(*(token(u) for u in users)))


async def make_pending_orders(buyers: list[Buyer]) -> list[PendingOrder]:
    """One unpaid order with a JSAPI prepay per buyer, as POST /orders/<id>/pay leaves it."""
    from models import Order

    now = datetime.now(UTC)
    stamp = now.strftime("%y%m%d%H%M%S")
    await Order.bulk_create(
        [
            Order(
                order_no=f"RT{stamp}{i:06d}",
                user_id=b.user_id,
                status="pending_payment",
                goods_amount=4900 + i,
                freight_amount=0,
                discount_amount=0,
                pay_amount=4900 + i,
                address={"name": "张三", "phone": "13800138000", "detail": "新港中路397号"},
                prepay_id=f"wx{stamp}bench{i:06d}",
                expires_at=now + timedelta(hours=1),
            )
            for i, b in enumerate(buyers)
        ]
    )
    by_user = {b.user_id: b for b in buyers}
    rows = await Order.filter(order_no__startswith=f"RT{stamp}").order_by("id")
    return [
        PendingOrder(o.id, o.order_no, o.user_id, by_user[o.user_id].openid, o.pay_amount)
        for o in rows
    ]


def signed_notifications(settings: Any, orders: list[PendingOrder]) -> list[tuple[dict, bytes]]:
    """TRANSACTION.SUCCESS notifications as WeChat sends them: signed, resource encrypted."""
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    from mall.wechat.simulator import build_notification, transaction_resource

    assert settings.wechat_sim_platform_private_key_path is not None
    platform_key = load_pem_private_key(
        settings.wechat_sim_platform_private_key_path.read_bytes(), password=None
    )
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
            sign_with=platform_key,  # type: ignore[arg-type]
            public_key_id=settings.wechat_pay_public_key_id,
        )
        notes.append(({**note.headers, "Content-Type": "application/json"}, note.body))
    return notes


# --- the measurements ----------------------------------------------------------------------


def ws_urls(port: int, buyers: list[Buyer]) -> list[str]:
    return [f"ws://127.0.0.1:{port}/ws?token={b.token}" for b in buyers]


def split(items: list[Any], parts: int) -> list[list[Any]]:
    return [items[i::parts] for i in range(parts)]


async def connect(
    load: LoadProcesses, port: int, buyers: list[Buyer], *, welcome: bool
) -> int:
    """Open one socket per buyer, spread over the load processes; how many opened."""
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
    return len(buyers)


async def open_sockets(load: LoadProcesses) -> int:
    return sum(a["open"] for a in await load.ask_all({"op": "close", "keep": 10**9}))


async def rss_settled(pid: int, seconds: float = 3.0) -> int:
    """RSS once the process has been idle a moment (the last handshakes' garbage freed)."""
    await asyncio.sleep(seconds)
    return report_rss(pid)


def report_rss(pid: int) -> int:
    import psutil

    return int(psutil.Process(pid).memory_info().rss)


@dataclass
class Memory:
    base: int
    at: dict[int, int] = field(default_factory=dict)

    def per_connection_kib(self, n: int) -> float:
        return (self.at[n] - self.base) / n / 1024


@dataclass
class FanOut:
    last_ms: list[float]
    first_ms: list[float]
    publish_ms: list[float]


async def fan_out_rounds(
    load: LoadProcesses, rounds: int, publish: Any, subscribers: int
) -> FanOut:
    """One warm-up round, then ROUNDS: time from publish() until the last client has it."""
    result = FanOut([], [], [])
    for seq in range(rounds + 1):
        match = f'"seq":{seq},'
        armed = sum(a["armed"] for a in await load.ask_all({"op": "arm", "match": match}))
        assert armed == subscribers, (armed, subscribers)
        started = time.monotonic()
        await publish(seq)
        published = time.monotonic()
        answers = await load.ask_all({"op": "wait", "timeout": 30})
        hits = sum(a["hits"] for a in answers)
        if hits != subscribers:
            raise RuntimeError(f"round {seq}: {hits} of {subscribers} subscribers got the event")
        if seq > 0:
            result.last_ms.append((max(a["last"] for a in answers) - started) * 1000)
            result.first_ms.append((min(a["first"] for a in answers) - started) * 1000)
            result.publish_ms.append((published - started) * 1000)
        await asyncio.sleep(0.5)
    return result


def stock_data(seq: int) -> dict[str, Any]:
    # "seq" is followed by another key, so the clients' match '"seq":N,' is exact.
    return {"product_id": PRODUCT_ID, "seq": seq, "stock": 1000 - seq}


async def publish_stock_event(seq: int) -> None:
    """What a service does after its transaction: outbox row committed, then publish()."""
    from mall import events

    event = await events.record(
        channel=events.product_channel(PRODUCT_ID),
        name=events.EventName.STOCK_CHANGED,
        data=stock_data(seq),
    )
    await events.publish([event])


@dataclass
class Payments:
    sent: int
    accepted: int
    delivered: int
    latency_ms: list[float]
    response_ms: list[float]


async def pay_orders(
    load: LoadProcesses, base: str, orders: list[PendingOrder], notes: list, rate: float
) -> Payments:
    """POST each notification on schedule (open loop); match order.paid events to them."""
    import httpx

    sent_at: dict[int, float] = {}
    response_ms: list[float] = []
    statuses: list[int] = []
    await load.ask_all({"op": "watch", "match": '"event":"order.paid"'})
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        await client.get("/health/live")  # the keep-alive connection is open before the clock
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
    latency_ms = [(t - sent_at[int(label)]) * 1000 for label, t in seen if int(label) in sent_at]
    return Payments(
        sent=len(orders),
        accepted=statuses.count(204),
        delivered=len(latency_ms),
        latency_ms=latency_ms,
        response_ms=response_ms,
    )


# --- the run -------------------------------------------------------------------------------


@dataclass
class Results:
    app_memory: Memory | None = None
    baseline_memory: Memory | None = None
    app_fanout: FanOut | None = None
    baseline_fanout: FanOut | None = None
    payments: Payments | None = None


async def run(args: argparse.Namespace, target: services.Target, env: dict[str, str]) -> Results:
    import redis.asyncio as aioredis

    from mall import resources
    from mall.config import Settings

    settings = Settings()
    results = Results()
    await services.recreate_database(target, env)
    await resources.init_db(settings)
    redis = resources.redis_client(settings)
    resources.share_redis(redis)
    load = LoadProcesses()
    with processes.Processes(LOGS) as procs:
        try:
            print(f"bench: {args.subscribers} users with tokens, {args.payments} orders", flush=True)
            buyers = await make_buyers(settings, args.subscribers)
            clients = buyers[: args.clients]
            step = args.clients / args.payments
            payers = [clients[int(i * step)] for i in range(args.payments)]
            orders = await make_pending_orders(payers)
            await load.start(args.load_processes, env)

            port = processes.free_port()
            base = f"http://127.0.0.1:{port}"
            api = procs.start("api", [sys.executable, "-m", "mall.cli", "serve", "--host",
                                      "127.0.0.1", "--port", str(port), "--workers", "1"], env)
            await asyncio.to_thread(processes.wait_for_http, f"{base}/health/ready", procs, 60)

            print("bench: memory (warm-up, then idle sockets)", flush=True)
            await connect(load, port, buyers[:100], welcome=True)
            await load.ask_all({"op": "close", "keep": 0})
            memory = Memory(base=await rss_settled(api.pid))
            await connect(load, port, clients, welcome=True)
            memory.at[len(clients)] = await rss_settled(api.pid)
            await connect(load, port, buyers[args.clients :], welcome=True)
            memory.at[len(buyers)] = await rss_settled(api.pid)
            results.app_memory = memory

            print(f"bench: fan-out to {len(buyers)} subscribers (app)", flush=True)
            channel = f"product:{PRODUCT_ID}"
            subscribe = orjson.dumps({"op": "subscribe", "channel": channel}).decode()
            acked = await load.ask_all({"op": "send_all", "text": subscribe, "ack": '"subscribed"'})
            assert sum(a["acked"] for a in acked) == len(buyers), acked
            results.app_fanout = await fan_out_rounds(
                load, args.rounds, publish_stock_event, len(buyers)
            )

            print(f"bench: {args.payments} payments with {len(clients)} sockets open", flush=True)
            # Each process keeps the sockets of its share of the first connect (the clients).
            await load.ask_each(
                [{"op": "close", "keep": len(part)} for part in split(clients, len(load.procs))]
            )
            assert await open_sockets(load) == len(clients)
            notes = await asyncio.to_thread(signed_notifications, settings, orders)
            results.payments = await pay_orders(load, base, orders, notes, args.rate)
            await load.ask_all({"op": "close", "keep": 0})
            procs.stop("api")

            print(f"bench: fan-out to {len(buyers)} subscribers (bare websockets)", flush=True)
            port = processes.free_port()
            bare = procs.start(
                "wsbaseline",
                [sys.executable, "-m", "bench.harness.wsbaseline", str(port),
                 target.redis_url, BASELINE_CHANNEL],
                env,
            )
            await asyncio.to_thread(wait_for_port, procs, port)
            await connect(load, port, buyers[:100], welcome=False)
            await load.ask_all({"op": "close", "keep": 0})
            baseline_memory = Memory(base=await rss_settled(bare.pid))
            await connect(load, port, buyers, welcome=False)
            baseline_memory.at[len(buyers)] = await rss_settled(bare.pid)
            results.baseline_memory = baseline_memory

            async def publish_raw(seq: int) -> None:
                await redis.publish(BASELINE_CHANNEL, baseline_message(seq))

            results.baseline_fanout = await fan_out_rounds(
                load, args.rounds, publish_raw, len(buyers)
            )
        finally:
            await load.stop()
            await redis.aclose()
            await resources.close_db()
    return results


def baseline_message(seq: int) -> str:
    """The text the app sends for the same event, byte for byte in shape and size."""
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


# --- tables --------------------------------------------------------------------------------


def ms(value: float) -> str:
    return f"{value:.1f} ms"


def verdict(ok: bool) -> str:
    return "pass" if ok else "MISS"


def tables(args: argparse.Namespace, results: Results) -> tuple[str, dict[str, bool]]:
    checks: dict[str, bool] = {}
    text = ""
    pay = results.payments
    assert pay is not None
    p99 = report.percentile(pay.latency_ms, 99)
    checks["payment p99 < 50 ms"] = p99 < 50 and pay.delivered == pay.sent == pay.accepted
    text += report.print_table(
        f"Payment notification -> order.paid at the owner's socket "
        f"({args.clients:,} sockets, {pay.sent} payments at {args.rate:g}/s)",
        ["", "value"],
        [
            ("notifications answered 204", f"{pay.accepted} / {pay.sent}"),
            ("order.paid events received", f"{pay.delivered} / {pay.sent}"),
            ("latency p50", ms(report.percentile(pay.latency_ms, 50))),
            ("latency p90", ms(report.percentile(pay.latency_ms, 90))),
            ("latency p99 (target < 50 ms)", f"{ms(p99)}  {verdict(checks['payment p99 < 50 ms'])}"),
            ("latency max", ms(max(pay.latency_ms, default=float("nan")))),
            ("notify response p50 / p99", f"{ms(report.percentile(pay.response_ms, 50))}"
             f" / {ms(report.percentile(pay.response_ms, 99))}"),
        ],
    )

    app, bare = results.app_fanout, results.baseline_fanout
    assert app is not None and bare is not None
    ratio = statistics.median(app.last_ms) / statistics.median(bare.last_ms)
    checks["fan-out within 2x of baseline"] = ratio <= 2
    rows = []
    for name, fan in (("mall (events.publish -> /ws)", app), ("bare websockets (PUBLISH -> broadcast)", bare)):
        rows.append(
            (
                name,
                ms(statistics.median(fan.last_ms)),
                ms(max(fan.last_ms)),
                ms(statistics.median(fan.first_ms)),
                ms(statistics.median(fan.publish_ms)),
            )
        )
    text += report.print_table(
        f"One stock event to {args.subscribers:,} subscribers: until the last has it "
        f"({args.rounds} rounds after a warm-up, clients in {args.load_processes} processes)",
        ["path", "last: median", "last: max", "first: median", "publish call"],
        rows,
    )
    text += (
        f"\nmall / baseline (median to the last subscriber): {ratio:.2f}x (target <= 2x)  "
        f"{verdict(checks['fan-out within 2x of baseline'])}\n"
    )
    print(text.rsplit("\n", 2)[-2], flush=True)

    mem, bare_mem = results.app_memory, results.baseline_memory
    assert mem is not None and bare_mem is not None
    per_conn = mem.per_connection_kib(args.subscribers)
    checks["memory < 40 KiB per idle connection"] = per_conn < 40
    mib = 1024 * 1024
    mem_rows = [("API RSS, no connections", f"{mem.base / mib:.1f} MiB")]
    mem_rows += [(f"API RSS, {n:,} idle sockets", f"{v / mib:.1f} MiB") for n, v in mem.at.items()]
    mem_rows += [
        (f"per connection at {n:,} (target < 40 KiB)", f"{mem.per_connection_kib(n):.1f} KiB")
        for n in mem.at
    ]
    mem_rows.append(
        (
            f"bare websockets server, per connection at {args.subscribers:,}",
            f"{bare_mem.per_connection_kib(args.subscribers):.1f} KiB",
        )
    )
    text += report.print_table(
        "Memory per idle authenticated connection (RSS of the API process)",
        ["", "value"],
        [*mem_rows[:-2], (mem_rows[-2][0], f"{mem_rows[-2][1]}  {verdict(per_conn < 40)}"),
         mem_rows[-1]],
    )
    return text, checks


async def main_async(args: argparse.Namespace, target: services.Target, env: dict[str, str]) -> int:
    machine = report.machine_rows(await services.server_versions(target))
    header = report.print_table("Machine", ["", ""], machine)
    results = await run(args, target, env)
    text, checks = tables(args, results)
    if not args.no_write:
        report.write_section(
            "realtime",
            "## Real time: payment -> socket, fan-out, memory per connection\n\n"
            f"`python bench/realtime.py` ({datetime.now(UTC):%Y-%m-%d %H:%M} UTC)\n\n"
            + header
            + text,
        )
        print(f"\nwrote {report.RESULTS_PATH}")
    return 0 if all(checks.values()) else 1


def main() -> int:
    args = parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < FD_LIMIT:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(FD_LIMIT, hard), hard))
    LOGS.mkdir(parents=True, exist_ok=True)
    from mall.wechat.keys import ensure_dev_keys

    keys = ensure_dev_keys(KEYS_DIR).env()
    with processes.time_limit(args.time_limit), processes.Processes(LOGS) as procs:
        redis_port = start_redis(procs, dict(os.environ))
        target = services.Target(database=DATABASE, redis_db=0, redis_port=redis_port)
        env = services.mall_env(target, **keys)
        # This process's Settings (tokens, notifications) read the same environment.
        os.environ.update({k: v for k, v in env.items() if k.startswith("MALL_")})
        try:
            return asyncio.run(main_async(args, target, env))
        except (processes.ChildExited, processes.RunTimeout, TimeoutError) as exc:
            print(f"bench: {exc}", file=sys.stderr)
            return 2


if __name__ == "__main__":
    raise SystemExit(main())
