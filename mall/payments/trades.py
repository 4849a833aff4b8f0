"""Which WeChat Pay trade (out_trade_no) belongs to which order.

An order's first trade is its order_no. Staff adjusting the price of an unpaid order close
that trade with WeChat and open a new one under a new out_trade_no (`Order.out_trade_no`),
so the old amount can never be paid; a payment that still lands on a superseded trade
(WeChat's race with the close) is recognised here and refunded, never taken for the order.
"""

from __future__ import annotations

from dataclasses import dataclass

from tortoise.expressions import Q

from models import Order, OrderPriceAdjustment


def trade_no(order: Order) -> str:
    """The out_trade_no the order is paid under now."""
    return order.out_trade_no or order.order_no


def next_trade_no(order: Order, *, adjustments: int) -> str:
    """The out_trade_no after the order's n-th price adjustment (WeChat allows 6-32 of
    [0-9A-Za-z_-|*]; order numbers are 20 digits)."""
    return f"{order.order_no}_{adjustments + 1}"


@dataclass(frozen=True, slots=True)
class Trade:
    """An order's WeChat trade: its amount, and whether it is the one to pay now."""

    order: Order
    out_trade_no: str
    amount: int
    current: bool


async def find(out_trade_no: str) -> Trade | None:
    """The order's trade under this out_trade_no, current or superseded; None if unknown."""
    order = await Order.filter(
        Q(out_trade_no=out_trade_no) | Q(order_no=out_trade_no, out_trade_no__isnull=True)
    ).first()
    if order is not None:
        return Trade(order=order, out_trade_no=out_trade_no, amount=order.pay_amount, current=True)
    old = await OrderPriceAdjustment.get_or_none(old_out_trade_no=out_trade_no)
    if old is None:
        return None
    order = await Order.get(id=old.order_id)  # type: ignore[attr-defined]
    return Trade(order=order, out_trade_no=out_trade_no, amount=old.old_pay_amount, current=False)
