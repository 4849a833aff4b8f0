"""What a coupon takes off a set of order lines: pure arithmetic, no I/O."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from models import CouponTemplate


@dataclass(frozen=True)
class Line:
    """A priced order line as far as coupon scope cares."""

    sku_id: int
    product_id: int
    category_id: int | None
    amount: int


def covers(template: CouponTemplate, line: Line) -> bool:
    """Whether the coupon's scope takes in this line."""
    scope_ids = set(template.scope_ids or [])
    if template.scope == "products":
        return line.product_id in scope_ids
    if template.scope == "categories":
        return line.category_id in scope_ids
    return True


def eligible_amount(template: CouponTemplate, lines: Sequence[Line]) -> int:
    """The part of the goods amount the coupon's scope covers."""
    return sum(line.amount for line in lines if covers(template, line))


def discount(template: CouponTemplate, lines: Sequence[Line]) -> int:
    """Fen off for these lines, 0 when the threshold is not met; never more than covered."""
    covered = eligible_amount(template, lines)
    if covered <= 0 or covered < template.threshold:
        return 0
    if template.kind == "fixed":
        off = template.amount_off
    else:
        off = covered * template.percent_off // 100
        if template.max_discount is not None:
            off = min(off, template.max_discount)
    return max(0, min(off, covered))
