"""Subscription message values: what staff can map a template field to, and how each value
is cut to WeChat's rule for the field's type (thing: 20 characters, amount: ¥ + 10 digits,
phrase: 5 Chinese characters, ...). The type is the key's prefix: `thing3` is a thing."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

KINDS = (
    "thing",
    "number",
    "letter",
    "symbol",
    "character_string",
    "time",
    "date",
    "amount",
    "phone_number",
    "car_number",
    "name",
    "phrase",
)
KEY_PATTERN = re.compile(r"^(" + "|".join(KINDS) + r")([0-9]{1,3})$")
SHOP_TZ = ZoneInfo("Asia/Shanghai")
LITERAL = "="

# Sources a template field can take, per message kind (plus "=text" for fixed text).
COMMON_SOURCES = ("order_no", "order_amount", "goods", "order_status", "order_time", "remark")
SOURCES: dict[str, tuple[str, ...]] = {
    "order_paid": (*COMMON_SOURCES, "paid_at"),
    "order_shipped": (*COMMON_SOURCES, "paid_at", "shipped_at", "carrier", "tracking_no"),
    "refund_result": (*COMMON_SOURCES, "refund_amount", "refund_result", "refunded_at"),
    "order_expiring": (*COMMON_SOURCES, "expires_at"),
}
MESSAGE_KINDS = tuple(SOURCES)


@dataclass(frozen=True, slots=True)
class Money:
    """An amount in fen, rendered per field type."""

    fen: int


Value = str | int | Money | datetime


def kind_of(key: str) -> str | None:
    """The field type a template data key names (thing3 -> thing), or None."""
    match = KEY_PATTERN.match(key)
    return match.group(1) if match else None


def _yuan(fen: int) -> str:
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(fen), 100)
    return f"{sign}{whole}.{cents:02d}"


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _is_chinese(char: str) -> bool:
    return "\u4e00" <= char <= "\u9fff"


def render(kind: str, value: Value) -> str:
    """VALUE as WeChat accepts it for a field of KIND; never empty."""
    if isinstance(value, datetime):
        local = value.astimezone(SHOP_TZ)
        text = (
            f"{local.year}年{local.month}月{local.day}日"
            if kind == "date"
            else f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}"
        )
    elif isinstance(value, Money):
        text = f"¥{_yuan(value.fen)}" if kind in ("amount", "thing") else _yuan(value.fen)
        if kind == "amount" and len(str(abs(value.fen) // 100)) > 10:
            text = "¥9999999999.99"
    else:
        text = str(value)
    text = " ".join(text.split())  # no newlines or runs of spaces in a one-line field
    return _fit(kind, text) or _fallback(kind)


def _fit(kind: str, text: str) -> str:
    if kind == "thing":
        return _cut(text, 20)
    if kind == "number":
        digits = re.sub(r"[^0-9.]", "", text).strip(".")
        whole, _, fraction = digits.partition(".")
        fraction = fraction.replace(".", "")
        return (whole + ("." + fraction if fraction else ""))[:32].rstrip(".")
    if kind == "letter":
        return re.sub(r"[^A-Za-z]", "", text)[:32]
    if kind == "symbol":
        return "".join(c for c in text if not c.isalnum() and not c.isspace())[:5]
    if kind == "character_string":
        return re.sub(r"[^\x21-\x7e]", "", text)[:32]
    if kind in ("time", "date"):
        return text[:40]
    if kind == "amount":
        match = re.search(r"[0-9]{1,10}(\.[0-9]{1,2})?", text)
        return f"¥{match.group(0)}" if match else ""
    if kind == "phone_number":
        return re.sub(r"[^0-9+\-() ]", "", text).strip()[:17]
    if kind == "car_number":
        return text[:8]
    if kind == "name":
        return text[:10] if any(_is_chinese(c) for c in text) else text[:20]
    if kind == "phrase":
        return "".join(c for c in text if _is_chinese(c))[:5]
    return _cut(text, 20)


def _fallback(kind: str) -> str:
    """A value for a field whose source gave nothing usable (WeChat refuses empty ones)."""
    return {
        "number": "0",
        "letter": "A",
        "symbol": "-",
        "character_string": "-",
        "amount": "¥0.00",
        "phone_number": "0",
        "phrase": "无",
        "time": "00:00",
        "date": "2000年1月1日",
    }.get(kind, "-")
