"""The documentation's links lead somewhere, and the architecture picture is a Mermaid
diagram GitHub can render."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCS = [
    ROOT / "README.md",
    *sorted((ROOT / "docs").glob("*.md")),
    ROOT / "clients" / "miniprogram" / "README.md",
    ROOT / "bench" / "RESULTS.md",
]
LINK = re.compile(r"\]\(([^)\s]+)\)")


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: str(p.relative_to(ROOT)))
def test_relative_links_point_at_files_that_exist(doc: Path) -> None:
    broken = []
    for target in LINK.findall(doc.read_text()):
        if re.match(r"^[a-z]+:", target) or target.startswith("#"):
            continue  # a URL or an anchor on the same page
        path = (doc.parent / target.split("#", 1)[0]).resolve()
        if not path.exists():
            broken.append(target)
    assert broken == []


def test_no_doc_points_at_a_file_that_is_not_in_the_repository() -> None:
    # API.md and friends live outside the repository: the docs name what ships with it.
    for doc in DOCS:
        assert "API.md" not in doc.read_text(), doc


def test_the_architecture_picture_is_mermaid() -> None:
    text = (ROOT / "docs" / "ARCHITECTURE.md").read_text()
    blocks = re.findall(r"```mermaid\n(.*?)```", text, flags=re.DOTALL)
    assert len(blocks) == 1
    diagram = blocks[0]
    assert diagram.startswith("flowchart ")
    for part in ("mall serve", "mall worker", "mall scheduler", "outbox", "pub/sub", "stream"):
        assert part in diagram, part


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_merge_left_its_markers(doc: Path) -> None:
    markers = re.findall(r"^(?:<{7}|>{7}|={7})(?: |$)", doc.read_text(), flags=re.MULTILINE)
    assert markers == []
