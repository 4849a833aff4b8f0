"""The simulator's trade bills: GET /v3/bill/tradebill and the download URL it hands out.

A day's bill (Beijing time) lists the payments and refunds the simulator really processed
that day: each paid order on the day it was paid, each refund on the day it was asked for
(with its status now). POST /sim/bill/fault drops or alters an entry in the bills served
from then on, so reconciliation has something to find.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta, timezone
from typing import Any

from mall.wechat.bill import Entry

# WeChat's days are Beijing days.
CHINA_TZ = timezone(timedelta(hours=8))


def entries_of(state: Any, day: date) -> list[Entry]:
    """The day's payments and refunds of a simulator's PayState, after the armed faults."""

    def on_day(moment: float | None) -> datetime | None:
        if moment is None:
            return None
        local = datetime.fromtimestamp(moment, CHINA_TZ)
        return local if local.date() == day else None

    found: list[tuple[datetime, Entry]] = []
    for order in state.orders.values():
        at = on_day(order.success_time)
        if at is None or order.transaction_id is None:
            continue
        entry = Entry(
            time=at,
            appid=order.appid,
            mchid=order.mchid,
            transaction_id=order.transaction_id,
            out_trade_no=order.out_trade_no,
            openid=order.openid,
            total_fen=order.total,
            description=order.description,
        )
        found.append((at, entry))
    for refund in state.refunds.values():
        at = on_day(refund.create_time)
        if at is None:
            continue
        order = refund.order
        entry = Entry(
            time=at,
            appid=order.appid,
            mchid=order.mchid,
            transaction_id=order.transaction_id or "",
            out_trade_no=order.out_trade_no,
            openid=order.openid,
            total_fen=order.total,
            description=order.description,
            refund_id=refund.refund_id,
            out_refund_no=refund.out_refund_no,
            refund_fen=refund.amount,
            refund_status=refund.status,
        )
        found.append((at, entry))
    entries: list[Entry] = []
    for _, entry in sorted(found, key=lambda pair: pair[0]):
        fault = state.bill_faults.get(entry.out_refund_no or entry.out_trade_no)
        if fault is None:
            entries.append(entry)
        elif not fault.get("drop"):
            amount = int(fault["amount"])
            if entry.out_refund_no:
                entries.append(replace(entry, refund_fen=amount))
            else:
                entries.append(replace(entry, total_fen=amount))
    return entries
