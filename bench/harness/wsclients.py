"""A websocket load process: thousands of clients in one event loop, driven over stdin/stdout.

A benchmark starts a few of these (`python -m bench.harness.wsclients`), so client-side CPU
is spread over processes, and talks to each with one JSON command per line on stdin; every
command gets one JSON line back on stdout. Arrival times are time.monotonic(), which is
CLOCK_MONOTONIC on Linux: one clock for every process on the machine, so the benchmark
compares them with its own.

Commands (`op`):
- connect {urls, labels, welcome}: open one client per URL (`welcome`: wait for the first
  message) -> {connected, failed, errors}
- send_all {text, ack}: send TEXT on every client, then wait until as many messages
  containing ACK arrived -> {acked}
- close {keep}: close all but the first KEEP clients -> {open}
- arm {match}: count the next message containing MATCH on every client -> {armed}
- wait {timeout}: until every armed client got it -> {hits, expected, first, last}
- watch {match}: from now on record (label, time) of every message containing MATCH -> {}
- collect: -> {seen: [[label, time], ...]} (and forget them)
- exit

`LoadProcesses` is the benchmark's side of it.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import resource
import signal
import sys
import time
from collections.abc import Sequence
from typing import Any

import orjson
from websockets.asyncio.client import ClientConnection, connect

from bench.harness.services import REPO_ROOT
from mall.supervise import die_with_parent

CONNECT_CONCURRENCY = 25  # in flight per process: stays under the servers' listen backlog


class Round:
    """One fan-out measurement: when each armed client saw the matching message."""

    def __init__(self, match: str, expected: int) -> None:
        self.match = match
        self.expected = expected
        self.hits = 0
        self.first = 0.0
        self.last = 0.0
        self.done = asyncio.Event()
        if expected == 0:
            self.done.set()

    def hit(self, now: float) -> None:
        self.hits += 1
        if self.hits == 1:
            self.first = now
        self.last = now
        if self.hits == self.expected:
            self.done.set()


class Clients:
    def __init__(self) -> None:
        self.clients: list[tuple[str, ClientConnection, asyncio.Task[None]]] = []
        self.round: Round | None = None
        self.watch: str | None = None
        self.seen: list[tuple[str, float]] = []
        self.ack: str | None = None
        self.acks = 0
        self.acked = asyncio.Event()
        self.ack_target = 0

    def on_message(self, label: str, message: str | bytes) -> None:
        now = time.monotonic()
        text = message if isinstance(message, str) else message.decode()
        current = self.round
        if current is not None and current.match in text:
            current.hit(now)
        if self.watch is not None and self.watch in text:
            self.seen.append((label, now))
        if self.ack is not None and self.ack in text:
            self.acks += 1
            if self.acks >= self.ack_target:
                self.acked.set()

    async def read(self, label: str, ws: ClientConnection) -> None:
        with contextlib.suppress(Exception):
            async for message in ws:
                self.on_message(label, message)

    async def connect(self, urls: list[str], labels: list[str], welcome: bool) -> dict[str, Any]:
        gate = asyncio.Semaphore(CONNECT_CONCURRENCY)
        errors: dict[str, int] = {}

        async def one(url: str, label: str) -> None:
            async with gate:
                try:
                    ws = await connect(
                        url,
                        compression=None,  # the app does not compress; neither does the baseline
                        ping_interval=None,  # idle means idle: only the server pings
                        open_timeout=60,
                        max_size=2**20,
                    )
                    if welcome:
                        await asyncio.wait_for(ws.recv(), 30)
                except Exception as exc:
                    name = type(exc).__name__
                    errors[name] = errors.get(name, 0) + 1
                    return
            self.clients.append((label, ws, asyncio.create_task(self.read(label, ws))))

        await asyncio.gather(*(one(u, lb) for u, lb in zip(urls, labels, strict=True)))
        return {"connected": len(self.clients), "failed": sum(errors.values()), "errors": errors}

    async def send_all(self, text: str, ack: str, within: float) -> dict[str, Any]:
        self.ack, self.acks, self.ack_target = ack, 0, len(self.clients)
        self.acked = asyncio.Event()
        if not self.clients:
            self.acked.set()
        for _, ws, _ in self.clients:
            await ws.send(text)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.acked.wait(), within)
        acked, self.ack = self.acks, None
        return {"acked": acked}

    async def close(self, keep: int) -> dict[str, Any]:
        gone, self.clients = self.clients[keep:], self.clients[:keep]
        await asyncio.gather(*(ws.close() for _, ws, _ in gone), return_exceptions=True)
        for _, _, task in gone:
            task.cancel()
        return {"open": len(self.clients)}

    async def handle(self, command: dict[str, Any]) -> dict[str, Any]:
        op = command["op"]
        if op == "connect":
            return await self.connect(command["urls"], command["labels"], command["welcome"])
        if op == "send_all":
            return await self.send_all(command["text"], command["ack"], command.get("timeout", 60))
        if op == "close":
            return await self.close(command["keep"])
        if op == "arm":
            self.round = Round(command["match"], len(self.clients))
            return {"armed": len(self.clients)}
        if op == "wait":
            current = self.round
            assert current is not None, "wait before arm"
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(current.done.wait(), command.get("timeout", 30))
            self.round = None
            return {
                "hits": current.hits,
                "expected": current.expected,
                "first": current.first,
                "last": current.last,
            }
        if op == "watch":
            self.watch, self.seen = command["match"], []
            return {}
        if op == "collect":
            seen, self.seen = self.seen, []
            return {"seen": seen}
        raise ValueError(f"unknown op {op!r}")


class LoadProcesses:
    """The benchmark's side: COUNT load processes, asked in parallel, always stopped."""

    def __init__(self) -> None:
        self.procs: list[asyncio.subprocess.Process] = []

    async def start(self, count: int, env: dict[str, str]) -> None:
        for _ in range(count):
            self.procs.append(
                await asyncio.create_subprocess_exec(
                    sys.executable,
                    "-m",
                    "bench.harness.wsclients",
                    stdin=asyncio.subprocess.PIPE,
                    stdout=asyncio.subprocess.PIPE,
                    env=env,
                    cwd=REPO_ROOT,
                    limit=2**26,
                    start_new_session=True,
                    preexec_fn=die_with_parent(os.getpid()),
                )
            )

    async def ask(self, index: int, command: dict[str, Any]) -> dict[str, Any]:
        proc = self.procs[index]
        assert proc.stdin is not None and proc.stdout is not None
        proc.stdin.write(orjson.dumps(command) + b"\n")
        await proc.stdin.drain()
        line = await proc.stdout.readline()
        if not line:
            raise RuntimeError(f"load process {proc.pid} exited (code {proc.returncode})")
        answer: dict[str, Any] = orjson.loads(line)
        if "error" in answer:
            raise RuntimeError(f"load process {proc.pid}: {answer['error']}")
        return answer

    async def ask_each(self, commands: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
        """One command per process, all at once."""
        return list(await asyncio.gather(*(self.ask(i, c) for i, c in enumerate(commands))))

    async def ask_all(self, command: dict[str, Any]) -> list[dict[str, Any]]:
        return await self.ask_each([command] * len(self.procs))

    async def stop(self) -> None:
        """Ask each to exit (closing its clients); whatever is left after 10 s is killed."""
        for proc in self.procs:
            if proc.returncode is None and proc.stdin is not None:
                with contextlib.suppress(Exception):
                    proc.stdin.write(b'{"op": "exit"}\n')
                    proc.stdin.close()
        for proc in self.procs:
            try:
                await asyncio.wait_for(proc.wait(), 10)
            except TimeoutError:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                await proc.wait()
        self.procs = []


async def main() -> None:
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=2**26)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    clients = Clients()
    while line := await reader.readline():
        command = orjson.loads(line)
        if command["op"] == "exit":
            break
        try:
            answer = await clients.handle(command)
        except Exception as exc:
            answer = {"error": f"{type(exc).__name__}: {exc}"}
        sys.stdout.buffer.write(orjson.dumps(answer) + b"\n")
        sys.stdout.buffer.flush()
    await clients.close(0)


if __name__ == "__main__":
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    try:
        import uvloop

        uvloop.run(main())
    except ImportError:
        asyncio.run(main())
