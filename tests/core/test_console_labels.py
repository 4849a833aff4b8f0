"""The console names every permission and audited action in both languages: a role editor
or an activity line never shows a raw code."""

from __future__ import annotations

import re
from pathlib import Path

from mall.admin.permissions import ALL_PERMISSIONS

FORMAT_JS = (
    Path(__file__).resolve().parents[2] / "mall" / "static" / "admin" / "assets" / "format.js"
)
LABEL = re.compile(r'^\s*"([a-z_.]+)": \["[^"]+", "[^"]+"\],?$', re.MULTILINE)


def test_every_permission_has_a_chinese_and_an_english_label() -> None:
    labelled = set(LABEL.findall(FORMAT_JS.read_text(encoding="utf-8")))
    assert sorted(set(ALL_PERMISSIONS) - labelled) == []
