"""PostgreSQL servers the tests start on loopback: PgBouncer (Debian's pgbouncer package) in
transaction mode in front of a PostgreSQL, a PostgreSQL cluster of the test's own (initdb,
to pause and resume it) and a streaming replica of it (pg_basebackup, started as a
standby). Each runs through mall.supervise, so nothing outlives the test run; as root they
run as the `postgres` system user (neither server runs as root).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

import asyncpg

from mall.supervise import Child
from tests.redis_servers import free_port, wait_for

PGBOUNCER = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"
HAS_PGBOUNCER = os.path.exists(PGBOUNCER)
SERVER_USER = "postgres"


def pg_bindir() -> Path:
    """PostgreSQL's programs (initdb, postgres, pg_basebackup): `pg_config --bindir`."""
    pg_config = shutil.which("pg_config") or "pg_config"
    out = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True, check=True)
    return Path(out.stdout.strip())


def as_server_user() -> list[str]:
    """The argv prefix that runs a server as `postgres` when we are root (else nothing);
    the parent-death signal is set again after the switch, which clears it."""
    if os.geteuid() != 0:
        return []
    return [
        shutil.which("setpriv") or "/usr/bin/setpriv",
        f"--reuid={SERVER_USER}",
        f"--regid={SERVER_USER}",
        "--init-groups",
        "--pdeathsig=TERM",
    ]


def server_directory(prefix: str) -> Path:
    """A fresh directory the server user owns (pytest's tmp dirs are root's, mode 0700)."""
    path = Path(tempfile.mkdtemp(prefix=prefix))
    if os.geteuid() == 0:
        user = pwd.getpwnam(SERVER_USER)
        os.chown(path, user.pw_uid, user.pw_gid)
    return path


def run_as_server_user(argv: list[str]) -> None:
    result = subprocess.run([*as_server_user(), *argv], capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise AssertionError(f"{' '.join(argv)} failed:\n{result.stdout}\n{result.stderr}")


class PgBouncer:
    """PgBouncer in transaction mode on a free loopback port, every database forwarded to
    host:port, a small server pool so that concurrent clients share server connections."""

    def __init__(self, upstream_host: str, upstream_port: int, *, pool_size: int = 4) -> None:
        self.port = free_port()
        self.dir = server_directory("mall-pgbouncer-")
        (self.dir / "userlist.txt").write_text(f'"{SERVER_USER}" ""\n')
        (self.dir / "pgbouncer.ini").write_text(
            "[databases]\n"
            f"* = host={upstream_host} port={upstream_port}\n"
            "[pgbouncer]\n"
            "listen_addr = 127.0.0.1\n"
            f"listen_port = {self.port}\n"
            "unix_socket_dir =\n"
            "auth_type = trust\n"
            f"auth_file = {self.dir / 'userlist.txt'}\n"
            "pool_mode = transaction\n"
            f"default_pool_size = {pool_size}\n"
            "max_client_conn = 500\n"
            "server_reset_query =\n"
        )
        self.child = Child(
            f"pgbouncer-{self.port}",
            [*as_server_user(), PGBOUNCER, str(self.dir / "pgbouncer.ini")],
            env=dict(os.environ),
            log_path=self.dir / "pgbouncer.log",
        )

    def url(self, database: str) -> str:
        return f"postgres://{SERVER_USER}@127.0.0.1:{self.port}/{database}"

    async def start(self) -> None:
        if not HAS_PGBOUNCER:
            raise AssertionError("pgbouncer is not installed: apt-get install -y pgbouncer")
        self.child.start()

        async def answers() -> bool:
            conn = await asyncpg.connect(
                host="127.0.0.1",
                port=self.port,
                user=SERVER_USER,
                database="postgres",
                statement_cache_size=0,
                timeout=1,
            )
            await conn.close()
            return True

        await wait_for(answers, timeout=15, what=f"pgbouncer on {self.port}")

    async def restart(self) -> None:
        """Stop and start again on the same port: every server connection is closed (and
        with it whatever session state a client left on one)."""
        await asyncio.to_thread(self.child.stop, 5)
        await self.start()

    async def stop(self) -> None:
        await asyncio.to_thread(self.child.stop, 5)
        shutil.rmtree(self.dir, ignore_errors=True)


class PostgresCluster:
    """A PostgreSQL cluster of the test's own: initdb into a temporary directory, the
    postmaster on a free loopback port (trust for local users and replication)."""

    def __init__(self, *, data: Path | None = None, port: int | None = None) -> None:
        self.bindir = pg_bindir()
        self.port = port or free_port()
        self.dir = server_directory("mall-pg-")
        self.data = data or self.dir / "data"
        self.child = Child(
            f"postgres-{self.port}",
            [
                *as_server_user(),
                str(self.bindir / "postgres"),
                "-D",
                str(self.data),
                "-p",
                str(self.port),
                "-k",
                str(self.dir),
                "-c",
                "listen_addresses=127.0.0.1",
                "-c",
                "fsync=off",
                "-c",
                "max_connections=60",
            ],
            env=dict(os.environ),
            log_path=self.dir / "postgres.log",
        )

    def url(self, database: str = "postgres") -> str:
        return f"postgres://{SERVER_USER}@127.0.0.1:{self.port}/{database}"

    def init(self) -> None:
        run_as_server_user(
            [
                str(self.bindir / "initdb"),
                "-D",
                str(self.data),
                "-U",
                SERVER_USER,
                "-A",
                "trust",
                "-E",
                "UTF8",
                "--locale=C",
                "--no-sync",
            ]
        )

    async def start(self) -> None:
        self.child.start()

        async def answers() -> bool:
            conn = await asyncpg.connect(self.url(), timeout=1)
            await conn.close()
            return True

        await wait_for(answers, timeout=30, what=f"postgres on {self.port}")

    async def replica(self) -> PostgresCluster:
        """A streaming replica: pg_basebackup of this cluster, started as a hot standby."""
        standby = PostgresCluster()
        await asyncio.to_thread(
            run_as_server_user,
            [
                str(self.bindir / "pg_basebackup"),
                "-h",
                "127.0.0.1",
                "-p",
                str(self.port),
                "-U",
                SERVER_USER,
                "-D",
                str(standby.data),
                "-R",
                "-X",
                "stream",
                "--checkpoint=fast",
            ],
        )
        await standby.start()
        return standby

    def server_processes(self) -> list[int]:
        """The postmaster and its children (each backend leads a session of its own, so
        the group signal of mall.supervise reaches only the postmaster)."""
        postmaster = self.child.pid
        children = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == postmaster:
                children.append(int(entry.name))
        return [postmaster, *children]

    def pause(self) -> None:
        """SIGSTOP the postmaster (first: it forks nothing new) and every backend."""
        for pid in self.server_processes():
            _signal(pid, signal.SIGSTOP)

    def resume(self) -> None:
        for pid in reversed(self.server_processes()):
            _signal(pid, signal.SIGCONT)

    async def stop(self) -> None:
        if self.child.running:
            self.resume()
            self.child.signal(signal.SIGINT)  # fast shutdown: connected clients are cut off
        await asyncio.to_thread(self.child.stop, 10)
        shutil.rmtree(self.dir, ignore_errors=True)


def _signal(pid: int, signum: int) -> None:
    """Signal a server process that may have ended since it was listed (a backend whose
    client left): nothing to pause or resume then."""
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signum)
