"""The simulator's trade bills: GET /v3/bill/tradebill and the download URL it hands out.

A day's bill (Beijing time) lists the payments and refunds the simulator really processed
that day: each paid order on the day it was paid, each refund on the day it was asked for
(with its status now). POST /sim/bill/fault drops or alters an entry in the bills served
from then on, so reconciliation has something to find.
"""

from __future__ import annotations

import gzip
import hashlib
import secrets
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sanic import Request, Sanic
from sanic.response import HTTPResponse, json

from mall.wechat.bill import Entry, write_bill

if TYPE_CHECKING:
    from mall.wechat.simulator import PayState


def add_routes(app: Sanic) -> None:
    app.add_route(trade_bill, "/v3/bill/tradebill", methods=["GET"])
    app.add_route(download, "/v3/billdownload/file", methods=["GET"])
    app.add_route(bill_fault, "/sim/bill/fault", methods=["POST"])


def _state(request: Request) -> PayState:
    state: PayState = request.app.ctx.pay
    return state


def entries_of(state: PayState, day: date) -> list[Entry]:
    """The day's payments and refunds, after the armed faults."""
    from mall.wechat.simulator import CHINA_TZ

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
                entries.append(_replace(entry, refund_fen=amount))
            else:
                entries.append(_replace(entry, total_fen=amount))
    return entries


def _replace(entry: Entry, **changes: Any) -> Entry:
    from dataclasses import replace

    return replace(entry, **changes)


async def trade_bill(request: Request) -> HTTPResponse:
    """GET /v3/bill/tradebill?bill_date=&bill_type=ALL&tar_type=GZIP: where to download it."""
    from mall.wechat.simulator import PayFault, _signed

    state = _state(request)
    state.authenticate(request, "trade_bill")
    try:
        day = date.fromisoformat(request.args.get("bill_date", ""))
    except ValueError:
        raise PayFault(400, "PARAM_ERROR", "bill_date 格式错误") from None
    if request.args.get("bill_type", "ALL") not in ("ALL", "SUCCESS", "REFUND"):
        raise PayFault(400, "PARAM_ERROR", "bill_type 错误")
    entries = entries_of(state, day)
    bill_type = request.args.get("bill_type", "ALL")
    if bill_type == "SUCCESS":
        entries = [e for e in entries if not e.out_refund_no]
    elif bill_type == "REFUND":
        entries = [e for e in entries if e.out_refund_no]
    if not entries:
        raise PayFault(400, "NO_STATEMENT_EXIST", "当日无交易，账单不存在")
    plain = write_bill(entries)
    token = secrets.token_urlsafe(24)
    gzipped = request.args.get("tar_type") == "GZIP"
    state.bills[token] = gzip.compress(plain) if gzipped else plain
    url = f"{request.scheme}://{request.host}/v3/billdownload/file?token={token}"
    answer = {
        "hash_type": "SHA1",
        "hash_value": hashlib.sha1(plain).hexdigest(),  # noqa: S324 - WeChat's digest
        "download_url": url,
    }
    return _signed(state, 200, answer)


async def download(request: Request) -> HTTPResponse:
    """GET /v3/billdownload/file?token=: the bill file (signed request, unsigned answer)."""
    from mall.wechat.simulator import PayFault

    state = _state(request)
    state.authenticate(request, "download_bill")
    content = state.bills.get(request.args.get("token", ""))
    if content is None:
        raise PayFault(400, "PARAM_ERROR", "token 无效或已过期")
    gzipped = content[:2] == b"\x1f\x8b"
    return HTTPResponse(
        body=content,
        status=200,
        content_type="application/x-gzip" if gzipped else "text/csv; charset=utf-8",
    )


async def bill_fault(request: Request) -> HTTPResponse:
    """POST /sim/bill/fault {"out_trade_no" | "out_refund_no", "drop": true | "amount": fen}:
    leave the entry out of bills, or bill another amount; {"..", "clear": true} undoes it."""
    from mall.wechat.simulator import PayFault, _optional_body

    body = _optional_body(request)
    key = body.get("out_refund_no") or body.get("out_trade_no")
    if not isinstance(key, str) or not key:
        raise PayFault(400, "PARAM_ERROR", "out_trade_no or out_refund_no is required")
    state = _state(request)
    if body.get("clear") is True:
        state.bill_faults.pop(key, None)
        return json({"cleared": key})
    amount = body.get("amount")
    if body.get("drop") is True:
        state.bill_faults[key] = {"drop": True}
    elif isinstance(amount, int) and not isinstance(amount, bool) and amount >= 0:
        state.bill_faults[key] = {"amount": amount}
    else:
        raise PayFault(400, "PARAM_ERROR", 'give "drop": true or "amount": fen')
    return json({"armed": key, **state.bill_faults[key]})
