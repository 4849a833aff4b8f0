"""How a task module declares its tasks, and how a task reaches its process's runtime."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from taskiq import TaskiqDepends, TaskiqState

from mall.runtime import Runtime


@dataclass(frozen=True)
class Task:
    """A task to register: its name (mall.jobs.TaskName), function and periodic schedule."""

    name: str
    func: Callable[..., Any]
    schedule: tuple[dict[str, Any], ...] = ()


def _runtime_of(state: TaskiqState = TaskiqDepends()) -> Runtime:  # noqa: B008 - taskiq DI
    runtime: Runtime = state.runtime
    return runtime


# A task's parameter `rt: Runtime = WorkerRuntime` receives the worker's runtime.
WorkerRuntime: Any = TaskiqDepends(_runtime_of)
