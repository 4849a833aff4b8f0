"""Redis servers the tests start on loopback: a private server (to pause, kill and restart
it), a 6-node Cluster (3 masters, 3 replicas) and a Sentinel set (master, replica, three
sentinels). Each is real redis-server (and redis-cli to form the cluster), run through
mall.supervise so that nothing outlives the test run.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path
from typing import Any

import redis.asyncio as aioredis

from mall.supervise import Child

REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"
REDIS_CLI = shutil.which("redis-cli") or "/usr/bin/redis-cli"
SENTINEL_MASTER = "mallmaster"
CLUSTER_CREATE = ("--cluster-replicas", "1", "--cluster-yes")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def free_ports(count: int, *, gap: int = 0) -> list[int]:
    """Ports free now; with `gap`, each port + gap is free too (the cluster bus port)."""
    ports: list[int] = []
    while len(ports) < count:
        port = free_port()
        if port in ports or (gap and port + gap > 65535):
            continue
        if gap:
            try:
                with socket.socket() as sock:
                    sock.bind(("127.0.0.1", port + gap))
            except OSError:
                continue
        ports.append(port)
    return ports


async def wait_for(check: Any, *, timeout: float, what: str, interval: float = 0.05) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            if await check():
                return
        except Exception:
            pass
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} not within {timeout:.0f}s")
        await asyncio.sleep(interval)


class RedisServer:
    """One redis-server; `aof` keeps an append-only file (fsync every second)."""

    def __init__(self, directory: Path, *, port: int | None = None, aof: bool = False) -> None:
        self.port = port or free_port()
        self.dir = directory / f"redis-{self.port}"
        self.dir.mkdir(parents=True, exist_ok=True)
        self.aof = aof
        self.child = Child(
            f"redis-{self.port}",
            [REDIS_SERVER, *self.args()],
            env=dict(os.environ),
            log_path=self.dir / "redis.log",
        )

    def args(self) -> list[str]:
        args = ["--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.dir)]
        args += ["--save", "", "--appendonly", "yes" if self.aof else "no"]
        if self.aof:
            args += ["--appendfsync", "everysec"]
        return args

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def client(self) -> aioredis.Redis:
        return aioredis.Redis(host="127.0.0.1", port=self.port, socket_connect_timeout=1)

    async def start(self) -> None:
        self.child.start()
        await self.wait_ready()

    async def wait_ready(self, timeout: float = 10) -> None:
        async def ping() -> bool:
            client = self.client()
            try:
                info = await client.info("persistence")
                return not info.get("loading")
            finally:
                await client.aclose()

        await wait_for(ping, timeout=timeout, what=f"redis on {self.port}")

    def pause(self) -> None:
        self.child.signal(signal.SIGSTOP)

    def resume(self) -> None:
        self.child.signal(signal.SIGCONT)

    def kill(self) -> None:
        self.child.signal(signal.SIGKILL)

    async def restart(self) -> None:
        """Stop (SIGTERM: an AOF server flushes what it has) and start again, same port."""
        await asyncio.to_thread(self.child.stop, 5)
        await self.start()

    async def stop(self) -> None:
        self.resume()
        await asyncio.to_thread(self.child.stop, 5)


class ClusterSet:
    """Six cluster-enabled servers joined into 3 masters with a replica each."""

    def __init__(self, directory: Path) -> None:
        self.dir = directory
        self.ports = free_ports(6, gap=10000)
        self.nodes = [RedisServer(directory, port=port) for port in self.ports]
        for node in self.nodes:
            node.child.argv += [
                "--cluster-enabled",
                "yes",
                "--cluster-config-file",
                str(node.dir / "nodes.conf"),
                "--cluster-node-timeout",
                "2000",
            ]

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.ports[0]}/0"

    async def start(self) -> None:
        for node in self.nodes:
            node.child.start()
        for node in self.nodes:
            await node.wait_ready()
        addresses = [f"127.0.0.1:{port}" for port in self.ports]
        create = await asyncio.to_thread(
            subprocess.run,
            [REDIS_CLI, "--cluster", "create", *addresses, *CLUSTER_CREATE],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert create.returncode == 0, create.stdout + create.stderr

        async def formed() -> bool:
            for node in self.nodes:
                client = node.client()
                try:
                    info = await client.execute_command("CLUSTER", "INFO")
                finally:
                    await client.aclose()
                text = info.decode() if isinstance(info, bytes) else str(info)
                if "cluster_state:ok" not in text:
                    return False
            return True

        await wait_for(formed, timeout=30, what="the cluster", interval=0.2)

    async def stop(self) -> None:
        await asyncio.gather(*(node.stop() for node in self.nodes))


class SentinelSet:
    """A master, its replica and three sentinels watching them (quorum 2)."""

    def __init__(self, directory: Path) -> None:
        self.dir = directory
        self.master = RedisServer(directory, aof=True)
        self.replica = RedisServer(directory, aof=True)
        self.replica.child.argv += ["--replicaof", "127.0.0.1", str(self.master.port)]
        self.sentinel_ports = free_ports(3)
        self.sentinels: list[Child] = []
        for port in self.sentinel_ports:
            conf = directory / f"sentinel-{port}.conf"
            conf.write_text(
                f"port {port}\nbind 127.0.0.1\ndir {directory}\n"
                f"sentinel monitor {SENTINEL_MASTER} 127.0.0.1 {self.master.port} 2\n"
                f"sentinel down-after-milliseconds {SENTINEL_MASTER} 1000\n"
                f"sentinel failover-timeout {SENTINEL_MASTER} 5000\n"
                f"sentinel parallel-syncs {SENTINEL_MASTER} 1\n"
            )
            self.sentinels.append(
                Child(
                    f"sentinel-{port}",
                    [REDIS_SERVER, str(conf), "--sentinel"],
                    env=dict(os.environ),
                    log_path=directory / f"sentinel-{port}.log",
                )
            )

    @property
    def addresses(self) -> str:
        return ",".join(f"127.0.0.1:{port}" for port in self.sentinel_ports)

    async def start(self) -> None:
        await self.master.start()
        await self.replica.start()

        async def replicating() -> bool:
            client = self.replica.client()
            try:
                info = await client.info("replication")
            finally:
                await client.aclose()
            return bool(info.get("master_link_status") == "up")

        await wait_for(replicating, timeout=20, what="the replica")
        for sentinel in self.sentinels:
            sentinel.start()
        await wait_for(self._sentinels_agree, timeout=20, what="the sentinels")

    async def _sentinels_agree(self) -> bool:
        for port in self.sentinel_ports:
            client = aioredis.Redis(host="127.0.0.1", port=port, socket_connect_timeout=1)
            try:
                masters = await client.execute_command("SENTINEL", "MASTERS")
            finally:
                await client.aclose()
            if not masters:
                return False
        return True

    async def current_master_port(self) -> int:
        client = aioredis.Redis(
            host="127.0.0.1", port=self.sentinel_ports[0], socket_connect_timeout=1
        )
        try:
            _, port = await client.execute_command(
                "SENTINEL", "GET-MASTER-ADDR-BY-NAME", SENTINEL_MASTER
            )
        finally:
            await client.aclose()
        return int(port)

    async def stop(self) -> None:
        for sentinel in self.sentinels:
            await asyncio.to_thread(sentinel.stop, 5)
        await self.master.stop()
        await self.replica.stop()
