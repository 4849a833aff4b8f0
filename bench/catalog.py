"""Catalog benchmark: cached product detail against a plain endpoint, and keyword search
latency at 100k products.

    python bench/catalog.py [--products 100000] [--seconds 8] [--connections 64]

Builds its own database (mall_bench_catalog) and a private redis-server, seeds the products
with COPY, runs `mall serve --workers 1`, then:

1. requests/s of GET /api/v1/products/<id> (a cached detail) and of GET /health/live (a
   plain Sanic JSON handler of the same app: same process, same middleware), with the
   same load generator (wrk when installed, else a keep-alive HTTP/1.1 client in Python
   in a separate process), in back-to-back pairs; medians of the rounds;
2. p50/p95 of keyword searches: the search query alone (in this process, as the service
   runs it) and GET /api/v1/products?q= end to end with the list cache invalidated
   before every request, over keywords of one to four Chinese characters, Latin words,
   two-keyword searches and misses; plus the query plan, to show the trigram index.
Targets: cached detail >= 50% of the plain endpoint's rate; search p95 < 50 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.harness.processes import Processes  # noqa: E402

DATABASE = "mall_bench_catalog"
LOCALHOST = "127.0.0.1"
LOGS = ROOT / ".mall" / "bench"


def words(text: str) -> list[str]:
    return text.split()


BRANDS = words(
    "云朵 山野 初见 拾光 木槿 北极绒 南风 青禾 素言 小米粒 鹿角巷 半亩田 有间 知音 橙意"
    " Nordic Urban Apex Lumi Koa"
)
ADJECTIVES = words(
    "加厚 轻薄 宽松 修身 复古 简约 百搭 便携 大容量 静音 防水 速干 保暖 透气 高腰 无线 智能"
    " 迷你 经典 升级款"
)
MATERIALS = words("纯棉 亚麻 羊毛 真丝 不锈钢 陶瓷 实木 硅胶 竹纤维 皮革")
NOUNS = words(
    "T恤 衬衫 连衣裙 牛仔裤 卫衣 羽绒服 运动鞋 帆布包 双肩包 保温杯 马克杯 茶具套装 咖啡壶"
    " 蓝牙耳机 充电宝 数据线 手机壳 台灯 抱枕 四件套 枕头 拖鞋 雨伞 围巾 帽子 袜子 手表 键盘"
    " 鼠标 音箱 绿茶 红茶 普洱 坚果 饼干 蜂蜜 香薰 收纳盒 毛巾 牙刷"
)
AUDIENCE = words("男款 女款 儿童 情侣 中性 学生 办公室 户外")
SEASONS = words("春季 夏季 秋冬 四季 2024新款 限定 热卖 经典款")
POINTS = words(
    "包邮 顺丰发货 七天无理由 假一赔十 官方正品 现货速发 买二送一 限时特惠 新品首发 口碑爆款"
    " 支持定制 环保材质 送礼佳品 好评如潮"
)
COLOURS = words("红 蓝 黑 白 灰 粉 绿 米")
SIZES = words("S M L XL")

# What customers type, by kind. Misses and rare words are cheap for an index and a
# disaster for a scan; one- and two-character words are where plain trigram search
# (without this project's tripled text) falls back to a full scan.
KEYWORDS = [
    (kind, word.replace("+", " "))
    for kind, text in {
        "1 char": "茶 杯 鞋 包",
        "2 chars": "T恤 纯棉 耳机 羊毛 台灯 蜂蜜",
        "3-4 chars": "保温杯 连衣裙 蓝牙耳机 双肩包 茶具套装",
        "latin": "nordic apex lumi",
        "2 keywords": "纯棉+T恤 加厚+羽绒服 女款+夏季",
        "miss": "冰箱 iphone 不存在的商品",
    }.items()
    for word in text.split()
]
SORTS = ["newest", "price_asc", "sales"]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--products", type=int, default=100_000)
    parser.add_argument("--seconds", type=float, default=5.0, help="per load round")
    parser.add_argument("--rounds", type=int, default=5, help="plain/detail pairs")
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--searches", type=int, default=240, help="per measurement")
    parser.add_argument(
        "--generator",
        choices=["auto", "wrk", "python"],
        default="auto",
        help="load generator (auto: wrk when installed)",
    )
    parser.add_argument("--no-write", action="store_true", help="leave bench/RESULTS.md alone")
    parser.add_argument("--load", help=argparse.SUPPRESS)  # internal: the Python load process
    return parser.parse_args()


# --- processes and numbers ------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((LOCALHOST, 0))
        return int(sock.getsockname()[1])


def wait_for(url: str, children: Processes, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        children.check_alive()
        with contextlib.suppress(OSError), urllib.request.urlopen(url, timeout=2) as resp:
            if resp.status == 200:
                return
        time.sleep(0.2)
    raise TimeoutError(f"{url} did not answer within {timeout:.0f}s; see {LOGS}")


def wait_for_port(port: int, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex((LOCALHOST, port)) == 0:
                return
        time.sleep(0.05)
    raise TimeoutError(f"nothing listens on port {port}")


def percentile(values: list[float], pct: int) -> float:
    """Nearest rank."""
    ordered = sorted(values)
    return ordered[max(0, -(-len(ordered) * pct // 100) - 1)]


def table(title: str, headers: list[str], rows: list[list[str]]) -> str:
    cells = [headers, *rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]

    def line(row: list[str]) -> str:
        return "| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |"

    ruler = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    return "\n".join([f"**{title}**", "", line(headers), ruler, *map(line, rows)])


async def recreate_database(database_url: str) -> None:
    """Drop and rebuild the benchmark's own database (never another), migrated."""
    import asyncpg

    from mall.config import Settings, db_connection
    from mall.migrate import upgrade

    creds = db_connection(database_url)["credentials"]
    assert creds["database"] == DATABASE
    conn = await asyncpg.connect(
        host=creds["host"],
        port=creds["port"],
        user=creds["user"],
        password=creds["password"] or None,
        database="postgres",
    )
    try:
        await conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1", DATABASE
        )
        await conn.execute(f'DROP DATABASE IF EXISTS "{DATABASE}"')
    finally:
        await conn.close()
    await upgrade(Settings(database_url=database_url))  # creates it, then migrates


# --- data --------------------------------------------------------------------------------------


def product_rows(count: int, categories: list[int], rng: random.Random) -> tuple[list, list]:
    now = datetime.now(UTC)
    products, skus = [], []
    sku_id = 0
    for pid in range(1, count + 1):
        noun = rng.choice(NOUNS)
        title = (
            f"{rng.choice(BRANDS)} {rng.choice(ADJECTIVES)}{rng.choice(MATERIALS)}{noun} "
            f"{rng.choice(AUDIENCE)} {rng.choice(SEASONS)}"
        )
        subtitle = " ".join(rng.sample(POINTS, 3))
        base = rng.randrange(990, 59_900, 10)
        variants = [
            {"颜色": c, "尺码": s} for c in rng.sample(COLOURS, 2) for s in rng.sample(SIZES, 2)
        ]
        prices = []
        for index, specs in enumerate(variants):
            sku_id += 1
            price = base + 500 * index
            prices.append(price)
            skus.append(
                (
                    sku_id,
                    pid,
                    json.dumps(specs, ensure_ascii=False),
                    price,
                    rng.randrange(0, 500),
                    "",
                    now,
                    now,
                )
            )
        created = now - timedelta(seconds=count - pid)
        image = f"https://img.example.com/p/{pid}.jpg"
        products.append(
            (
                pid,
                rng.choice(categories),
                title,
                subtitle,
                f"{title}。{subtitle}",
                json.dumps([image]),
                json.dumps(["颜色", "尺码"], ensure_ascii=False),
                "",
                rng.random() > 0.05,
                rng.randrange(0, 20_000),
                min(prices),
                max(prices),
                created,
                created,
            )
        )
    return products, skus


async def seed(database_url: str, count: int) -> dict[str, Any]:
    import asyncpg

    from mall.config import db_connection

    creds = db_connection(database_url)["credentials"]
    conn = await asyncpg.connect(
        host=creds["host"],
        port=creds["port"],
        user=creds["user"],
        password=creds["password"] or None,
        database=creds["database"],
    )
    try:
        now = datetime.now(UTC)
        categories = []
        for root in range(10):
            root_id = await conn.fetchval(
                "INSERT INTO categories (name, icon, sort_order, visible, created_at, updated_at)"
                " VALUES ($1, '', $2, true, $3, $3) RETURNING id",
                f"类目{root}",
                root,
                now,
            )
            for child in range(5):
                categories.append(
                    await conn.fetchval(
                        "INSERT INTO categories (name, icon, sort_order, visible, parent_id,"
                        " created_at, updated_at)"
                        " VALUES ($1, '', $2, true, $3, $4, $4) RETURNING id",
                        f"类目{root}-{child}",
                        child,
                        root_id,
                        now,
                    )
                )
        started = time.perf_counter()
        products, skus = product_rows(count, categories, random.Random(20261123))
        await conn.copy_records_to_table(
            "products",
            records=products,
            columns=words(
                "id category_id title subtitle description images spec_names cover on_sale sales"
                " min_price max_price created_at updated_at"
            ),
        )
        await conn.copy_records_to_table(
            "skus",
            records=skus,
            columns=words("id product_id specs price stock code created_at updated_at"),
        )
        await conn.execute("SELECT setval('products_id_seq', $1)", count)
        await conn.execute("SELECT setval('skus_id_seq', $1)", len(skus))
        await conn.execute("VACUUM ANALYZE products")
        await conn.execute("VACUUM ANALYZE skus")
        seconds = time.perf_counter() - started
        size = await conn.fetchval(
            "SELECT pg_size_pretty(pg_relation_size('products_search_trgm'))"
        )
        on_sale = await conn.fetchval(
            "SELECT id FROM products WHERE on_sale ORDER BY id OFFSET $1 LIMIT 1", count // 2
        )
        return {
            "products": count,
            "skus": len(skus),
            "seconds": seconds,
            "index_size": size,
            "product_id": on_sale,
        }
    finally:
        await conn.close()


# --- load ----------------------------------------------------------------------------------


def wrk_rate(url: str, *, seconds: float, connections: int) -> float:
    out = subprocess.run(
        ["wrk", "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s", url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    if re.search(r"Non-2xx or 3xx responses", out):
        raise RuntimeError(f"errors under load:\n{out}")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]


def python_rate(url: str, *, seconds: float, connections: int) -> float:
    out = subprocess.run(
        [
            sys.executable,
            __file__,
            "--load",
            url,
            "--seconds",
            str(seconds),
            "--connections",
            str(connections),
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return float(out.strip())


async def python_load(url: str, seconds: float, connections: int) -> float:
    """A keep-alive HTTP/1.1 load generator: CONNECTIONS sockets, one request in flight each."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    request = f"GET {target} HTTP/1.1\r\nHost: {parts.netloc}\r\n\r\n".encode()
    done = 0
    deadline = time.perf_counter() + seconds

    async def worker() -> None:
        nonlocal done
        reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
        while time.perf_counter() < deadline:
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            if not head.startswith(b"HTTP/1.1 200"):
                raise RuntimeError(head.decode(errors="replace"))
            length = int(re.search(rb"content-length: (\d+)", head, re.I).group(1))  # type: ignore[union-attr]
            await reader.readexactly(length)
            done += 1
        writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(connections)))
    return done / (time.perf_counter() - started)


def measure_throughput(base: str, product_id: int, args: argparse.Namespace) -> dict[str, Any]:
    detail = f"{base}/api/v1/products/{product_id}"
    plain = f"{base}/health/live"
    with urllib.request.urlopen(detail) as resp:  # fills the cache
        assert resp.status == 200
    use_wrk = args.generator == "wrk" or (args.generator == "auto" and shutil.which("wrk"))
    tool = "wrk" if use_wrk else "python keep-alive client"
    rate = wrk_rate if use_wrk else python_rate
    rate(plain, seconds=2, connections=args.connections)  # warm-up of both paths
    rate(detail, seconds=2, connections=args.connections)
    # Pairs measured back to back: a neighbour's load hits both sides of a pair alike.
    pairs = [
        (
            rate(plain, seconds=args.seconds, connections=args.connections),
            rate(detail, seconds=args.seconds, connections=args.connections),
        )
        for _ in range(args.rounds)
    ]
    return {
        "tool": tool,
        "plain": statistics.median(p for p, _ in pairs),
        "detail": statistics.median(d for _, d in pairs),
        "ratio": statistics.median(d / p for p, d in pairs),
        "ratios": [d / p for p, d in pairs],
    }


# --- search --------------------------------------------------------------------------------


async def measure_search(
    database_url: str, base: str, redis_url: str, args: argparse.Namespace
) -> dict[str, Any]:
    import httpx
    import redis.asyncio as aioredis
    from tortoise import Tortoise, connections

    from mall.catalog.cache import LISTS, VERSION
    from mall.catalog.schemas import MAX_STOREFRONT_RESULTS, Sort
    from mall.catalog.search import ProductFilter, find_products, keywords_of
    from mall.config import Settings, tortoise_config

    await Tortoise.init(config=tortoise_config(Settings(database_url=database_url)))
    plan = random.Random(11)
    queries = [(plan.choice(KEYWORDS), plan.choice(SORTS)) for _ in range(args.searches)]
    query_ms: dict[str, list[float]] = {}
    http_ms: dict[str, list[float]] = {}
    redis = aioredis.Redis.from_url(redis_url)
    try:
        all_ids = [
            r["id"]
            for r in await connections.get("default").execute_query_dict(
                "SELECT id FROM categories"
            )
        ]
        for (kind, keyword), sort in queries:
            started = time.perf_counter()
            await find_products(
                ProductFilter(keywords=keywords_of(keyword), category_ids=all_ids, on_sale=True),
                sort=Sort(sort),
                offset=0,
                limit=20,
                count_up_to=MAX_STOREFRONT_RESULTS,
            )
            query_ms.setdefault(kind, []).append((time.perf_counter() - started) * 1000)
        async with httpx.AsyncClient(base_url=base, timeout=30) as client:
            for (kind, keyword), sort in queries:
                await redis.incr(VERSION + LISTS)  # every request misses the list cache
                started = time.perf_counter()
                resp = await client.get(
                    "/api/v1/products", params={"q": keyword, "sort": sort, "page": 1}
                )
                http_ms.setdefault(kind, []).append((time.perf_counter() - started) * 1000)
                assert resp.status_code == 200, resp.text
        conn = connections.get("default")
        plans = []
        for label, sql, keyword in (
            (
                "count (what the storefront runs when a page is full)",
                "EXPLAIN SELECT count(*) FROM (SELECT 1 FROM products p WHERE p.archived_at IS NULL"
                " AND p.on_sale AND p.search_text LIKE catalog_search_pattern($1) LIMIT 5000) m",
                "纯棉",
            ),
            (
                "a page of a rare keyword, by price",
                "EXPLAIN SELECT p.id FROM products p WHERE p.archived_at IS NULL AND p.on_sale"
                " AND p.search_text LIKE catalog_search_pattern($1)"
                " ORDER BY p.min_price, p.id LIMIT 20",
                "不存在的商品",
            ),
        ):
            rows = await conn.execute_query_dict(sql, [keyword])
            plans.append(f"-- {label}: {keyword}\n" + "\n".join(r["QUERY PLAN"] for r in rows))
        plan_text = "\n".join(plans)
        sample = await conn.execute_query_dict(
            "SELECT count(*) AS n FROM products WHERE search_text LIKE catalog_search_pattern($1)",
            ["T恤"],
        )
    finally:
        await redis.aclose()
        await Tortoise.close_connections()
    return {"query": query_ms, "http": http_ms, "plan": plan_text, "tshirt_matches": sample[0]["n"]}


def stats(values: list[float]) -> tuple[str, str, str]:
    return (f"{percentile(values, 50):.1f}", f"{percentile(values, 95):.1f}", f"{max(values):.1f}")


# --- main ----------------------------------------------------------------------------------


def main() -> int:
    args = parse_args()
    if args.load:
        print(asyncio.run(python_load(args.load, args.seconds, args.connections)))
        return 0
    load_before = os.getloadavg()[0]
    children = Processes(LOGS)
    try:
        # A private Redis: the app's pub/sub channels ignore db numbers and would mix with
        # every other mall on a shared server.
        redis_port = free_port()
        redis_args = words(f"--bind {LOCALHOST} --port {redis_port} --appendonly no")
        children.start(
            "catalog-redis", ["redis-server", *redis_args, "--save", ""], dict(os.environ)
        )
        wait_for_port(redis_port)
        redis_url = f"redis://{LOCALHOST}:{redis_port}/0"
        database_url = os.environ.get(
            "MALL_BENCH_DATABASE_URL", f"postgres://postgres@{LOCALHOST}:5432/{DATABASE}"
        )
        print(
            f"catalog bench: migrating {DATABASE} and seeding {args.products} products", flush=True
        )
        asyncio.run(recreate_database(database_url))
        seeded = asyncio.run(seed(database_url, args.products))
        port = free_port()
        env = {
            "MALL_DATABASE_URL": database_url,
            "MALL_REDIS_URL": redis_url,
            "MALL_RATE_LIMIT_ENABLED": "false",
            "MALL_LOG_LEVEL": "WARNING",
            "MALL_ENV": "dev",
        }
        serve = words(f"-m mall.cli serve --host {LOCALHOST} --port {port} --workers 1")
        children.start("catalog-api", [sys.executable, *serve], {**os.environ, **env})
        base = f"http://{LOCALHOST}:{port}"
        wait_for(f"{base}/health/ready", children)
        print("catalog bench: measuring throughput", flush=True)
        throughput = measure_throughput(base, seeded["product_id"], args)
        print("catalog bench: measuring search", flush=True)
        search = asyncio.run(measure_search(database_url, base, redis_url, args))
    finally:
        children.stop_all()

    ratio = throughput["ratio"]
    all_query = [v for values in search["query"].values() for v in values]
    all_http = [v for values in search["http"].values() for v in values]
    index_used = search["plan"].count("products_search_trgm") == 2
    tables = [
        table(
            f"Cached product detail vs a plain endpoint ({throughput['tool']}, "
            f"{args.connections} connections, 1 API process, median of {args.rounds} x "
            f"{args.seconds:.0f}s)",
            ["endpoint", "requests/s", "vs plain"],
            [
                [
                    "GET /health/live (plain Sanic JSON, same app)",
                    f"{throughput['plain']:.0f}",
                    "100%",
                ],
                [
                    "GET /api/v1/products/<id> (cached detail)",
                    f"{throughput['detail']:.0f}",
                    f"{ratio:.0%} (median of pairs; each: "
                    + ", ".join(f"{r:.0%}" for r in throughput["ratios"])
                    + "; target >= 50%)",
                ],
            ],
        ),
        table(
            f"Keyword search at {seeded['products']:,} products ({seeded['skus']:,} SKUs; "
            f"trigram index {seeded['index_size']}; {args.searches} searches, ms)",
            [
                "keywords",
                "query p50",
                "query p95",
                "query max",
                "HTTP uncached p50",
                "HTTP uncached p95",
                "HTTP max",
            ],
            [
                [kind, *stats(search["query"][kind]), *stats(search["http"][kind])]
                for kind in dict.fromkeys(k for k, _ in KEYWORDS)
                if kind in search["query"]
            ]
            + [["all", *stats(all_query), *stats(all_http)]],
        ),
    ]
    verdict = (
        f"cached detail {ratio:.0%} of plain (target >= 50%): "
        f"{'met' if ratio >= 0.5 else 'MISSED'}; search p95 "
        f"{percentile(all_http, 95):.1f} ms end to end (target < 50 ms): "
        f"{'met' if percentile(all_http, 95) < 50 else 'MISSED'}; trigram "
        f"index used: {'yes' if index_used else 'NO'}"
    )
    machine = (
        f"Machine: {os.cpu_count()} CPUs, load average {load_before:.1f} before and "
        f"{os.getloadavg()[0]:.1f} after the run (server, Redis, PostgreSQL and the load "
        "generator share them)."
    )
    body = (
        machine
        + "\n\n"
        + "\n\n".join(tables)
        + (
            f'\n\n{verdict}. Seeding took {seeded["seconds"]:.0f}s (COPY). "T恤" matches '
            f"{search['tshirt_matches']:,} products. Query plans:\n\n```\n{search['plan']}\n```"
        )
    )
    print("\n" + body)
    if not args.no_write:
        from bench.harness import report

        stamp = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
        report.write_section(
            "catalog",
            f"## Catalog: cached product detail and keyword search\n\n"
            f"`python bench/catalog.py` ({stamp})\n\n{body}",
        )
        print(f"wrote {report.RESULTS_PATH}")
    return 0 if ratio >= 0.5 and index_used else 1


if __name__ == "__main__":
    sys.exit(main())
