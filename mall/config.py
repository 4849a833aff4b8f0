"""Settings from the environment (MALL_*) and the Tortoise config built from them."""

from __future__ import annotations

import ipaddress
import tempfile
from pathlib import Path
from typing import Any, Literal
from urllib.parse import parse_qs, unquote, urlencode, urlsplit, urlunsplit

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
MIGRATIONS_DIR = PROJECT_ROOT / "migrations"
DEFAULT_JWT_SECRET = "dev-only-insecure-jwt-secret-change-me"
MIN_PRODUCTION_SECRET_LENGTH = 32
MODEL_MODULES = ["models", "aerich.models"]


class Settings(BaseSettings):
    """Every knob of the service; each field reads MALL_<NAME> from the environment."""

    model_config = SettingsConfigDict(env_prefix="MALL_", extra="ignore")

    env: Literal["dev", "test", "production"] = "dev"
    database_url: str = "postgres://postgres@127.0.0.1:5432/mall"
    redis_url: str = "redis://127.0.0.1:6379/0"
    db_pool_min: int = 1
    db_pool_max: int = 10
    # PostgreSQL as production runs it (README "PostgreSQL in production"). asyncpg's
    # prepared statements cached per connection: 0 behind PgBouncer in transaction mode
    # (before 1.21, or without max_prepared_statements), where a statement prepared on one
    # server connection is run on another.
    db_statement_cache_size: int = Field(default=100, ge=0)
    # PostgreSQL's client_connection_check_interval (ms), sent when each connection opens;
    # 0: not sent (PgBouncer refuses it as a startup parameter: set it per role instead,
    # `ALTER ROLE mall SET client_connection_check_interval = '1s'`).
    db_connection_check_interval: int = Field(default=1000, ge=0)
    # Seconds a statement may run (asyncpg's command_timeout, measured here, so a paused or
    # unreachable server counts too), and to get a pooled connection (waiting for a free
    # one or opening a new one). Past either a request answers 503 naming PostgreSQL.
    db_statement_timeout: float = Field(default=15.0, gt=0)
    db_acquire_timeout: float = Field(default=5.0, gt=0)
    # Streaming replicas ("url,url"): catalog, search and statistics reads go to them in
    # turn (the primary when one fails); everything else reads the primary. A catalog cache
    # entry invalidated by a change is rebuilt from the primary for database_replica_lag
    # seconds after it (a replica may not have the change yet).
    database_replica_urls: str = ""
    database_replica_lag: float = Field(default=5.0, ge=0)
    # Seconds a replica gets per statement and to hand out a connection before the read
    # goes to the primary instead (a sick replica costs this much, not a whole timeout).
    database_replica_timeout: float = Field(default=5.0, gt=0)
    # A direct connection (not through a transaction pooler) for `mall migrate`, whose
    # session-level advisory lock must stay on one server connection; empty: database_url.
    migrate_database_url: str = ""
    redis_pool_max: int = 64
    # Redis as production runs it: Sentinel ("host:port,host:port" of the sentinels and
    # the master's name) or Cluster (MALL_REDIS_URL names any node); standalone otherwise.
    redis_sentinels: str = ""
    redis_sentinel_master: str = "mymaster"
    redis_cluster: bool = False
    # Every Redis call is bounded; a stale pooled connection is found before use.
    redis_socket_timeout: float = 2.0
    redis_connect_timeout: float = 2.0
    redis_health_check_interval: int = 10
    # Order statements one API process sends per SKU at a time (mall/orders/placing.py,
    # SkuTurns): more queue on a hot row at a higher CPU cost per order, fewer wait longer
    # in the event loop.
    order_statements_per_sku: int = Field(default=1, ge=1, le=100)

    jwt_secret: str = DEFAULT_JWT_SECRET
    jwt_issuer: str = "mall"
    access_token_ttl: int = 15 * 60
    refresh_token_ttl: int = 7 * 24 * 3600

    wechat_appid: str = "wx-mall-dev-appid"
    wechat_secret: str = "wx-mall-dev-secret"
    wechat_api_base: str = "https://api.weixin.qq.com"
    wechat_timeout: float = 5.0

    # WeChat Pay API v3 in public-key mode (no platform certificate download at start).
    wechat_mchid: str = "1900000109"
    wechat_pay_private_key_path: Path | None = None
    wechat_pay_cert_serial_no: str = ""
    wechat_pay_apiv3_key: str = ""
    wechat_pay_public_key_path: Path | None = None
    wechat_pay_public_key_id: str = ""
    wechat_pay_api_base: str = "https://api.mch.weixin.qq.com"
    # Empty: derived from public_base_url (see _derive_notify_urls).
    wechat_pay_notify_url: str = ""
    wechat_pay_refund_notify_url: str = ""
    # The mini-program's message push (消息推送) in safe mode: the token and 43-character
    # EncodingAESKey set in the mini-program admin; the URL there is wechat_push_url.
    wechat_push_token: str = ""
    wechat_push_aes_key: str = ""
    # Empty: derived from public_base_url (see _derive_notify_urls).
    wechat_push_url: str = ""
    # A push whose timestamp is further than this from our clock is refused (replays too).
    wechat_push_max_skew: int = Field(default=300, ge=10, le=3600)
    # The mini-program page of one order: WeChat's shipping messages, subscription messages
    # and the tracking component open it (the order id is appended as ?id=).
    wechat_order_page: str = "pages/order/detail"
    # subscribeMessage.send's miniprogram_state: developer, trial or formal.
    wechat_miniprogram_state: Literal["developer", "trial", "formal"] = "formal"
    # Seconds WeChat's carrier list and a parcel's tracking stay cached.
    wechat_carriers_ttl: int = Field(default=6 * 3600, ge=1)
    wechat_tracking_ttl: int = Field(default=120, ge=1)
    # A factor on the retry backoff of WeChat calls (shipping sync, subscription messages,
    # image checks): tests shrink it.
    wechat_retry_scale: float = Field(default=1.0, gt=0)
    # Seconds until the simulator pushes an image check's verdict; negative: only on request.
    wechat_sim_media_check_delay: float = 1.0
    # The simulator's side of the keys, and a factor on WeChat's notification retry
    # schedule (15s, 15s, 30s, 3m, ...) so tests can shrink it to milliseconds.
    wechat_sim_platform_private_key_path: Path | None = None
    wechat_sim_merchant_public_key_path: Path | None = None
    wechat_sim_notify_retry_scale: float = 1.0

    rate_limit_enabled: bool = True
    login_limit_per_ip: int = 30
    login_limit_per_account: int = 10
    login_limit_window: int = 60
    # Staff password logins: login_limit_per_account is per account AND address (a
    # stranger cannot lock a real admin out from elsewhere); this cap counts an account's
    # attempts from every address over a longer window, bounding a distributed guesser.
    login_account_cap: int = Field(default=100, ge=1)
    login_account_cap_window: int = Field(default=900, ge=1)

    max_body_bytes: int = 2 * 1024 * 1024
    # Seconds a client has to send a whole request head from its first byte (a slow-header
    # client is answered 408 and cut off), and the HTTP connections one client address may
    # hold open per API process (0: no limit; off behind proxies, see mall/protocol.py).
    request_head_timeout: float = Field(default=10.0, ge=0)
    http_max_connections_per_ip: int = Field(default=256, ge=0)
    proxies_count: int = 0
    public_base_url: str = "http://127.0.0.1:8000"
    upload_dir: Path = Field(default=Path(".mall/uploads"))
    # An upload streams to storage through a bounded buffer (mall/catalog/uploads.py).
    upload_max_bytes: int = Field(default=1024 * 1024, ge=1)
    # Where images go: `local` (upload_dir, served by the API at /uploads) or `s3`, any
    # S3-compatible object store (AWS S3, Aliyun OSS, Tencent COS, MinIO).
    storage: Literal["local", "s3"] = "local"
    s3_bucket: str = ""
    # Empty: AWS (https://s3.<region>.amazonaws.com). OSS: https://oss-cn-hangzhou.aliyuncs.com,
    # COS: https://cos.ap-guangzhou.myqcloud.com, MinIO: http://minio:9000.
    s3_endpoint: str = ""
    s3_region: str = "us-east-1"
    s3_access_key_id: str = ""
    s3_secret_access_key: str = ""
    # Where clients load images from (a CDN in front of the bucket); empty: the bucket's
    # own URL on the endpoint.
    s3_public_base_url: str = ""
    # `virtual` (bucket.endpoint/key: AWS, OSS, COS) or `path` (endpoint/bucket/key: MinIO);
    # `auto` takes path for an IP address or localhost, virtual otherwise.
    s3_addressing_style: Literal["auto", "path", "virtual"] = "auto"
    # Keys are `<prefix><sha256>.<ext>`; a prefix like `mall/images/` shares a bucket.
    s3_key_prefix: str = ""
    s3_timeout: float = Field(default=10.0, gt=0)
    # Seconds a cached product detail / category tree lives without an admin change (every
    # change invalidates it at once), and a storefront list page (stock and sales in list
    # pages may lag this much behind orders).
    catalog_cache_ttl: int = 600
    catalog_list_ttl: int = 30
    # Per customer: footprints kept (one per product per day) and search terms remembered;
    # hot keywords shown (pinned first, then the most searched of the last 7 days).
    footprints_limit: int = Field(default=100, ge=1, le=1000)
    search_history_limit: int = Field(default=20, ge=1, le=100)
    hot_keywords_limit: int = Field(default=10, ge=1, le=50)
    log_level: str = "INFO"

    # Published outbox rows older than this many days are deleted (hourly, in batches of
    # outbox_purge_batch rows). Resuming a socket needs the Redis streams, not these rows.
    outbox_retention_days: float = Field(default=7.0, gt=0)
    outbox_purge_batch: int = Field(default=5000, ge=1)

    # A task a worker took but never acknowledged (the worker died) is redelivered after this.
    task_redelivery_ms: int = 60_000

    # Metrics: `mall serve` and `mall worker` keep every process's values under
    # <metrics_dir>/<api|worker>-<port> (emptied at start) so one scrape sums them all.
    metrics_dir: Path = Field(default_factory=lambda: Path(tempfile.gettempdir()) / "mall-metrics")
    # GET /metrics of the Taskiq worker and the scheduler on their own ports (0 = off).
    worker_metrics_port: int = Field(default=0, ge=0, le=65535)
    scheduler_metrics_port: int = Field(default=0, ge=0, le=65535)
    metrics_host: str = "0.0.0.0"  # noqa: S104 - a scraper elsewhere must reach it

    ws_max_subscriptions: int = 50
    # Open websockets per account (customer or staff) and per client address, counted in
    # Redis across every API process; beyond them the handshake is refused with 429.
    ws_max_per_user: int = Field(default=5, ge=1)
    ws_max_per_ip: int = Field(default=200, ge=1)
    # A socket's slot lapses this long after its process last refreshed it (a crashed
    # process gives its slots back within this time).
    ws_slot_ttl: float = Field(default=60.0, gt=0)
    ws_auth_recheck_seconds: float = 15.0
    ws_ping_interval: int = 20

    @model_validator(mode="after")
    def _derive_notify_urls(self) -> Settings:
        base = self.public_base_url.rstrip("/")
        if not self.wechat_pay_notify_url:
            self.wechat_pay_notify_url = f"{base}/api/v1/payments/wechat/notify"
        if not self.wechat_pay_refund_notify_url:
            self.wechat_pay_refund_notify_url = f"{base}/api/v1/payments/wechat/refund-notify"
        if not self.wechat_push_url:
            self.wechat_push_url = f"{base}/api/v1/wechat/push"
        return self

    @property
    def replica_urls(self) -> list[str]:
        return [url.strip() for url in self.database_replica_urls.split(",") if url.strip()]

    @property
    def migration_url(self) -> str:
        """Where `mall migrate` connects: MALL_MIGRATE_DATABASE_URL, else MALL_DATABASE_URL."""
        return self.migrate_database_url or self.database_url

    @property
    def redis_mode(self) -> Literal["standalone", "sentinel", "cluster"]:
        if self.redis_cluster:
            return "cluster"
        return "sentinel" if self.redis_sentinels.strip() else "standalone"

    def sentinel_addresses(self) -> list[tuple[str, int]]:
        """The sentinels of MALL_REDIS_SENTINELS as (host, port) pairs."""
        pairs = []
        for part in self.redis_sentinels.split(","):
            host, _, port = part.strip().rpartition(":")
            if part.strip():
                pairs.append((host or "127.0.0.1", int(port or 26379)))
        return pairs

    @property
    def uses_default_secret(self) -> bool:
        """Whether tokens are signed with the key printed in this file."""
        return self.jwt_secret == DEFAULT_JWT_SECRET

    def check_bind(self, host: str) -> None:
        """Refuse to listen beyond this machine with the built-in signing key, whatever the
        mode: anyone who reads the source could mint tokens, staff tokens included."""
        if self.uses_default_secret and not is_loopback(host):
            raise RuntimeError(
                f"refusing to listen on {host or '*'} with the built-in MALL_JWT_SECRET: set "
                "MALL_JWT_SECRET to a random value (32+ characters), or bind 127.0.0.1"
            )

    def check_production(self) -> None:
        """Refuse to run production with a secret anyone can read in the source."""
        if self.env != "production":
            return
        if (
            self.jwt_secret == DEFAULT_JWT_SECRET
            or len(self.jwt_secret) < MIN_PRODUCTION_SECRET_LENGTH
        ):
            raise RuntimeError(
                "MALL_JWT_SECRET must be set to a random value of at least "
                f"{MIN_PRODUCTION_SECRET_LENGTH} characters in production"
            )


def is_loopback(host: str) -> bool:
    """Whether a bind address reaches only this machine ("localhost", 127.0.0.0/8, ::1).
    Wildcards ("0.0.0.0", "::", "") and every other name count as reachable from outside."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


async def keep_session_state(connection: Any) -> None:
    """asyncpg pool `reset`: skip the session reset query when a connection goes back.

    asyncpg otherwise sends `pg_advisory_unlock_all(); CLOSE ALL; UNLISTEN *; RESET ALL`
    after every query Tortoise runs outside a transaction: one more round trip each time.
    An open transaction is still rolled back on release; nothing in mall leaves session
    state on a pooled connection (no SET, LISTEN, cursors or session advisory locks).
    """


# asyncpg connection options a URL may carry as query parameters (they are not libpq's,
# so asyncpg would otherwise send them to the server as settings).
ASYNCPG_URL_OPTIONS: dict[str, type] = {
    "statement_cache_size": int,
    "max_cached_statement_lifetime": int,
    "max_cacheable_statement_size": int,
    "command_timeout": float,
}


def connect_options(url: str, *, statement_cache_size: int = 100) -> dict[str, Any]:
    """asyncpg.connect keyword arguments for a postgres URL: host, port, user, password and
    database, the URL itself as `dsn` (so sslmode, sslrootcert, target_session_attrs and
    any server setting such as ?application_name=mall reach asyncpg), and the asyncpg
    options of ASYNCPG_URL_OPTIONS given as query parameters (they win over the arguments).
    Unix sockets: ?host=/dir."""
    parts = urlsplit(url)
    if parts.scheme not in ("postgres", "postgresql"):
        raise ValueError(f"MALL_DATABASE_URL must be a postgres:// URL, got {parts.scheme!r}")
    query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    options: dict[str, Any] = {"statement_cache_size": statement_cache_size}
    for name, kind in ASYNCPG_URL_OPTIONS.items():
        if name in query:
            try:
                options[name] = kind(query.pop(name))
            except ValueError:
                raise ValueError(f"the URL parameter {name} must be a number") from None
    rest = urlencode(query)
    return {
        "host": query.get("host") or parts.hostname or "127.0.0.1",
        "port": parts.port or int(query.get("port", 5432)),
        "user": unquote(parts.username or "postgres"),
        "password": unquote(parts.password or "") or None,
        "database": unquote(parts.path.lstrip("/")) or "postgres",
        "dsn": urlunsplit(parts._replace(query=rest)),
        **options,
    }


def db_connection(
    url: str,
    *,
    pool_min: int = 1,
    pool_max: int = 10,
    statement_cache_size: int = 100,
    connection_check_interval: int = 1000,
    statement_timeout: float | None = None,
    acquire_timeout: float | None = None,
) -> dict[str, Any]:
    """Tortoise connection dict (engine mall.pg) for a postgres URL; the URL's own
    asyncpg options (?statement_cache_size=0) win over the arguments."""
    options = connect_options(url, statement_cache_size=statement_cache_size)
    server_settings = {}
    if connection_check_interval:
        # Orders are placed and cancelled in single statements that commit on their
        # own: if the process that sent one dies while it waits (on a hot row's lock),
        # PostgreSQL cancels it within a second instead of committing work nobody will
        # announce or answer for (its events would wait for the outbox sweeper).
        server_settings["client_connection_check_interval"] = str(connection_check_interval)
    timeouts: dict[str, Any] = {}
    if statement_timeout is not None:
        timeouts["command_timeout"] = statement_timeout
    if acquire_timeout is not None:
        timeouts["acquire_timeout"] = acquire_timeout
        timeouts["timeout"] = acquire_timeout  # asyncpg's connect timeout
    return {
        "engine": "mall.pg",
        "credentials": {
            **timeouts,
            **options,
            "password": options["password"] or "",
            "minsize": pool_min,
            "maxsize": pool_max,
            "reset": keep_session_state,
            "server_settings": server_settings,
        },
    }


def pooled_connection(
    settings: Settings, url: str, *, timeouts: bool = True, replica: bool = False
) -> dict[str, Any]:
    """The connection dict of one PostgreSQL server (the primary or, with `replica`, a
    replica with its shorter timeouts) with the pool, statement cache and timeouts."""
    statement_timeout = settings.db_statement_timeout
    acquire_timeout = settings.db_acquire_timeout
    if replica:
        statement_timeout = min(statement_timeout, settings.database_replica_timeout)
        acquire_timeout = min(acquire_timeout, settings.database_replica_timeout)
    return db_connection(
        url,
        pool_min=settings.db_pool_min,
        pool_max=settings.db_pool_max,
        statement_cache_size=settings.db_statement_cache_size,
        connection_check_interval=settings.db_connection_check_interval,
        statement_timeout=statement_timeout if timeouts else None,
        acquire_timeout=acquire_timeout if timeouts else None,
    )


def tortoise_config(
    settings: Settings, *, url: str | None = None, timeouts: bool = True
) -> dict[str, Any]:
    """The one Tortoise/aerich config, used by the app and the workers and, with the
    migration URL and no statement timeout (an index may take long), by migrations.
    Replicas are not Tortoise connections of their own: mall/replicas.py opens them."""
    connections = {
        "default": pooled_connection(settings, url or settings.database_url, timeouts=timeouts)
    }
    return {
        "connections": connections,
        "apps": {"models": {"models": MODEL_MODULES, "default_connection": "default"}},
        "use_tz": True,
        "timezone": "UTC",
    }


def __getattr__(name: str) -> Any:
    """`mall.config.TORTOISE_ORM` for aerich (pyproject's [tool.aerich]), built from the
    environment when aerich asks for it, never at import time."""
    if name == "TORTOISE_ORM":
        return tortoise_config(Settings())
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
