"""Figures and how they are shown: percentiles, tables, machine facts, bench/RESULTS.md."""

from __future__ import annotations

import math
import os
import platform
import re
from collections.abc import Sequence
from pathlib import Path

RESULTS_PATH = Path(__file__).resolve().parents[1] / "RESULTS.md"
RESULTS_HEADER = (
    "# Benchmark results\n\n"
    "Written by the benchmarks in bench/ (each rewrites only its own section); "
    "the README quotes these figures.\n"
)


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100), linearly interpolated between closest ranks."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A markdown table, padded so it also reads well in a terminal."""
    cells = [[str(h) for h in headers], *[[str(c) for c in row] for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]

    def line(row: Sequence[str]) -> str:
        return "| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |"

    rule = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    return "\n".join([line(cells[0]), rule, *(line(r) for r in cells[1:])])


def print_table(title: str, headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    text = f"### {title}\n\n{table(headers, rows)}\n"
    print(f"\n{text}", flush=True)
    return text


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "?"


def _memory_gib() -> str:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    return "?"


def machine_rows(extra: dict[str, str] | None = None) -> list[tuple[str, str]]:
    """(what, value) rows describing the machine a run measured."""
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    rows = [
        ("cores", f"{usable} usable ({os.cpu_count()} online)"),
        ("cpu", _cpu_model()),
        ("memory", _memory_gib()),
        ("os", f"{platform.system()} {platform.release()}"),
        ("python", platform.python_version()),
    ]
    rows += list((extra or {}).items())
    return rows


def write_section(name: str, markdown: str, path: Path = RESULTS_PATH) -> None:
    """Replace this benchmark's section of RESULTS.md (between its markers), or add it."""
    start, end = f"<!-- bench:{name} -->", f"<!-- /bench:{name} -->"
    block = f"{start}\n{markdown.strip()}\n{end}"
    text = path.read_text() if path.exists() else RESULTS_HEADER
    pattern = re.compile(re.escape(start) + r".*?" + re.escape(end), re.DOTALL)
    if pattern.search(text):
        text = pattern.sub(lambda _: block, text)
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    path.write_text(text)
