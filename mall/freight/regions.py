"""China's 34 provincial-level divisions, as wx.chooseAddress names them (provinceName):
the only provinces an address may have and a freight template may name."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field

PROVINCES: tuple[str, ...] = tuple(
    json.loads((Path(__file__).with_name("provinces.json")).read_text(encoding="utf-8"))
)

# The schema type of a province: one of the 34 names (the OpenAPI document lists them).
Province = Annotated[
    Literal[PROVINCES],  # type: ignore[valid-type]
    Field(description="a provincial-level division as wx.chooseAddress names it"),
]
