"""The shape of the code: imports run one way, per-process state lives in the runtime.

Read from the source (ast), so a violation anywhere in mall, models or tasks fails here,
including imports inside functions (a circle held apart by a function-level import is
still a circle); only `if TYPE_CHECKING:` imports are left out.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("mall", "models", "tasks")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {_module_name(p): p for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py")}


def _type_checking_only(node: ast.AST) -> bool:
    return isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)


def _imported(path: Path, name: str) -> Iterator[str]:
    """Every module of ours that `name` imports, wherever in the file."""

    def walk(node: ast.AST) -> Iterator[str]:
        for child in ast.iter_child_nodes(node):
            if _type_checking_only(child):
                continue
            if isinstance(child, ast.Import):
                yield from (alias.name for alias in child.names)
            elif isinstance(child, ast.ImportFrom):
                base = child.module or ""
                if child.level:
                    package = name.split(".")
                    if path.name != "__init__.py":
                        package = package[:-1]
                    package = package[: len(package) - (child.level - 1)]
                    base = ".".join([*package, *([child.module] if child.module else [])])
                yield base
                yield from (f"{base}.{alias.name}" for alias in child.names)
            yield from walk(child)

    for target in walk(ast.parse(path.read_text())):
        while target and target not in MODULES:
            target = target.rpartition(".")[0]
        if target and target != name:
            yield target


GRAPH = {name: set(_imported(path, name)) for name, path in MODULES.items()}


def _cycles() -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in GRAPH[node]:
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in GRAPH:
        if node not in index:
            visit(node)
    return found


def test_the_import_graph_has_no_circle() -> None:
    assert _cycles() == []


def test_the_cycle_check_finds_a_circle() -> None:
    # The detector itself, on a graph with a planted circle.
    GRAPH["mall.errors"].add("mall.orders.placing")
    try:
        assert any("mall.errors" in cycle for cycle in _cycles())
    finally:
        GRAPH["mall.errors"].discard("mall.orders.placing")


def test_mall_and_models_never_import_tasks() -> None:
    offenders = {
        name: sorted(t for t in targets if t.split(".")[0] == "tasks")
        for name, targets in GRAPH.items()
        if name.split(".")[0] in ("mall", "models")
    }
    assert {name: t for name, t in offenders.items() if t} == {}


def test_models_import_nothing_of_mall() -> None:
    offenders = {
        name: sorted(t for t in targets if t.split(".")[0] == "mall")
        for name, targets in GRAPH.items()
        if name.split(".")[0] == "models"
    }
    assert {name: t for name, t in offenders.items() if t} == {}


def test_services_never_import_views() -> None:
    """Arrows run views -> services -> models: no non-view module imports a view module."""

    def is_view(module: str) -> bool:
        leaf = module.rpartition(".")[2]
        return leaf == "views" or leaf.endswith("_views") or leaf.startswith("admin_")

    offenders = {
        name: sorted(t for t in targets if is_view(t))
        for name, targets in GRAPH.items()
        if not is_view(name) and name not in ("mall.app",)
    }
    assert {name: t for name, t in offenders.items() if t} == {}


def test_views_import_nothing_from_other_views() -> None:
    """Shared helpers live in services, presenters or mall.context, not in a view module."""

    def is_view(module: str) -> bool:
        leaf = module.rpartition(".")[2]
        return leaf == "views" or leaf.endswith("_views") or leaf.startswith("admin_")

    offenders = {
        name: sorted(t for t in targets if is_view(t) and t != name)
        for name, targets in GRAPH.items()
        if is_view(name)
    }
    assert {name: t for name, t in offenders.items() if t} == {}


def _module_level(tree: ast.Module) -> Iterator[ast.stmt]:
    """Statements that run at import: the module body, into if/try blocks, not functions."""
    pending: list[ast.stmt] = list(tree.body)
    while pending:
        node = pending.pop()
        yield node
        if isinstance(node, ast.If | ast.Try | ast.With):
            for field in ("body", "orelse", "finalbody", "handlers"):
                pending.extend(getattr(node, field, []) or [])
        if isinstance(node, ast.ExceptHandler):
            pending.extend(node.body)


def _calls(node: ast.AST) -> Iterator[str]:
    for sub in ast.walk(node):
        if isinstance(sub, ast.Call):
            yield ast.unparse(sub.func)


def test_nothing_reads_settings_at_import() -> None:
    offenders = [
        f"{name}:{stmt.lineno}"
        for name, path in MODULES.items()
        for stmt in _module_level(ast.parse(path.read_text()))
        if not isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
        and any(call.endswith("Settings") for call in _calls(stmt))
    ]
    assert offenders == []


# What a module may build at import: constants, loggers, route tables, metric definitions.
IMPORT_TIME_FACTORIES = {
    "logging.getLogger",
    "Blueprint",
    "TypeVar",
    "re.compile",
    "ZoneInfo",
    "frozenset",
    "Counter",
    "Gauge",
    "Histogram",
    "timedelta",
    "Path",
    "ImageKind",
    "TaskiqDepends",
    "Task",
    "field",
}


def test_no_mutable_state_at_module_level() -> None:
    """Per-process state lives in the runtime: no `global` statement anywhere, and no
    module-level variable (a lower-case name) holding a container or an object built at
    import; UPPER_CASE names are constants (never mutated, see below)."""
    offenders: list[str] = []
    for name, path in MODULES.items():
        tree = ast.parse(path.read_text())
        offenders += [
            f"{name}:{node.lineno} global"
            for node in ast.walk(tree)
            if isinstance(node, ast.Global | ast.Nonlocal)
        ]
        for stmt in _module_level(tree):
            if isinstance(stmt, ast.Assign):
                targets, value = stmt.targets, stmt.value
            elif isinstance(stmt, ast.AnnAssign) and stmt.value is not None:
                targets, value = [stmt.target], stmt.value
            else:
                continue
            for target in targets:
                # UPPER_CASE constants and CapWords type aliases are not state.
                if not isinstance(target, ast.Name) or not target.id[0].islower():
                    continue
                if target.id.startswith("__") or target.id in ("log", "bp", "P"):
                    continue
                built = isinstance(value, ast.List | ast.Dict | ast.Set | ast.ListComp)
                built |= any(call not in IMPORT_TIME_FACTORIES for call in _calls(value))
                if built:
                    offenders.append(f"{name}:{stmt.lineno} {target.id}")
    assert offenders == []


def test_constants_are_never_rebound_or_mutated() -> None:
    """UPPER_CASE module names are assigned once and never changed in place."""
    mutators = {"append", "extend", "add", "update", "pop", "clear", "setdefault", "remove"}
    offenders: list[str] = []
    for name, path in MODULES.items():
        tree = ast.parse(path.read_text())
        constants = {
            t.id
            for stmt in _module_level(tree)
            if isinstance(stmt, ast.Assign | ast.AnnAssign)
            for t in (stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target])
            if isinstance(t, ast.Name) and t.id.isupper()
        }
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id in constants
                and node.func.attr in mutators
            ):
                offenders.append(f"{name}:{node.lineno} {node.func.value.id}.{node.func.attr}")
            if (
                isinstance(node, ast.Subscript)
                and isinstance(node.ctx, ast.Store)
                and isinstance(node.value, ast.Name)
                and node.value.id in constants
            ):
                offenders.append(f"{name}:{node.lineno} {node.value.id}[...] =")
    assert offenders == []
