"""Orders benchmark: a hot-SKU flash sale through the API beside pgbench, and cancellation lateness.

    python bench/orders.py            (or python -m bench.orders; --help for the knobs)

Part 1, flash sale. One SKU with --stock units; --buyers distinct users, each with an
address and an access token (rows written straight to the database, tokens from
mall.auth.service.issue_pair, no WeChat); `mall serve --workers N`; a load generator in
a separate process (bench/harness/loadgen.py: its own interpreter and event loop, so it
never shares the server's GIL or loop) keeps --concurrency keep-alive connections busy
until every buyer has POSTed /api/v1/orders once, with an Idempotency-Key as the
mini-program sends. Before the sale (not measured) each client places two orders of
another SKU, so the sale meets a server in its steady state: pool connections open,
statements prepared and planned, as pgbench's prepared statements are. Checked: exactly
--stock orders, the SKU ends at 0 (never below), no 5xx. Baseline right after each sale:
pgbench running the order transaction on the real tables (insert order, insert item,
conditional decrement of one hot SKU, in that order), with as many clients as the API has
database connections (workers x MALL_DB_POOL_MAX), for as long as the API took, on a SKU
stocked so every decrement wins; and the same statements with the decrement first, the
order the issue lists, for reference. This machine's timings are noisy, so there are
--rounds sales (each with a fresh hot SKU and fresh buyers), each followed by its
pgbench runs; the target is checked on the median round's share, and every round is
listed.

Part 2, cancellation lateness, once per --windows value: --orders pending orders bulk-
inserted into the database (stock reserved as the API would), each with the schedule the
API writes (mall.jobs.schedule, i.e. the SortedSetScheduleSource of tasks/), expiring
evenly over the window from --lead seconds after creation; a real `mall worker` and
`mall scheduler`. Lateness = orders.cancelled_at - orders.expires_at.

The load generator, the server, PostgreSQL and Redis share the machine's cores (there is
no spare core to pin them apart on a 2-core machine): the CPU each used is printed beside
the figures, and so is what other processes on the machine used meanwhile. Each
measurement first waits (up to --quiet-wait seconds) for the machine to be idle.

Everything runs against a database of its own (dropped and migrated again) on the local
PostgreSQL and a Redis db of its own (flushed); every process binds to 127.0.0.1 and is
stopped at the end, also on failure or after --time-limit.
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

import asyncpg
import orjson
import redis.asyncio as aioredis

from bench.harness import loadgen, processes, report, services

PRICE = 4900
ADDRESS = {
    "name": "张三",
    "phone": "13800138000",
    "province": "广东省",
    "city": "广州市",
    "district": "海珠区",
    "detail": "新港中路397号",
}
LATENESS_TARGET = 2.0
WARMUP_ORDERS = 2
SHARE_TARGET = 25.0


# --- data ----------------------------------------------------------------------------------


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
    address_of = {
        a.user_id: a.id  # type: ignore[attr-defined]
        for a in await Address.filter(user_id__in=[u.id for u in users])
    }

    async def token(user_id: int) -> str:
        pair = await auth_service.issue_pair(settings, subject=user_id, audience=Audience.USER)
        return pair.access_token

    tokens: list[str] = []
    for start in range(0, len(users), 100):
        tokens += await asyncio.gather(*(token(u.id) for u in users[start : start + 100]))
    return [Buyer(u.id, address_of[u.id], t) for u, t in zip(users, tokens, strict=True)]


async def fetchval(target: services.Target, query: str, *args: Any) -> Any:
    conn = await asyncpg.connect(**target.connect_kwargs())  # type: ignore[arg-type]
    try:
        return await conn.fetchval(query, *args)
    finally:
        await conn.close()


def shared_servers() -> dict[str, Any]:
    """Process groups a CpuMeter follows besides our own children."""
    return {
        "postgres": lambda: processes.named_pids("postgres"),
        "redis": lambda: processes.named_pids("redis-server"),
    }


def quiet(args: argparse.Namespace) -> float:
    return processes.wait_until_idle(args.min_idle, args.quiet_wait)


async def checkpoint(target: services.Target) -> None:
    """Start each measured run (API or pgbench) right after a checkpoint, so that neither
    meets one, or the burst of full-page writes after one, by luck."""
    await fetchval(target, "CHECKPOINT")


# --- part 1: the flash sale ----------------------------------------------------------------


@dataclass
class FlashSale:
    load: loadgen.LoadResult
    stock_left: int
    orders_made: int
    schedules: int
    cpu: dict[str, float]
    cpu_seconds: float
    api_processes: list[float]
    idle_before: float


async def flash_sale(
    args: argparse.Namespace,
    target: services.Target,
    env: dict[str, str],
    logs: Path,
    round_no: int = 1,
) -> FlashSale:
    settings = await open_orm()
    try:
        [hot_sku] = await make_skus("秒杀爆款", [args.stock])
        buyers = await make_buyers(settings, args.buyers, f"flash{round_no}")
        # Warm-up (not measured): every client places WARMUP_ORDERS orders of another SKU,
        # so the flash sale meets a server in its steady state (pool connections open,
        # statements prepared and planned), as pgbench's prepared statements do.
        [warm_sku] = await make_skus("预热", [args.concurrency * WARMUP_ORDERS])
        warm_buyers = await make_buyers(settings, args.concurrency, f"warmup{round_no}")
    finally:
        await close_orm()
    calls = [
        loadgen.Call(
            "POST",
            "/api/v1/orders",
            headers={"Authorization": f"Bearer {b.token}", "Idempotency-Key": uuid.uuid4().hex},
            json_body={"items": [{"sku_id": hot_sku, "quantity": 1}], "address_id": b.address_id},
        )
        for b in buyers
    ]
    warmup = [
        [
            loadgen.Call(
                "GET", "/api/v1/orders?page_size=1", headers={"Authorization": f"Bearer {b.token}"}
            ),
            *[
                loadgen.Call(
                    "POST",
                    "/api/v1/orders",
                    headers={
                        "Authorization": f"Bearer {b.token}",
                        "Idempotency-Key": uuid.uuid4().hex,
                    },
                    json_body={
                        "items": [{"sku_id": warm_sku, "quantity": 1}],
                        "address_id": b.address_id,
                    },
                )
                for _ in range(WARMUP_ORDERS)
            ],
        ]
        for b in warm_buyers
    ]
    port = processes.free_port()
    base = f"http://127.0.0.1:{port}"
    serve = ["serve", "--host", "127.0.0.1", "--port", str(port)]
    with processes.Processes(logs) as procs:
        procs.start_mall("api", [*serve, "--workers", str(args.api_workers)], env)
        processes.wait_for_http(f"{base}/health/ready", procs, timeout=90)
        api_pgid = procs.children["api"].pid
        meter = processes.CpuMeter(
            {"api": lambda: processes.group_pids(api_pgid), **shared_servers()}
        )
        await checkpoint(target)
        idle = quiet(args)
        api_before = processes.cpu_snapshot(processes.group_pids(api_pgid))
        meter.start()
        load = loadgen.run_load(
            base, calls, concurrency=args.concurrency, warmup=warmup, env=env, timeout=300
        )
        cpu = meter.stop()
        api_after = processes.cpu_snapshot(processes.group_pids(api_pgid))
        procs.check_alive()
    # The load generator ran (and exited) inside the span: it reports its own CPU time.
    cpu["load generator"] = load.cpu_seconds
    cpu[meter.OTHERS] = max(0.0, cpu[meter.OTHERS] - load.cpu_seconds)
    per_process = sorted(
        (after - api_before.get(pid, 0.0) for pid, after in api_after.items()), reverse=True
    )
    stock_left = await fetchval(target, "SELECT stock FROM skus WHERE id = $1", hot_sku)
    orders_made = await fetchval(
        target, "SELECT coalesce(sum(quantity), 0) FROM order_items WHERE sku_id = $1", hot_sku
    )
    return FlashSale(
        load=load,
        stock_left=int(stock_left),
        orders_made=int(orders_made),
        schedules=await count_schedules(target)
        - int(
            await fetchval(target, "SELECT count(*) FROM order_items WHERE sku_id = $1", warm_sku)
        ),
        cpu=cpu,
        cpu_seconds=meter.seconds,
        api_processes=per_process[: args.api_workers],
        idle_before=idle,
    )


async def count_schedules(target: services.Target) -> int:
    client = aioredis.Redis.from_url(target.redis_url)
    try:
        return int(await client.zcard("mall:schedule:{s}:due"))
    finally:
        await client.aclose()


# --- part 1: the pgbench baseline ----------------------------------------------------------

INSERT_ORDER = """\
INSERT INTO orders (created_at, updated_at, order_no, user_id, status, goods_amount,
    freight_amount, discount_amount, pay_amount, address, remark, expires_at, stock_restored)
  VALUES (now(), now(), 'PGB' || txid_current(), :uid, 'pending_payment', {price}, 0, 0,
    {price}, '{address}', '', now() + interval '30 minutes', false)
  RETURNING id;
"""
INSERT_ITEM = """\
INSERT INTO order_items (order_id, sku_id, product_id, title, specs, cover_url, price,
    quantity, reviewed)
  VALUES (currval(pg_get_serial_sequence('orders', 'id')), :sku, {product_id}, '秒杀',
    '{{"款式": "0"}}', '', {price}, 1, false);
"""
DECREMENT = """\
UPDATE skus SET stock = stock - 1, updated_at = now()
  WHERE id = :sku AND stock >= 1 AND archived_at IS NULL
  RETURNING product_id, stock;
"""
# The statements of mall.orders.placing.create that the baseline replays. The API also
# claims the Idempotency-Key and writes the history row and the outbox events in that
# transaction; pgbench does not.
PGBENCH_VARIANTS = {
    "api order": ("pgbench, API's statement order", [INSERT_ORDER, INSERT_ITEM, DECREMENT]),
    "decrement first": ("pgbench, decrement first", [DECREMENT, INSERT_ORDER, INSERT_ITEM]),
}


@dataclass
class Pgbench:
    title: str
    clients: int
    seconds: int
    transactions: int
    failed: int
    tps: float
    latencies_ms: list[float]
    decrements: int
    idle_before: float


def pgbench_binary() -> str:
    found = shutil.which("pgbench")
    if found:
        return found
    for candidate in sorted(Path("/usr/lib/postgresql").glob("*/bin/pgbench"), reverse=True):
        return str(candidate)
    raise SystemExit("bench: pgbench not found; install it (apt-get install -y postgresql-contrib)")


async def run_pgbench(
    args: argparse.Namespace,
    target: services.Target,
    variant: str,
    *,
    sku: int,
    product_id: int,
    clients: int,
    seconds: int,
    logs: Path,
) -> Pgbench:
    """One pgbench run of a variant's transaction on the hot baseline SKU."""
    title, statements = PGBENCH_VARIANTS[variant]
    body = "".join(statements).format(
        price=PRICE, address=orjson.dumps(ADDRESS).decode(), product_id=product_id
    )
    work = Path(tempfile.mkdtemp(prefix="pgbench-", dir=logs))
    (work / "order.sql").write_text(f"\\set uid random(1, 1000000)\nBEGIN;\n{body}COMMIT;\n")
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
    stock_before = await fetchval(target, "SELECT stock FROM skus WHERE id = $1", sku)
    await checkpoint(target)
    idle = quiet(args)
    out, failed, latencies = await asyncio.to_thread(
        _pgbench, argv, work, logs / f"pgbench-{variant.replace(' ', '-')}.log", seconds + 120
    )
    stock_after = await fetchval(target, "SELECT stock FROM skus WHERE id = $1", sku)
    return Pgbench(
        title=title,
        clients=clients,
        seconds=seconds,
        transactions=int(_grab(r"number of transactions actually processed: (\d+)", out)),
        failed=failed,
        tps=float(_grab(r"tps = ([\d.]+) \(without initial connection time\)", out)),
        latencies_ms=latencies,
        decrements=int(stock_before) - int(stock_after),
        idle_before=idle,
    )


def _pgbench(
    argv: list[str], work: Path, log: Path, timeout: float
) -> tuple[str, int, list[float]]:
    """Run pgbench; its output, failed transactions and per-transaction latencies (ms)."""
    done = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, check=False)
    log.write_text(done.stdout + done.stderr)
    if done.returncode != 0:
        raise RuntimeError(f"pgbench failed ({done.returncode}):\n{done.stderr[-2000:]}")
    failed = re.search(r"number of failed transactions: (\d+)", done.stdout)
    latencies = [
        int(parts[2]) / 1000  # --log lines: client, transaction, latency in us, ...
        for path in work.glob("txn.*")
        for parts in (line.split() for line in path.read_text().splitlines())
        if len(parts) >= 3 and parts[2].isdigit()
    ]
    return done.stdout, int(failed.group(1)) if failed else 0, latencies


def _grab(pattern: str, text: str) -> str:
    match = re.search(pattern, text)
    if match is None:
        raise RuntimeError(f"pgbench output lacks {pattern!r}:\n{text[-2000:]}")
    return match.group(1)


async def pgbench_baselines(
    args: argparse.Namespace, target: services.Target, *, clients: int, seconds: int, logs: Path
) -> list[Pgbench]:
    await open_orm()
    try:
        from models import Sku

        [sku] = await make_skus("pgbench 基线", [10**9])
        product_id = (await Sku.get(id=sku)).product_id
    finally:
        await close_orm()
    return [
        await run_pgbench(
            args,
            target,
            variant,
            sku=sku,
            product_id=product_id,
            clients=clients,
            seconds=seconds,
            logs=logs,
        )
        for variant in PGBENCH_VARIANTS
    ]


# --- part 1: the tables --------------------------------------------------------------------


def ms(values: list[float], q: float) -> str:
    return f"{report.percentile(values, q):.1f} ms"


def orders_per_second(sale: FlashSale) -> float:
    """201 answers / the time until the last 201 arrived."""
    load = sale.load
    created = load.count(201)
    sold_out_at = max(
        (end for status, end in zip(load.statuses, load.ends, strict=True) if status == 201),
        default=0.0,
    )
    return created / sold_out_at if sold_out_at else 0.0


def rounds_table(rounds: list[tuple[FlashSale, list[Pgbench]]]) -> tuple[str, float, int]:
    """Each round's API rate beside its pgbench rates; the median share and its round."""
    rows = []
    shares = []
    for number, (sale, baselines) in enumerate(rounds, start=1):
        rate = orders_per_second(sale)
        share = 100 * rate / baselines[0].tps if baselines[0].tps else 0.0
        shares.append(share)
        rows.append(
            (
                str(number),
                f"{rate:,.0f}",
                f"{baselines[0].tps:,.0f}",
                f"{share:.1f}%",
                f"{baselines[1].tps:,.0f}",
                f"{100 * rate / baselines[1].tps if baselines[1].tps else 0.0:.1f}%",
            )
        )
    median_round = sorted(range(len(shares)), key=lambda i: shares[i])[len(shares) // 2]
    text = report.print_table(
        f"Flash sale rounds (each: a fresh hot SKU and buyers, then pgbench; the median "
        f"round, {median_round + 1}, is detailed below)",
        [
            "round",
            "API orders/s",
            "pgbench tx/s, API's order",
            "API share",
            "pgbench tx/s, decrement first",
            "API share",
        ],
        rows,
    )
    text += (
        f"\nmedian API share of pgbench (API's statement order): {shares[median_round]:.1f}% "
        f"(target >= {SHARE_TARGET:g}%)\n"
    )
    print(text.splitlines()[-1])
    return text, shares[median_round], median_round


def flash_sale_tables(
    args: argparse.Namespace, sale: FlashSale, baselines: list[Pgbench], pool_max: int
) -> tuple[str, dict[str, bool]]:
    load = sale.load
    created = load.count(201)
    sold_out_at = max(
        (end for status, end in zip(load.statuses, load.ends, strict=True) if status == 201),
        default=0.0,
    )
    orders_per_s = created / sold_out_at if sold_out_at else 0.0
    latencies = [x * 1000 for x in load.latencies]
    created_latencies = [
        (end - start) * 1000
        for status, start, end in zip(load.statuses, load.starts, load.ends, strict=True)
        if status == 201
    ]
    oversell = max(0, sale.orders_made - args.stock) + max(0, -sale.stock_left)
    server_errors = load.count_range(500, 600)
    other = len(load.statuses) - created - load.count(409) - server_errors
    shares = [100 * orders_per_s / b.tps if b.tps else 0.0 for b in baselines]

    def row(label: str, api: str, *per_baseline: str) -> tuple[str, ...]:
        return (label, api, *per_baseline)

    rows = [
        row(
            "clients",
            f"{args.concurrency} HTTP keep-alive",
            *[f"{b.clients} (= API DB connections)" for b in baselines],
        ),
        row(
            "server / run",
            f"mall serve --workers {args.api_workers}",
            *[f"{b.seconds} s" for b in baselines],
        ),
        row(
            "machine idle before",
            f"{sale.idle_before:.0%}",
            *[f"{b.idle_before:.0%}" for b in baselines],
        ),
        row(
            "successful orders", f"{created} (HTTP 201)", *[str(b.transactions) for b in baselines]
        ),
        row("orders/s", f"{orders_per_s:,.0f}", *[f"{b.tps:,.0f}" for b in baselines]),
        row("latency p50", ms(latencies, 50), *[ms(b.latencies_ms, 50) for b in baselines]),
        row("latency p99", ms(latencies, 99), *[ms(b.latencies_ms, 99) for b in baselines]),
        row(
            "latency p50 / p99 of the 201s",
            f"{ms(created_latencies, 50)} / {ms(created_latencies, 99)}",
            *["" for _ in baselines],
        ),
        row("409 insufficient_stock", str(load.count(409)), *["" for _ in baselines]),
        row(
            "5xx / other status / transport errors",
            f"{server_errors} / {other} / {sum(load.transport_errors.values())}",
            *[f"failed: {b.failed}" for b in baselines],
        ),
        row("oversell (orders beyond stock)", str(oversell), *["" for _ in baselines]),
        row(
            "hot SKU stock at the end",
            f"{sale.stock_left} (from {args.stock})",
            *[f"{b.decrements} decrements, all won" for b in baselines],
        ),
        row("cancel schedules written", str(sale.schedules), *["" for _ in baselines]),
        row(
            "last 201 / last answer at",
            f"{sold_out_at:.2f} s / {load.wall_seconds:.2f} s",
            *["" for _ in baselines],
        ),
        row("API orders/s as % of this", "", *[f"{s:.1f}%" for s in shares]),
    ]
    text = report.print_table(
        f"Flash sale: 1 SKU, {args.stock} in stock, {args.buyers} buyers, "
        f"{args.concurrency} concurrent",
        ["", "API", *[b.title for b in baselines]],
        rows,
    )
    total = sum(sale.cpu.values())
    cpu_rows = [
        (name, f"{seconds:.1f} s", f"{seconds / sale.cpu_seconds:.2f}")
        for name, seconds in sale.cpu.items()
    ]
    cpu_rows.insert(
        1,
        (
            "  api, per worker process",
            " / ".join(f"{s:.1f} s" for s in sale.api_processes),
            "",
        ),
    )
    cpu_rows.append(("all", f"{total:.1f} s", f"{total / sale.cpu_seconds:.2f}"))
    warmups = args.concurrency * (1 + WARMUP_ORDERS)
    requests = len(load.statuses) + warmups
    cpu_rows.append(
        (
            f"api per request ({warmups} warm-up requests included)",
            f"{1000 * sale.cpu['api'] / requests:.2f} ms",
            "",
        )
    )
    text += report.print_table(
        f"CPU during the flash sale ({sale.cpu_seconds:.1f} s with the load generator's "
        f"start and warm-up; {os.cpu_count()} cores)",
        ["process", "CPU time", "cores busy"],
        cpu_rows,
    )
    note = (
        "\norders/s: 201 answers / time until the last 201 arrived; latencies: per request, "
        f"as the clients saw them. pgbench: --protocol=prepared --client={baselines[0].clients} "
        f"({args.api_workers} API workers x MALL_DB_POOL_MAX {pool_max}), same duration as "
        "the API run.\n"
    )
    print(note)
    return text + note, sale_checks(args, sale)


def sale_checks(args: argparse.Namespace, sale: FlashSale) -> dict[str, bool]:
    created = sale.load.count(201)
    oversell = max(0, sale.orders_made - args.stock) + max(0, -sale.stock_left)
    return {
        "flash sale: no oversell": oversell == 0 and sale.orders_made == created == args.stock,
        "flash sale: hot SKU ends at 0": sale.stock_left == 0,
        "flash sale: no 5xx": sale.load.count_range(500, 600) == 0,
    }


# --- part 2: cancellation lateness ---------------------------------------------------------


@dataclass
class Cancellation:
    window: float
    orders: int
    cancelled: int
    early: int
    lateness: list[float]
    throughput: float
    stock_restored: bool
    scheduled_in: float
    schedule_failures: int
    cpu: dict[str, float]
    idle_before: float


async def bulk_pending_orders(
    target: services.Target,
    *,
    count: int,
    users: list[int],
    skus: list[int],
    lead: float,
    window: float,
) -> tuple[list[tuple[int, datetime]], float]:
    """`count` pending orders straight into the database, stock reserved as the API would.

    Expiries are spread evenly from now + lead to now + lead + window. Returns
    [(order_id, expires_at)] and the wall-clock time they count from.
    """
    conn = await asyncpg.connect(**target.connect_kwargs())  # type: ignore[arg-type]
    try:
        ids = [
            r[0]
            for r in await conn.fetch(
                "SELECT nextval(pg_get_serial_sequence('orders', 'id')) "
                "FROM generate_series(1, $1)",
                count,
            )
        ]
        t0 = time.time()
        now = datetime.fromtimestamp(t0, UTC)
        step = window / max(count - 1, 1)
        expiries = [now + timedelta(seconds=lead + i * step) for i in range(count)]
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
                [users[i % len(users)] for i in range(count)],
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
                [skus[i % len(skus)] for i in range(count)],
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
    from mall.config import Settings
    from mall.jobs import Jobs
    from mall.jobs.broker import make_broker, make_schedule_source
    from mall.orders.schedules import schedule_cancel

    settings = Settings()
    jobs = Jobs(make_broker(settings), make_schedule_source(settings))
    failures = 0
    try:
        for start in range(0, len(orders), 200):
            done = await asyncio.gather(
                *(
                    schedule_cancel(jobs, order_id=oid, at=at)
                    for oid, at in orders[start : start + 200]
                )
            )
            failures += done.count(False)
    finally:
        await jobs.schedules.shutdown()
    return failures


async def wait_for_consumers(
    target: services.Target, procs: processes.Processes, count: int
) -> None:
    """Until `count` Taskiq worker processes read the task stream."""
    client = aioredis.Redis.from_url(target.redis_url)
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            procs.check_alive()
            try:
                consumers = await client.xinfo_consumers("mall:tasks", "mall-workers")
            except aioredis.ResponseError:  # the group appears with the first worker
                consumers = []
            if len(consumers) >= count:
                return
            await asyncio.sleep(0.3)
    finally:
        await client.aclose()
    raise TimeoutError(f"{count} Taskiq workers did not start reading within 90 s")


async def cancellation(
    args: argparse.Namespace,
    target: services.Target,
    env: dict[str, str],
    logs: Path,
    window: float,
) -> Cancellation:
    await services.recreate_database(target, env)
    await services.flush_redis(target)
    await open_orm()
    try:
        from models import User

        skus = await make_skus("取消测试", [args.sku_stock] * args.skus)
        await User.bulk_create([User(openid=f"o-cancel-{i}") for i in range(100)])
        users = list(await User.filter(openid__startswith="o-cancel-").values_list("id", flat=True))
    finally:
        await close_orm()

    with processes.Processes(logs / f"window-{window:g}s") as procs:
        procs.log_dir.mkdir(exist_ok=True)
        procs.start_mall("worker", ["worker", "--workers", str(args.task_workers)], env)
        procs.start_mall("scheduler", ["scheduler", "--log-level", args.scheduler_log_level], env)
        await wait_for_consumers(target, procs, args.task_workers)
        meter = processes.CpuMeter(
            {
                "worker": lambda: processes.group_pids(procs.children["worker"].pid),
                "scheduler": lambda: processes.group_pids(procs.children["scheduler"].pid),
                **shared_servers(),
            }
        )
        idle = await asyncio.to_thread(quiet, args)
        orders, t0 = await bulk_pending_orders(
            target,
            count=args.orders,
            users=[int(u) for u in users],
            skus=skus,
            lead=args.lead,
            window=window,
        )
        failures = await schedule_cancellations(orders)
        scheduled_in = time.time() - t0
        meter.start()
        # The periodic sweep (every 15 s, 5 s grace) is the backstop: wait past it.
        deadline = t0 + args.lead + window + 60
        while time.time() < deadline:
            procs.check_alive()
            cancelled = await fetchval(
                target, "SELECT count(*) FROM orders WHERE status = 'cancelled'"
            )
            if cancelled >= len(orders):
                break
            await asyncio.sleep(0.5)
        cpu = meter.stop()

    conn = await asyncpg.connect(**target.connect_kwargs())  # type: ignore[arg-type]
    try:
        rows = await conn.fetch(
            "SELECT extract(epoch FROM cancelled_at - expires_at)::float8 AS late,"
            " extract(epoch FROM cancelled_at)::float8 AS at"
            " FROM orders WHERE status = 'cancelled'"
        )
        restored = await conn.fetchval(
            "SELECT bool_and(stock = $2) FROM skus WHERE id = ANY($1)", skus, args.sku_stock
        )
    finally:
        await conn.close()
    first_due = min(at for _, at in orders).timestamp()
    last_cancel = max((r["at"] for r in rows), default=first_due)
    return Cancellation(
        window=window,
        orders=len(orders),
        cancelled=len(rows),
        early=sum(1 for r in rows if r["late"] < 0),
        lateness=[r["late"] for r in rows],
        throughput=len(rows) / max(last_cancel - first_due, 1e-9),
        stock_restored=bool(restored) and len(rows) == len(orders),
        scheduled_in=scheduled_in,
        schedule_failures=failures,
        cpu=cpu,
        idle_before=idle,
    )


def cancellation_tables(
    args: argparse.Namespace, results: list[Cancellation]
) -> tuple[str, dict[str, bool]]:
    def per_cancel(r: Cancellation, name: str) -> str:
        return f"{1000 * r.cpu[name] / max(r.cancelled, 1):.2f} ms"

    rows: list[tuple[str, ...]] = [
        ("pending orders", *[f"{r.orders} over {args.skus} SKUs" for r in results]),
        (
            "expiries",
            *[
                f"evenly over {r.window:g} s from {args.lead:g} s on ({r.orders / r.window:,.0f}/s)"
                for r in results
            ],
        ),
        (
            "schedules written (mall.jobs.schedule)",
            *[f"{r.orders - r.schedule_failures} in {r.scheduled_in:.1f} s" for r in results],
        ),
        ("machine idle before", *[f"{r.idle_before:.0%}" for r in results]),
        ("cancelled", *[f"{r.cancelled} of {r.orders}" for r in results]),
        ("cancelled before expiry", *[str(r.early) for r in results]),
        ("cancelled/s (first expiry to last cancel)", *[f"{r.throughput:,.0f}" for r in results]),
        *[
            (f"lateness {label}", *[f"{report.percentile(r.lateness, q):.3f} s" for r in results])
            for label, q in (("p50", 50), ("p90", 90), ("p99", 99))
        ],
        ("lateness max", *[f"{max(r.lateness, default=math.nan):.3f} s" for r in results]),
        ("stock back where it was", *["yes" if r.stock_restored else "NO" for r in results]),
        *[
            (f"CPU per cancel: {name}", *[per_cancel(r, name) for r in results])
            for name in ("worker", "scheduler", "postgres", "redis")
        ],
        (
            f"CPU of {processes.CpuMeter.OTHERS}",
            *[f"{r.cpu[processes.CpuMeter.OTHERS]:.1f} s" for r in results],
        ),
    ]
    text = report.print_table(
        f"Cancellation lateness: mall worker --workers {args.task_workers}, one mall scheduler",
        ["", *[f"{r.orders / r.window:,.0f} expiries/s" for r in results]],
        rows,
    )
    note = (
        "\nlateness = orders.cancelled_at - orders.expires_at over every cancelled order; "
        "cancelled/s above the expiry rate means the workers kept up.\n"
    )
    print(note)
    checks: dict[str, bool] = {}
    for r in results:
        rate = f"{r.orders / r.window:,.0f}/s"
        checks[f"cancellation at {rate}: every order cancelled, none early, stock restored"] = (
            r.cancelled == r.orders and r.early == 0 and r.stock_restored
        )
        checks[f"cancellation at {rate}: lateness p99 < {LATENESS_TARGET:g} s"] = (
            report.percentile(r.lateness, 99) < LATENESS_TARGET
        )
    return text + note, checks


# --- the run -------------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python bench/orders.py",
        description="Hot-SKU flash sale beside pgbench, and cancellation lateness.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    add = parser.add_argument
    add("--parts", nargs="+", choices=["flash", "cancel"], default=["flash", "cancel"])
    add("--api-workers", type=int, default=2, help="mall serve --workers")
    add("--stock", type=int, default=1000, help="hot SKU stock")
    add("--buyers", type=int, default=2000, help="distinct buyers, one order each")
    add("--concurrency", type=int, default=200, help="concurrent HTTP clients")
    add("--pgbench-seconds", type=int, default=0, help="0: as long as the API run (min 5)")
    add("--rounds", type=int, default=3, help="flash sales, each followed by pgbench")
    add("--orders", type=int, default=10_000, help="pending orders to cancel")
    add("--lead", type=float, default=10.0, help="seconds from creation to the first expiry")
    add(
        "--windows",
        type=float,
        nargs="+",
        default=[20.0, 60.0],
        help="seconds the expiries spread over; one cancellation run each",
    )
    add("--skus", type=int, default=100, help="SKUs the pending orders are spread over")
    add("--sku-stock", type=int, default=1000, help="stock of each of those SKUs")
    add("--task-workers", type=int, default=2, help="mall worker --workers")
    add("--scheduler-log-level", default="WARNING", help="INFO logs every send, for diagnosis")
    add("--min-idle", type=float, default=0.8, help="machine idle share to wait for")
    add("--quiet-wait", type=float, default=120, help="at most this long, before each run")
    add("--database", default="mall_bench_orders", help="dropped and rebuilt")
    add("--redis-db", type=int, default=12, help="flushed")
    add("--time-limit", type=int, default=900, help="seconds; everything stops after")
    add("--no-write", action="store_true", help="do not update bench/RESULTS.md")
    return parser.parse_args(argv)


async def main_async(
    args: argparse.Namespace, target: services.Target, env: dict[str, str], logs: Path
) -> int:
    from mall.config import Settings

    started = datetime.now(UTC)
    versions = await services.server_versions(target)
    sections = [report.print_table("Machine", ["", ""], report.machine_rows(versions))]
    checks: dict[str, bool] = {}
    if "flash" in args.parts:
        pool_max = Settings().db_pool_max
        rounds: list[tuple[FlashSale, list[Pgbench]]] = []
        for round_no in range(1, args.rounds + 1):
            await services.recreate_database(target, env)
            await services.flush_redis(target)
            sale = await flash_sale(args, target, env, logs, round_no)
            baselines = await pgbench_baselines(
                args,
                target,
                clients=args.api_workers * pool_max,
                seconds=args.pgbench_seconds or max(5, math.ceil(sale.load.wall_seconds)),
                logs=logs,
            )
            rounds.append((sale, baselines))
        summary, median_share, median_round = rounds_table(rounds)
        sale, baselines = rounds[median_round]
        text, more = flash_sale_tables(args, sale, baselines, pool_max)
        sections.append(summary + "\n" + text)
        checks |= more
        for number, (each, _) in enumerate(rounds, start=1):
            if number - 1 != median_round:
                for name, ok in sale_checks(args, each).items():
                    checks[f"{name} (round {number})"] = ok
        checks[
            f"flash sale: API >= {SHARE_TARGET:g}% of pgbench (API's statement order), median "
            f"of {args.rounds} rounds"
        ] = median_share >= SHARE_TARGET
    if "cancel" in args.parts:
        results = [await cancellation(args, target, env, logs, window) for window in args.windows]
        text, more = cancellation_tables(args, results)
        sections.append(text)
        checks |= more
    sections.append(
        report.print_table(
            "Checks", ["check", "result"], [(k, "pass" if v else "FAIL") for k, v in checks.items()]
        )
    )
    if not args.no_write:
        command = " ".join(["python bench/orders.py", *sys.argv[1:]])
        header = (
            "## Orders: hot-SKU flash sale beside pgbench, cancellation lateness\n\n"
            f"`{command}` ({started:%Y-%m-%d %H:%M} UTC)\n\n"
        )
        report.write_section("orders", header + "\n".join(sections))
        print(f"wrote {report.RESULTS_PATH}")
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
        except KeyboardInterrupt:
            print("bench: interrupted; every process it started is stopped", file=sys.stderr)
            return 130


if __name__ == "__main__":
    raise SystemExit(main())
