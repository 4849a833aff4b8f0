"""Input is matched whole: Python's `$` also matches before a trailing newline, so a pattern
anchored with it lets "user:7\\n" or "abc.png\\n" through. Patterns are used with fullmatch
(pydantic's `pattern=` runs on Rust's regex engine, whose `$` is the end of the text)."""

from __future__ import annotations

import ast
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("mall", "tasks")
RE_FUNCTIONS = {"compile", "match", "search", "fullmatch"}


def _dollar_anchored(pattern: str) -> bool:
    return pattern.endswith("$") and not pattern.endswith("\\$")


def test_no_python_regex_in_the_code_is_anchored_with_dollar() -> None:
    offenders = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            tree = ast.parse(path.read_text(), filename=str(path))
            for node in ast.walk(tree):
                if not (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Attribute)
                    and isinstance(node.func.value, ast.Name)
                    and node.func.value.id == "re"
                    and node.func.attr in RE_FUNCTIONS
                    and node.args
                    and isinstance(node.args[0], ast.Constant)
                    and isinstance(node.args[0].value, str)
                ):
                    continue
                if _dollar_anchored(node.args[0].value):
                    offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not offenders, f"use fullmatch, not a `$` anchor: {offenders}"


def test_the_checker_finds_a_dollar_anchor() -> None:
    assert _dollar_anchored(r"^[0-9]+$")
    assert not _dollar_anchored(r"[0-9]+")
    assert not _dollar_anchored(r"costs \$")


async def test_path_ids_and_upload_names_with_trailing_junk_are_not_found(
    client: httpx.AsyncClient,
) -> None:
    from tests.factories import make_product

    product, _ = await make_product()
    assert (await client.get(f"/api/v1/products/{product.id}")).status_code == 200
    for suffix in ("%0A", "%20", "_0"):
        resp = await client.get(f"/api/v1/products/{product.id}{suffix}")
        assert resp.status_code == 404, (suffix, resp.status_code)
    name = "0" * 64 + ".png"
    assert (await client.get(f"/uploads/{name}%0A")).status_code == 404
