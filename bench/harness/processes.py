"""Child processes of a benchmark run, always stopped, and a time limit on the whole run.

The children are mall.supervise's (the same as `mall dev`'s and the tests'): each leads its
own session and is asked by Linux to exit if the benchmark dies, even by SIGKILL. Output
goes to one log file per child.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from types import FrameType

from bench.harness.services import REPO_ROOT
from mall.supervise import Child, mall_argv

STOP_TIMEOUT = 15.0


class ChildExited(RuntimeError):
    """A child the benchmark depends on exited early."""


class Processes:
    """The children of one run (mall.supervise.Child, one log file each);
    `with Processes(dir) as procs:` stops them all on exit."""

    def __init__(self, log_dir: Path) -> None:
        self.log_dir = log_dir
        self.children: dict[str, Child] = {}

    def __enter__(self) -> Processes:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop_all()

    def log_path(self, name: str) -> Path:
        return self.log_dir / f"{name}.log"

    def start(self, name: str, argv: Sequence[str], env: dict[str, str]) -> Child:
        """Start `argv` (a list, no shell) in its own session with output to <name>.log."""
        if name in self.children:
            raise ValueError(f"{name} is already running")
        self.log_dir.mkdir(parents=True, exist_ok=True)
        child = Child(name, argv, env=env, log_path=self.log_path(name), cwd=REPO_ROOT)
        child.start()
        self.children[name] = child
        return child

    def start_mall(self, name: str, args: Sequence[str], env: dict[str, str]) -> Child:
        """`mall ARGS` with this interpreter."""
        return self.start(name, mall_argv(args), env)

    def check_alive(self) -> None:
        for name, child in self.children.items():
            if not child.running:
                raise ChildExited(f"{name} exited with {child.returncode}:\n{child.log_tail(30)}")

    def log_tail(self, name: str, lines: int = 30) -> str:
        child = self.children.get(name)
        return child.log_tail(lines) if child is not None else ""

    def stop(self, name: str, timeout: float = STOP_TIMEOUT) -> None:
        """SIGTERM the child's process group, wait, then SIGKILL whatever is left."""
        child = self.children.pop(name, None)
        if child is not None and not child.stop(timeout):
            print(f"bench: {name} did not stop in {timeout:.0f}s, killed it", file=sys.stderr)

    def stop_all(self) -> None:
        for name in reversed(list(self.children)):
            self.stop(name)


def wait_for_http(url: str, procs: Processes, timeout: float = 60.0) -> None:
    """Poll `url` until it answers 200; a child that exits meanwhile ends the wait."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        procs.check_alive()
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.2)
    raise TimeoutError(f"{url} did not answer 200 within {timeout:.0f}s")


class RunTimeout(Exception):
    """The whole benchmark ran past its time limit."""


def _on_alarm(signum: int, frame: FrameType | None) -> None:
    raise RunTimeout("the benchmark ran past its --time-limit")


def _on_terminate(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


@contextlib.contextmanager
def time_limit(seconds: int) -> Iterator[None]:
    """Bound the run; SIGTERM/SIGHUP unwind like Ctrl-C so every `finally` stops children."""
    previous = {
        signum: signal.signal(signum, handler)
        for signum, handler in (
            (signal.SIGALRM, _on_alarm),
            (signal.SIGTERM, _on_terminate),
            (signal.SIGHUP, _on_terminate),
        )
    }
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _stat_fields(pid: int) -> list[str] | None:
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    name = raw[raw.index("(") + 1 : raw.rindex(")")]
    return [name, *raw[raw.rindex(")") + 2 :].split()]


def _all_pids() -> list[int]:
    return [int(p.name) for p in Path("/proc").iterdir() if p.name.isdigit()]


def group_pids(pgid: int) -> list[int]:
    """Live processes of a process group (a child and the helpers it forked)."""
    return [pid for pid in _all_pids() if (f := _stat_fields(pid)) and int(f[3]) == pgid]


def named_pids(name: str) -> list[int]:
    """Live processes whose command name is `name` (e.g. postgres, redis-server)."""
    return [pid for pid in _all_pids() if (f := _stat_fields(pid)) and f[0] == name]


def cpu_snapshot(pids: list[int]) -> dict[int, float]:
    """CPU seconds (user + system) used so far by each of `pids`."""
    ticks = os.sysconf("SC_CLK_TCK")
    used = {}
    for pid in pids:
        fields = _stat_fields(pid)
        if fields is not None:
            used[pid] = (int(fields[12]) + int(fields[13])) / ticks
    return used


def cpu_used(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU seconds used between two snapshots (a process born meanwhile counts whole)."""
    return sum(seconds - before.get(pid, 0.0) for pid, seconds in after.items())


def _cpu_times() -> tuple[int, int]:
    """(idle, total) jiffies of all CPUs since boot."""
    fields = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return idle, sum(fields[:8])


def machine_busy_seconds() -> float:
    """CPU seconds all processes of the machine have used since boot (every core)."""
    idle, total = _cpu_times()
    return (total - idle) / os.sysconf("SC_CLK_TCK")


def cpu_idle(seconds: float = 2.0) -> float:
    """The machine's idle share (0-1) over the next `seconds`."""
    idle0, total0 = _cpu_times()
    time.sleep(seconds)
    idle1, total1 = _cpu_times()
    return (idle1 - idle0) / max(total1 - total0, 1)


def wait_until_idle(min_idle: float, max_wait: float) -> float:
    """Wait (up to `max_wait` s) for a machine others may be using to quieten down.

    Returns the idle share last seen, for the report.
    """
    deadline = time.monotonic() + max_wait
    idle = cpu_idle()
    while idle < min_idle and time.monotonic() < deadline:
        print(f"bench: machine only {idle:.0%} idle, waiting for {min_idle:.0%}", flush=True)
        idle = cpu_idle(5.0)
    return idle


class CpuMeter:
    """CPU seconds used over a span by named groups of processes, and by the rest.

    Each group is a function listing its live pids, called at start and at stop: a process
    born meanwhile counts whole, one that exited meanwhile is missed. "others" is what
    the whole machine used minus the groups: other users of a shared machine.
    """

    OTHERS = "others on the machine"

    def __init__(self, groups: dict[str, Callable[[], list[int]]]) -> None:
        self.groups = groups
        self._before: dict[str, dict[int, float]] = {}
        self._busy = 0.0
        self._started = 0.0
        self.seconds = 0.0  # wall time from start() to stop()

    def start(self) -> None:
        self._before = {name: cpu_snapshot(pids()) for name, pids in self.groups.items()}
        self._busy = machine_busy_seconds()
        self._started = time.monotonic()

    def stop(self) -> dict[str, float]:
        busy = machine_busy_seconds() - self._busy
        self.seconds = time.monotonic() - self._started
        used = {
            name: cpu_used(self._before[name], cpu_snapshot(pids()))
            for name, pids in self.groups.items()
        }
        used[self.OTHERS] = max(0.0, busy - sum(used.values()))
        return used
