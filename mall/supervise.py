"""Child processes that live and die with their parent: `mall dev`'s processes, the ones
the tests start and the benchmarks' all run through `Child` and `Children`.

Every child leads its own session, so its helpers (Sanic's or Taskiq's worker processes)
share its process group and are stopped with it, and Ctrl-C in a terminal reaches only
the parent, which stops the children in order. Linux is asked to SIGTERM the child if the
parent dies, even by SIGKILL, so an interrupted run never leaves a worker consuming a
queue or a server holding a port.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO

PR_SET_PDEATHSIG = 1
STOP_TIMEOUT = 10.0


def mall_argv(args: Sequence[str]) -> list[str]:
    """`mall ARGS` with this interpreter (no dependence on PATH or an entry point)."""
    return [sys.executable, "-m", "mall.cli", *args]


def die_with_parent(parent_pid: int) -> Callable[[], None] | None:
    """A preexec_fn asking Linux to SIGTERM the child when its parent dies."""
    if not sys.platform.startswith("linux"):
        return None
    libc_name = ctypes.util.find_library("c")
    if libc_name is None:
        return None
    libc = ctypes.CDLL(libc_name, use_errno=True)

    def set_parent_death_signal() -> None:
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
        if os.getppid() != parent_pid:  # the parent died before prctl took effect
            os._exit(1)

    return set_parent_death_signal


def signal_group(pid: int, signum: int) -> None:
    """Signal a child's whole process group; a group already gone is fine."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signum)


class Child:
    """One child process: started (again) on demand, signalled as a group, stopped for sure.

    Output goes to `log_path` (appended, a marker line per start); or, with a `label`, to
    the parent's stdout, each line prefixed with `<label> | ` (`mall dev`'s console);
    otherwise to the parent's own stdout and stderr.
    """

    def __init__(
        self,
        name: str,
        argv: Sequence[str],
        *,
        env: dict[str, str],
        log_path: Path | None = None,
        cwd: Path | None = None,
        label: str | None = None,
    ) -> None:
        self.name = name
        self.argv = list(argv)
        self.env = env
        self.log_path = log_path
        self.cwd = cwd
        self.label = label
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0
        self.copier: threading.Thread | None = None

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    @property
    def returncode(self) -> int | None:
        return None if self.process is None else self.process.poll()

    @property
    def pid(self) -> int:
        assert self.process is not None, f"{self.name} was never started"
        return self.process.pid

    def start(self) -> None:
        if self.running:
            raise RuntimeError(f"{self.name} is already running")
        self.starts += 1
        output: IO[bytes] | int | None = None
        if self.log_path is not None:
            output = self.log_path.open("ab")
            output.write(f"\n--- start #{self.starts}: {' '.join(self.argv)}\n".encode())
            output.flush()
        elif self.label is not None:
            output = subprocess.PIPE
        try:
            self.process = subprocess.Popen(  # noqa: S603 - argv from our own code, no shell
                self.argv,
                env=self.env,
                cwd=self.cwd,
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT if output is not None else None,
                start_new_session=True,
                preexec_fn=die_with_parent(os.getpid()),
            )
        finally:
            if output is not None and not isinstance(output, int):
                output.close()
        if self.label is not None and self.process.stdout is not None:
            self.copier = threading.Thread(
                target=copy_lines,
                args=(self.process.stdout, f"{self.label} | ".encode()),
                name=f"output of {self.name}",
                daemon=True,
            )
            self.copier.start()

    def signal(self, signum: int) -> None:
        """Signal the whole group (the child and its helpers); SIGKILL also reaps it."""
        if self.process is None:
            return
        signal_group(self.process.pid, signum)
        if signum == signal.SIGKILL:
            self.process.wait()

    def stop(self, timeout: float = STOP_TIMEOUT) -> bool:
        """SIGTERM, wait up to `timeout`, then SIGKILL whatever of the group is left (a dead
        leader's helpers too). True if it stopped on its own."""
        if self.process is None:
            return True
        clean = True
        if self.process.poll() is None:
            self.signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                clean = False
        self.signal(signal.SIGKILL)
        return clean

    def log_tail(self, lines: int = 40) -> str:
        if self.log_path is None:
            return ""
        try:
            text = self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""
        return "\n".join(text.splitlines()[-lines:])


def copy_lines(source: IO[bytes], prefix: bytes, sink: IO[bytes] | None = None) -> None:
    """Copy a child's output to our stdout line by line, each line prefixed, until every
    process holding the pipe (the child's helpers too) has closed it."""
    out = sink or sys.stdout.buffer
    with source:
        for line in source:
            out.write(prefix + line if line.endswith(b"\n") else prefix + line + b"\n")
            out.flush()


class Children:
    """Children started together and stopped together, last started first."""

    def __init__(self) -> None:
        self.children: list[Child] = []

    def __enter__(self) -> Children:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop_all()

    def start(
        self,
        name: str,
        argv: Sequence[str],
        *,
        env: dict[str, str],
        log_path: Path | None = None,
        cwd: Path | None = None,
        label: str | None = None,
    ) -> Child:
        child = Child(name, argv, env=env, log_path=log_path, cwd=cwd, label=label)
        child.start()
        self.children.append(child)
        return child

    def first_exited(self) -> Child | None:
        """The first child that has exited, if any."""
        return next((c for c in self.children if not c.running), None)

    def stop_all(self, timeout: float = STOP_TIMEOUT) -> list[Child]:
        """SIGTERM every child's group at once (a dead leader's helpers too), wait for all
        within one `timeout`, SIGKILL what is left; return the children that were killed."""
        deadline = time.monotonic() + timeout
        for child in self.children:
            child.signal(signal.SIGTERM)
        killed = []
        for child in self.children:
            if child.process is None:
                continue
            try:
                child.process.wait(max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                killed.append(child)
        for child in self.children:
            child.signal(signal.SIGKILL)
        self.children.clear()
        return killed
