"""Orders benchmark: a hot-SKU flash sale through the API beside pgbench, and cancellation lateness.

    python bench/orders.py            (or python -m bench.orders; --help for the knobs)

Part 1, flash sale: one SKU with --stock units, --buyers distinct users (created straight
in the database, tokens from the auth service), --concurrency keep-alive clients in a
separate load-generator process, each buyer POSTs /api/v1/orders once (with an
Idempotency-Key, as the mini-program does) to `mall serve --workers N`. Checked: no
oversell, the SKU ends at exactly 0, no 5xx. Baseline in the same run: pgbench replaying
the API's own SQL transaction for an order (same statements in the same order, on the real
tables) on one hot SKU with as many clients as the API has database connections.

Part 2, cancellation lateness: --orders pending orders (bulk-inserted, with the schedule
the API would create, through mall.jobs.schedule) expiring evenly over --window seconds,
a real `mall worker` and `mall scheduler`; lateness = cancelled_at - expires_at.

Everything runs against a database of its own (dropped and migrated again) on the local
PostgreSQL and its own Redis db; every process binds to 127.0.0.1 and is stopped at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    # `python bench/orders.py`: make `bench.harness` importable as under `python -m`.
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import asyncpg  # noqa: E402
import orjson  # noqa: E402

from bench.harness import loadgen, processes, report, services  # noqa: E402

PRICE = 4900
ADDRESS = {
    "name": "张三",
    "phone": "13800138000",
    "province": "广东省",
    "city": "广州市",
    "district": "海珠区",
    "detail": "新港中路397号",
}


# --- setup shared by both parts ------------------------------------------------------------


async def open_orm() -> Any:
    """Tortoise on the benchmark database (MALL_* is already in os.environ); the Settings."""
    from mall import resources
    from mall.config import Settings

    settings = Settings()
    await resources.init_db(settings)
    return settings


async def close_orm() -> None:
    from mall import resources

    await resources.close_db()


async def make_skus(title: str, stocks: list[int]) -> list[int]:
    """One product on sale with a SKU per entry of `stocks`; the SKU ids."""
    from models import Category, Product, Sku

    category, _ = await Category.get_or_create(name="秒杀")
    product = await Product.create(
        title=title,
        category_id=category.id,
        on_sale=True,
        cover="https://img.example.com/cover.png",
        min_price=PRICE,
        max_price=PRICE,
    )
    await Sku.bulk_create(
        [
            Sku(product_id=product.id, specs={"款式": str(i)}, price=PRICE, stock=stock)
            for i, stock in enumerate(stocks)
        ]
    )
    return [s.id for s in await Sku.filter(product_id=product.id).order_by("id")]


@dataclass
class Buyer:
    user_id: int
    address_id: int
    token: str


async def make_buyers(settings: Any, count: int, prefix: str) -> list[Buyer]:
    """Users with an address each and an access token from the auth service (no WeChat)."""
    from mall.auth import service as auth_service
    from mall.auth.tokens import Audience
    from models import Address, User

    await User.bulk_create([User(openid=f"o-{prefix}-{i}") for i in range(count)])
    users = await User.filter(openid__startswith=f"o-{prefix}-").order_by("id")
    await Address.bulk_create([Address(user_id=u.id, is_default=True, **ADDRESS) for u in users])
    addresses = {a.user_id: a.id for a in await Address.filter(user_id__in=[u.id for u in users])}  # type: ignore[attr-defined]

    async def token(user_id: int) -> str:
        pair = await auth_service.issue_pair(settings, subject=user_id, audience=Audience.USER)
        return pair.access_token

    tokens: list[str] = []
    for start in range(0, len(users), 100):
        batch = users[start : start + 100]
        tokens += await asyncio.gather(*(token(u.id) for u in batch))
    return [Buyer(u.id, addresses[u.id], t) for u, t in zip(users, tokens, strict=True)]


# --- part 1: the flash sale and its pgbench baseline --------------------------------------


@dataclass
class FlashSale:
    load: loadgen.LoadResult
    stock_left: int
    orders_made: int
    schedules: int
    cpu: dict[str, float]


# The order transaction of mall.orders.service.create on the real tables, in the same
# statement order (pgbench variables: :sku, :uid). The API also writes its idempotency key,
# the order's history row and the outbox events in that transaction; pgbench does not.
PGBENCH_SCRIPT = """\
\\set uid random(1, 1000000)
BEGIN;
INSERT INTO orders (created_at, updated_at, order_no, user_id, status, goods_amount,
    freight_amount, discount_amount, pay_amount, address, remark, expires_at,
    stock_restored)
  VALUES (now(), now(), 'PGB' || txid_current(), :uid, 'pending_payment', {price}, 0, 0,
    {price}, '{address}', '', now() + interval '30 minutes', false)
  RETURNING id;
INSERT INTO order_items (order_id, sku_id, product_id, title, specs, cover_url, price,
    quantity, reviewed)
  VALUES (currval(pg_get_serial_sequence('orders', 'id')), :sku, {product_id}, '秒杀',
    '{{"款式": "0"}}', '', {price}, 1, false);
UPDATE skus SET stock = stock - 1, updated_at = now()
  WHERE id = :sku AND stock >= 1 AND archived_at IS NULL
  RETURNING product_id, stock;
COMMIT;
"""


def api_argv(host: str, port: int, workers: int) -> list[str]:
    return ["serve", "--host", host, "--port", str(port), "--workers", str(workers)]


async def flash_sale(
    args: argparse.Namespace, target: services.Target, env: dict[str, str], logs: Path
) -> FlashSale:
    settings = await open_orm()
    try:
        [hot_sku] = await make_skus("秒杀爆款", [args.stock])
        buyers = await make_buyers(settings, args.buyers, "flash")
        [watcher] = await make_buyers(settings, 1, "warmup")
    finally:
        await close_orm()

    port = processes.free_port()
    base = f"http://127.0.0.1:{port}"
    calls = [
        loadgen.Call(
            "POST",
            "/api/v1/orders",
            headers={"Authorization": f"Bearer {b.token}", "Idempotency-Key": uuid.uuid4().hex},
            json_body={"items": [{"sku_id": hot_sku, "quantity": 1}], "address_id": b.address_id},
        )
        for b in buyers
    ]
    # Warm-up: an authenticated read per client opens its connection and the server's pools.
    warmup = loadgen.Call(
        "GET", "/api/v1/orders?page_size=1", headers={"Authorization": f"Bearer {watcher.token}"}
    )
    with processes.Processes(logs) as procs:
        procs.start_mall("api", api_argv("127.0.0.1", port, args.api_workers), env)
        processes.wait_for_http(f"{base}/health/ready", procs, timeout=90)
        api_pgid = procs.children["api"].pid
        meters = {
            "api": lambda: processes.group_pids(api_pgid),
            "postgres": lambda: processes.named_pids("postgres"),
            "redis": lambda: processes.named_pids("redis-server"),
        }
        before = {k: processes.cpu_snapshot(f()) for k, f in meters.items()}
        load = loadgen.run_load(
            base, calls, concurrency=args.concurrency, warmup=warmup, env=env, timeout=300
        )
        cpu = {
            k: processes.cpu_used(before[k], processes.cpu_snapshot(f()))
            for k, f in meters.items()
        }
        cpu["load generator"] = load.cpu_seconds
        procs.check_alive()

    conn = await asyncpg.connect(**target.connect_kwargs())  # type: ignore[arg-type]
    try:
        stock_left = await conn.fetchval("SELECT stock FROM skus WHERE id = $1", hot_sku)
        orders_made = await conn.fetchval(
            "SELECT coalesce(sum(quantity), 0) FROM order_items WHERE sku_id = $1", hot_sku
        )
    finally:
        await conn.close()
    schedules = await count_schedules(target)
    return FlashSale(load, int(stock_left), int(orders_made), schedules, cpu)


async def count_schedules(target: services.Target) -> int:
    import redis.asyncio as aioredis

    client = aioredis.Redis.from_url(target.redis_url)
    try:
        return int(await client.zcard("mall:schedule:due"))
    finally:
        await client.aclose()


@dataclass
class Pgbench:
    clients: int
    seconds: int
    transactions: int
    failed: int
    tps: float
    latencies_ms: list[float]
    decrements: int


def pgbench_binary() -> str:
    found = shutil.which("pgbench")
    if found:
        return found
    for candidate in sorted(Path("/usr/lib/postgresql").glob("*/bin/pgbench"), reverse=True):
        return str(candidate)
    raise SystemExit(
        "bench: pgbench not found; install it (apt-get install -y postgresql-contrib)"
    )


async def run_pgbench(
    target: services.Target, *, clients: int, seconds: int, stock: int, logs: Path
) -> Pgbench:
    """pgbench replaying the order transaction on a hot SKU stocked so every decrement wins."""
    await open_orm()
    try:
        [sku] = await make_skus("pgbench 基线", [stock])
        from models import Sku

        product_id = (await Sku.get(id=sku)).product_id
    finally:
        await close_orm()
    script = PGBENCH_SCRIPT.format(
        price=PRICE,
        address=orjson.dumps(ADDRESS).decode(),
        product_id=product_id,
    )
    work = Path(tempfile.mkdtemp(prefix="pgbench-", dir=logs))
    (work / "order.sql").write_text(script)
    argv = [
        pgbench_binary(),
        "--no-vacuum",
        "--protocol=prepared",
        f"--client={clients}",
        f"--jobs={min(clients, os.cpu_count() or 1)}",
        f"--time={seconds}",
        f"--define=sku={sku}",
        "--log",
        f"--log-prefix={work / 'txn'}",
        f"--file={work / 'order.sql'}",
        f"--host={target.pg_host}",
        f"--port={target.pg_port}",
        f"--username={target.pg_user}",
        target.database,
    ]
    done = subprocess.run(  # noqa: S603 - pgbench with our own arguments
        argv, capture_output=True, text=True, timeout=seconds + 120, check=False
    )
    (logs / "pgbench.log").write_text(done.stdout + done.stderr)
    if done.returncode != 0:
        raise RuntimeError(f"pgbench failed ({done.returncode}):\n{done.stderr[-2000:]}")
    out = done.stdout
    transactions = int(_grab(r"number of transactions actually processed: (\d+)", out))
    failed_match = re.search(r"number of failed transactions: (\d+)", out)
    tps = float(_grab(r"tps = ([\d.]+) \(without initial connection time\)", out))
    latencies: list[float] = []
    for path in work.glob("txn.*"):
        for line in path.read_text().splitlines():
            parts = line.split()
            if len(parts) >= 3 and parts[2].isdigit():
                latencies.append(int(parts[2]) / 1000)
    conn = await asyncpg.connect(**target.connect_kwargs())  # type: ignore[arg-type]
    try:
        left = await conn.fetchval("SELECT stock FROM skus WHERE id = $1", sku)
    finally:
        await conn.close()
    return Pgbench(
        clients=clients,
        seconds=seconds,
        transactions=transactions,
        failed=int(failed_match.group(1)) if failed_match else 0,
        tps=tps,
        latencies_ms=latencies,
        decrements=stock - int(left),
    )


def _grab(pattern: str, text: str) -> str:
    match = re.search(pattern, text)
    if match is None:
        raise RuntimeError(f"pgbench output lacks {pattern!r}:\n{text[-2000:]}")
    return match.group(1)


def flash_sale_tables(
    args: argparse.Namespace, sale: FlashSale, base: Pgbench, db_connections: int
) -> tuple[str, dict[str, bool]]:
    load = sale.load
    created = load.count(201)
    sold_out_at = max((e for s, e in zip(load.statuses, load.ends, strict=True) if s == 201), default=0.0)
    orders_per_s = created / sold_out_at if sold_out_at else 0.0
    lat_ms = [x * 1000 for x in load.latencies]
    lat_201 = [
        (e - s) * 1000
        for st, s, e in zip(load.statuses, load.starts, load.ends, strict=True)
        if st == 201
    ]
    oversell = max(0, sale.orders_made - args.stock) + max(0, -sale.stock_left)
    server_errors = load.count_range(500, 600)
    other = len(load.statuses) - created - load.count(409) - server_errors
    share = 100 * orders_per_s / base.tps if base.tps else 0.0
    checks = {
        "no oversell": oversell == 0 and sale.orders_made == created,
        "stock ends at 0": sale.stock_left == 0,
        "no 5xx": server_errors == 0,
        "API >= 25% of pgbench": share >= 25,
    }
    rows: list[tuple[str, str, str]] = [
        ("clients", f"{args.concurrency} HTTP (keep-alive)", f"{base.clients} (= DB connections)"),
        ("server", f"mall serve --workers {args.api_workers}", f"PostgreSQL, {base.seconds} s run"),
        ("successful orders", f"{created} (HTTP 201)", f"{base.transactions}"),
        ("orders/s", f"{orders_per_s:,.0f}", f"{base.tps:,.0f}"),
        ("latency p50", f"{report.percentile(lat_ms, 50):.1f} ms", f"{report.percentile(base.latencies_ms, 50):.1f} ms"),
        ("latency p99", f"{report.percentile(lat_ms, 99):.1f} ms", f"{report.percentile(base.latencies_ms, 99):.1f} ms"),
        ("201 latency p50 / p99", f"{report.percentile(lat_201, 50):.1f} / {report.percentile(lat_201, 99):.1f} ms", ""),
        ("409 insufficient_stock", f"{load.count(409)}", "n/a"),
        ("5xx / other / transport errors", f"{server_errors} / {other} / {sum(load.transport_errors.values())}", f"failed: {base.failed}"),
        ("oversell (orders beyond stock)", f"{oversell}", ""),
        ("SKU stock at the end", f"{sale.stock_left} (started at {args.stock})", f"{base.decrements} decrements, all won"),
        ("cancel schedules written", f"{sale.schedules}", ""),
        ("sold out after / all answered after", f"{sold_out_at:.2f} s / {load.wall_seconds:.2f} s", ""),
        ("API rate vs pgbench", f"{share:.1f}% (target >= 25%)", "100%"),
    ]
    text = report.print_table(
        f"Flash sale: 1 SKU, {args.stock} stock, {args.buyers} buyers", ["", "API", "pgbench baseline"], rows
    )
    cpu_total = sum(sale.cpu.values())
    cpu_rows = [
        (name, f"{seconds:.1f} s", f"{100 * seconds / cpu_total:.0f}%" if cpu_total else "")
        for name, seconds in sale.cpu.items()
    ]
    text += report.print_table(
        f"CPU used during the flash sale ({load.wall_seconds:.1f} s wall, {os.cpu_count()} cores)",
        ["process", "CPU", "share"],
        cpu_rows,
    )
    text += (
        f"\norders/s = 201 answers / time until the last 201 arrived; latencies are per "
        f"request as the clients saw them; pgbench ran `--protocol=prepared "
        f"--client={base.clients}` ({args.api_workers} API workers x MALL_DB_POOL_MAX "
        f"{db_connections // args.api_workers}).\n"
    )
    return text, checks


# --- part 2: cancellation lateness ---------------------------------------------------------


@dataclass
class Cancellation:
    orders: int
    cancelled: int
    lateness: list[float]
    stock_restored: bool
    scheduled_in: float
    schedule_failures: int
    first_due_in: float
    cpu: dict[str, float]


async def bulk_pending_orders(
    target: services.Target, *, count: int, users: list[int], skus: list[int], lead: float, window: float
) -> tuple[list[tuple[int, datetime]], float]:
    """`count` pending orders straight into the database, stock reserved as the API would.

    Expiries are spread evenly from now + lead to now + lead + window. Returns
    [(order_id, expires_at)] and the wall-clock time they were based on.
    """
    conn = await asyncpg.connect(**target.connect_kwargs())  # type: ignore[arg-type]
    try:
        ids = [
            r[0]
            for r in await conn.fetch(
                "SELECT nextval(pg_get_serial_sequence('orders', 'id')) FROM generate_series(1, $1)",
                count,
            )
        ]
        t0 = time.time()
        now = datetime.fromtimestamp(t0, UTC)
        step = window / max(count - 1, 1)
        expiries = [now + timedelta(seconds=lead + i * step) for i in range(count)]
        order_users = [users[i % len(users)] for i in range(count)]
        order_skus = [skus[i % len(skus)] for i in range(count)]
        async with conn.transaction():
            await conn.execute(
                "INSERT INTO orders (created_at, updated_at, id, order_no, user_id, status,"
                " goods_amount, freight_amount, discount_amount, pay_amount, address, remark,"
                " expires_at, stock_restored)"
                " SELECT $1, $1, o.id, 'BENCH' || lpad(o.id::text, 12, '0'), o.user_id,"
                " 'pending_payment', $2, 0, 0, $2, $3::jsonb, '', o.expires_at, false"
                " FROM unnest($4::bigint[], $5::bigint[], $6::timestamptz[])"
                " AS o(id, user_id, expires_at)",
                now,
                PRICE,
                orjson.dumps(ADDRESS).decode(),
                ids,
                order_users,
                expiries,
            )
            await conn.execute(
                "INSERT INTO order_items (order_id, sku_id, product_id, title, specs, cover_url,"
                " price, quantity, reviewed)"
                " SELECT i.order_id, i.sku_id, skus.product_id, '取消测试', '{}'::jsonb, '', $1,"
                " 1, false FROM unnest($2::bigint[], $3::bigint[]) AS i(order_id, sku_id)"
                " JOIN skus ON skus.id = i.sku_id",
                PRICE,
                ids,
                order_skus,
            )
            # The reservation the API makes with each order.
            await conn.execute(
                "UPDATE skus SET stock = stock - c.n FROM "
                "(SELECT sku_id, count(*) AS n FROM order_items GROUP BY sku_id) c "
                "WHERE skus.id = c.sku_id"
            )
    finally:
        await conn.close()
    return list(zip(ids, expiries, strict=True)), t0


async def schedule_cancellations(orders: list[tuple[int, datetime]]) -> int:
    """The schedule the API writes for each order (mall.jobs.schedule); how many failed."""
    from mall import jobs
    from mall.orders.service import CANCEL_TASK, cancel_schedule_id
    from tasks.broker import schedule_source

    failures = 0
    try:
        for start in range(0, len(orders), 200):
            done = await asyncio.gather(
                *(
                    jobs.schedule(CANCEL_TASK, at=at, schedule_id=cancel_schedule_id(oid), order_id=oid)
                    for oid, at in orders[start : start + 200]
                )
            )
            failures += done.count(False)
    finally:
        await schedule_source.shutdown()
    return failures


async def wait_for_consumers(target: services.Target, procs: processes.Processes, count: int) -> None:
    """Until `count` Taskiq worker processes read the task stream."""
    import redis.asyncio as aioredis

    client = aioredis.Redis.from_url(target.redis_url)
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            procs.check_alive()
            try:
                consumers = await client.xinfo_consumers("mall:tasks", "mall-workers")
            except Exception:  # the group appears with the first worker
                consumers = []
            if len(consumers) >= count:
                return
            await asyncio.sleep(0.3)
    finally:
        await client.aclose()
    raise TimeoutError(f"{count} Taskiq workers did not start reading within 90 s")


async def cancellation(
    args: argparse.Namespace, target: services.Target, env: dict[str, str], logs: Path
) -> Cancellation:
    settings = await open_orm()
    try:
        skus = await make_skus("取消测试", [args.sku_stock] * args.skus)
        from models import User

        await User.bulk_create([User(openid=f"o-cancel-{i}") for i in range(100)])
        users = [u for u in await User.filter(openid__startswith="o-cancel-").values_list("id", flat=True)]
        del settings
    finally:
        await close_orm()

    with processes.Processes(logs) as procs:
        procs.start_mall("worker", ["worker", "--workers", str(args.task_workers)], env)
        procs.start_mall("scheduler", ["scheduler", "--log-level", "WARNING"], env)
        await wait_for_consumers(target, procs, args.task_workers)
        orders, t0 = await bulk_pending_orders(
            target, count=args.orders, users=users, skus=skus, lead=args.lead, window=args.window
        )
        failures = await schedule_cancellations(orders)
        scheduled_in = time.time() - t0
        first_due_in = args.lead - scheduled_in
        meters = {
            "worker": lambda: processes.group_pids(procs.children["worker"].pid),
            "scheduler": lambda: processes.group_pids(procs.children["scheduler"].pid),
            "postgres": lambda: processes.named_pids("postgres"),
            "redis": lambda: processes.named_pids("redis-server"),
        }
        before = {k: processes.cpu_snapshot(f()) for k, f in meters.items()}
        conn = await asyncpg.connect(**target.connect_kwargs())  # type: ignore[arg-type]
        try:
            # The periodic sweep (every 15 s, 5 s grace) is the backstop: wait past it.
            deadline = t0 + args.lead + args.window + 30
            cancelled = 0
            while time.time() < deadline:
                procs.check_alive()
                cancelled = await conn.fetchval("SELECT count(*) FROM orders WHERE status = 'cancelled'")
                if cancelled >= len(orders):
                    break
                await asyncio.sleep(0.5)
            cpu = {
                k: processes.cpu_used(before[k], processes.cpu_snapshot(f()))
                for k, f in meters.items()
            }
            rows = await conn.fetch(
                "SELECT extract(epoch FROM cancelled_at - expires_at)::float8 AS late "
                "FROM orders WHERE status = 'cancelled'"
            )
            restored = await conn.fetchval(
                "SELECT bool_and(stock = $2) FROM skus WHERE id = ANY($1)", skus, args.sku_stock
            )
        finally:
            await conn.close()
    return Cancellation(
        orders=len(orders),
        cancelled=len(rows),
        lateness=[r["late"] for r in rows],
        stock_restored=bool(restored) and len(rows) == len(orders),
        scheduled_in=scheduled_in,
        schedule_failures=failures,
        first_due_in=first_due_in,
        cpu=cpu,
    )


def cancellation_tables(args: argparse.Namespace, result: Cancellation) -> tuple[str, dict[str, bool]]:
    late = result.lateness
    p99 = report.percentile(late, 99)
    checks = {
        "every order cancelled": result.cancelled == result.orders,
        "stock restored exactly once": result.stock_restored,
        "lateness p99 < 2 s": p99 < 2.0,
    }
    rows = [
        ("pending orders", f"{result.orders} over {args.skus} SKUs"),
        ("expiries", f"evenly over {args.window:g} s, from {args.lead:g} s after creation ({result.orders / args.window:,.0f}/s)"),
        ("processes", f"mall worker --workers {args.task_workers}, mall scheduler (one)"),
        ("schedules written (mall.jobs.schedule)", f"{result.orders - result.schedule_failures} in {result.scheduled_in:.1f} s"),
        ("cancelled", f"{result.cancelled} of {result.orders}"),
        ("lateness p50", f"{report.percentile(late, 50):.2f} s"),
        ("lateness p90", f"{report.percentile(late, 90):.2f} s"),
        ("lateness p99", f"{p99:.2f} s (target < 2 s)"),
        ("lateness max", f"{max(late, default=math.nan):.2f} s"),
        ("stock back to the start on every SKU", "yes" if result.stock_restored else "NO"),
    ]
    text = report.print_table(f"Cancellation lateness: {result.orders} pending orders", ["", "value"], rows)
    cpu_total = sum(result.cpu.values())
    text += report.print_table(
        "CPU used while cancelling",
        ["process", "CPU", "share"],
        [(k, f"{v:.1f} s", f"{100 * v / cpu_total:.0f}%" if cpu_total else "") for k, v in result.cpu.items()],
    )
    text += "\nlateness = orders.cancelled_at - orders.expires_at, for every cancelled order.\n"
    return text, checks


# --- the run -------------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python bench/orders.py",
        description="Hot-SKU flash sale vs pgbench, and cancellation lateness (see the module doc).",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--parts", nargs="+", choices=["flash", "cancel"], default=["flash", "cancel"])
    parser.add_argument("--api-workers", type=int, default=2, help="mall serve --workers")
    parser.add_argument("--stock", type=int, default=1000, help="hot SKU stock")
    parser.add_argument("--buyers", type=int, default=2000, help="distinct buyers, one order each")
    parser.add_argument("--concurrency", type=int, default=200, help="concurrent HTTP clients")
    parser.add_argument("--pgbench-seconds", type=int, default=0, help="0: as long as the API run (at least 5)")
    parser.add_argument("--orders", type=int, default=10_000, help="pending orders to cancel")
    parser.add_argument("--lead", type=float, default=20.0, help="seconds until the first expiry")
    parser.add_argument("--window", type=float, default=20.0, help="seconds the expiries spread over")
    parser.add_argument("--skus", type=int, default=100, help="SKUs the pending orders are spread over")
    parser.add_argument("--sku-stock", type=int, default=1000, help="stock of each of those SKUs")
    parser.add_argument("--task-workers", type=int, default=2, help="mall worker --workers")
    parser.add_argument("--database", default="mall_bench_orders", help="dropped and rebuilt")
    parser.add_argument("--redis-db", type=int, default=12, help="flushed")
    parser.add_argument("--time-limit", type=int, default=900, help="seconds; the run stops after")
    parser.add_argument("--no-write", action="store_true", help="do not update bench/RESULTS.md")
    return parser.parse_args(argv)


async def main_async(args: argparse.Namespace, target: services.Target, env: dict[str, str], logs: Path) -> int:
    from mall.config import Settings

    versions = await services.server_versions(target)
    machine = report.machine_rows(
        {
            "postgresql": versions["postgresql"],
            "redis": versions["redis"],
            "load average at start": " ".join(f"{x:.2f}" for x in os.getloadavg()),
        }
    )
    sections = [report.print_table("Machine", ["", ""], machine)]
    checks: dict[str, bool] = {}
    if "flash" in args.parts:
        await services.recreate_database(target, env)
        await services.flush_redis(target)
        sale = await flash_sale(args, target, env, logs)
        connections = args.api_workers * Settings().db_pool_max
        seconds = args.pgbench_seconds or max(5, math.ceil(sale.load.wall_seconds))
        base = await run_pgbench(target, clients=connections, seconds=seconds, stock=10**9, logs=logs)
        text, more = flash_sale_tables(args, sale, base, connections)
        sections.append(text)
        checks |= more
    if "cancel" in args.parts:
        await services.recreate_database(target, env)
        await services.flush_redis(target)
        result = await cancellation(args, target, env, logs)
        text, more = cancellation_tables(args, result)
        sections.append(text)
        checks |= more
    sections.append(
        report.print_table("Checks", ["check", "result"], [(k, "pass" if v else "FAIL") for k, v in checks.items()])
    )
    if not args.no_write:
        command = "python bench/orders.py" + "".join(f" {a}" for a in sys.argv[1:])
        header = f"## Orders\n\n{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, `{command}`\n\n"
        report.write_section("orders", header + "\n".join(sections))
        print(f"\nwrote {report.RESULTS_PATH}")
    return 0 if all(checks.values()) else 1


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    target = services.Target(database=args.database, redis_db=args.redis_db)
    env = services.mall_env(target)
    os.environ.update(env)  # this process's Settings (tokens, schedules) read the same
    logs = Path(tempfile.mkdtemp(prefix="mall-bench-orders-"))
    print(f"bench: logs in {logs}", flush=True)
    with processes.time_limit(args.time_limit):
        try:
            return asyncio.run(main_async(args, target, env, logs))
        except (processes.ChildExited, processes.RunTimeout, TimeoutError) as exc:
            print(f"bench: {exc}", file=sys.stderr)
            return 2


if __name__ == "__main__":
    raise SystemExit(main())
