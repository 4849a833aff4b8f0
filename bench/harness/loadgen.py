"""An HTTP load generator that runs in its own process.

`run_load()` writes the plan (requests, concurrency) to a file and starts
`python -m bench.harness.loadgen PLAN RESULT`, so the clients never share an interpreter,
an event loop or a GIL with the server they measure. In that process, `concurrency`
clients share one aiohttp keep-alive pool: each first sends one warm-up request (so every
connection is open before the clock starts), they all wait for each other, then they take
the planned requests in order, one at a time each, until none are left.
A sample is (status, start, end) in seconds from the start; status 0 is a transport error.
"""

from __future__ import annotations

import asyncio
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.harness.services import REPO_ROOT
from mall.supervise import die_with_parent


@dataclass(frozen=True)
class Call:
    method: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    json_body: Any = None


@dataclass
class LoadResult:
    statuses: list[int]
    starts: list[float]
    ends: list[float]
    wall_seconds: float
    cpu_seconds: float
    transport_errors: dict[str, int]

    @property
    def latencies(self) -> list[float]:
        return [end - start for start, end in zip(self.starts, self.ends, strict=True)]

    def count(self, status: int) -> int:
        return sum(1 for s in self.statuses if s == status)

    def count_range(self, low: int, high: int) -> int:
        return sum(1 for s in self.statuses if low <= s < high)


def run_load(
    base_url: str,
    calls: list[Call],
    *,
    concurrency: int,
    warmup: list[list[Call]],
    env: dict[str, str],
    timeout: float = 300.0,
    request_timeout: float = 60.0,
) -> LoadResult:
    """Send `calls` from `concurrency` keep-alive clients in a separate process.

    Client i first sends `warmup[i % len(warmup)]` (not measured); then all start at once.
    """
    with tempfile.TemporaryDirectory(prefix="mall-bench-load-") as tmp:
        plan_path, result_path = Path(tmp) / "plan.json", Path(tmp) / "result.json"
        plan = {
            "base_url": base_url,
            "concurrency": concurrency,
            "request_timeout": request_timeout,
            "warmup": [[_call_json(c) for c in calls_] for calls_ in warmup],
            "calls": [_call_json(c) for c in calls],
        }
        plan_path.write_text(json.dumps(plan))
        subprocess.run(
            [sys.executable, "-m", "bench.harness.loadgen", str(plan_path), str(result_path)],
            env=env,
            cwd=REPO_ROOT,
            check=True,
            timeout=timeout,
            preexec_fn=die_with_parent(os.getpid()),
        )
        raw = json.loads(result_path.read_text())
    return LoadResult(**raw)


def _call_json(call: Call) -> dict[str, Any]:
    return {
        "method": call.method,
        "path": call.path,
        "headers": call.headers,
        "body": None if call.json_body is None else json.dumps(call.json_body),
    }


async def _drive(plan: dict[str, Any]) -> dict[str, Any]:
    import aiohttp

    calls: list[dict[str, Any]] = plan["calls"]
    concurrency: int = plan["concurrency"]
    statuses = [0] * len(calls)
    starts = [0.0] * len(calls)
    ends = [0.0] * len(calls)
    errors: dict[str, int] = {}
    next_index = iter(range(len(calls)))
    warmed: list[int] = []
    all_warm, go = asyncio.Event(), asyncio.Event()
    clock = [0.0]

    connector = aiohttp.TCPConnector(limit=concurrency, limit_per_host=concurrency)
    timeout = aiohttp.ClientTimeout(total=plan["request_timeout"])

    async with aiohttp.ClientSession(
        plan["base_url"], connector=connector, timeout=timeout
    ) as session:

        async def send(call: dict[str, Any]) -> int:
            headers = dict(call["headers"])
            if call["body"] is not None:
                headers["Content-Type"] = "application/json"
            async with session.request(
                call["method"], call["path"], headers=headers, data=call["body"]
            ) as response:
                await response.read()
                return response.status

        async def client(number: int) -> None:
            try:
                for call in plan["warmup"][number % len(plan["warmup"])]:
                    await send(call)
            finally:
                warmed.append(1)
            if len(warmed) == concurrency:
                all_warm.set()
            await go.wait()
            t0 = clock[0]
            for index in next_index:
                starts[index] = time.perf_counter() - t0
                try:
                    statuses[index] = await send(calls[index])
                except (aiohttp.ClientError, TimeoutError) as exc:
                    errors[type(exc).__name__] = errors.get(type(exc).__name__, 0) + 1
                ends[index] = time.perf_counter() - t0

        clients = [asyncio.create_task(client(n)) for n in range(concurrency)]
        await all_warm.wait()
        cpu_before = _cpu_seconds()
        clock[0] = time.perf_counter()
        go.set()
        await asyncio.gather(*clients)
        wall = time.perf_counter() - clock[0]
    cpu = _cpu_seconds() - cpu_before
    return {
        "statuses": statuses,
        "starts": starts,
        "ends": ends,
        "wall_seconds": wall,
        "cpu_seconds": cpu,
        "transport_errors": errors,
    }


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    plan_path, result_path = Path(sys.argv[1]), Path(sys.argv[2])
    plan = json.loads(plan_path.read_text())
    try:
        import uvloop

        result = uvloop.run(_drive(plan))
    except ImportError:
        result = asyncio.run(_drive(plan))
    result_path.write_text(json.dumps(result))


if __name__ == "__main__":
    main()
