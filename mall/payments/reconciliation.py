"""Daily payment reconciliation: WeChat Pay's trade bill of a shop day against our records.

The bill of day D (Asia/Shanghai) lists the payments WeChat took that day and the refunds
asked of it that day. Each bill payment is looked up by out_trade_no among our payments,
each bill refund by out_refund_no among our refunds; our payments of day D (paid_at) and
refunds sent to WeChat on day D (decided_at) that the bill lacks are missing from the bill.
Kinds of mismatch:

- missing_in_bill: we recorded it, the bill does not have it;
- missing_in_shop: the bill has it, we know no such trade or refund;
- unpaid_in_shop: the bill has a payment for an order we never recorded as paid (a lost
  notification: `requery` settles it);
- amount_mismatch: both have it, for different amounts;
- state_mismatch: a refund WeChat finished (or failed) that we hold in another state.

A day run again replaces its result. A run with mismatches writes one
`reconciliation.mismatch` event on the admin channel.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from mall import events
from mall.admin.audit import Actor, record_if_staff
from mall.errors import Conflict, NotFound, UpstreamError
from mall.orders.stats import day_start_utc, shop_today
from mall.orders.transitions import now
from mall.payments import service as payments
from mall.payments import trades
from mall.runtime import Runtime
from mall.wechat.bill import BillError, BillRow, parse_bill
from mall.wechat.pay import PayError
from models import Payment, Reconciliation, RefundRequest, RefundStatus

log = logging.getLogger("mall.payments.reconciliation")

# Our refund states and the WeChat refund statuses they agree with.
AGREEING_REFUND_STATES = {
    RefundStatus.REFUNDED.value: {"SUCCESS"},
    RefundStatus.REFUNDING.value: {"PROCESSING"},
    RefundStatus.FAILED.value: {"CLOSED", "ABNORMAL"},
}


# WeChat Pay hands out trade bills of the last three months only.
BILL_KEPT = timedelta(days=92)


class ReconciliationError:
    NOT_FOUND = "reconciliation_not_found"
    MISMATCH_NOT_FOUND = "mismatch_not_found"
    BILL_NOT_READY = "bill_not_ready"
    BILL_EXPIRED = "bill_expired"


@dataclass
class Outcome:
    bill_payments: int = 0
    bill_refunds: int = 0
    shop_payments: int = 0
    shop_refunds: int = 0
    matched: int = 0


def _side(amount: int, state: str) -> dict[str, Any]:
    return {"amount": amount, "state": state}


def _mismatch(
    kind: str,
    *,
    out_trade_no: str,
    out_refund_no: str | None = None,
    bill: dict[str, Any] | None = None,
    shop: dict[str, Any] | None = None,
) -> dict[str, Any]:
    return {
        "kind": kind,
        "out_trade_no": out_trade_no,
        "out_refund_no": out_refund_no,
        "bill": bill,
        "shop": shop,
    }


async def compare(rows: list[BillRow], *, day: date) -> tuple[Outcome, list[dict[str, Any]]]:
    """The bill's rows against our payments and refunds of the shop day."""
    start = day_start_utc(day)
    end = day_start_utc(day + timedelta(days=1))
    outcome = Outcome()
    found: list[dict[str, Any]] = []
    bill_pays = [r for r in rows if not r.is_refund and r.trade_state == "SUCCESS"]
    bill_refunds = [r for r in rows if r.is_refund]
    outcome.bill_payments, outcome.bill_refunds = len(bill_pays), len(bill_refunds)

    by_trade = {
        p.out_trade_no: p
        for p in await Payment.filter(out_trade_no__in=[r.out_trade_no for r in bill_pays])
    }
    for row in bill_pays:
        bill = _side(row.total_fen, row.trade_state)
        payment = by_trade.get(row.out_trade_no)
        if payment is None:
            trade = await trades.find(row.out_trade_no)
            if trade is None:
                found.append(_mismatch("missing_in_shop", out_trade_no=row.out_trade_no, bill=bill))
            else:
                shop = _side(trade.amount, trade.order.status)
                found.append(
                    _mismatch("unpaid_in_shop", out_trade_no=row.out_trade_no, bill=bill, shop=shop)
                )
        elif payment.amount != row.total_fen:
            shop = _side(payment.amount, "paid")
            found.append(
                _mismatch("amount_mismatch", out_trade_no=row.out_trade_no, bill=bill, shop=shop)
            )
        else:
            outcome.matched += 1
    ours = await Payment.filter(paid_at__gte=start, paid_at__lt=end)
    outcome.shop_payments = len(ours)
    billed = {r.out_trade_no for r in bill_pays}
    for payment in ours:
        if payment.out_trade_no not in billed:
            found.append(
                _mismatch(
                    "missing_in_bill",
                    out_trade_no=payment.out_trade_no,
                    shop=_side(payment.amount, "paid"),
                )
            )

    refunds = {
        r.out_refund_no: r
        for r in await RefundRequest.filter(
            out_refund_no__in=[r.out_refund_no for r in bill_refunds]
        )
    }
    for row in bill_refunds:
        bill = _side(row.refund_fen, row.refund_status)
        refund = refunds.get(row.out_refund_no)
        keys: dict[str, Any] = {
            "out_trade_no": row.out_trade_no,
            "out_refund_no": row.out_refund_no,
        }
        if refund is None:
            found.append(_mismatch("missing_in_shop", bill=bill, **keys))
            continue
        shop = _side(refund.amount, refund.status)
        if refund.amount != row.refund_fen:
            found.append(_mismatch("amount_mismatch", bill=bill, shop=shop, **keys))
        elif row.refund_status not in AGREEING_REFUND_STATES.get(refund.status, set()):
            found.append(_mismatch("state_mismatch", bill=bill, shop=shop, **keys))
        else:
            outcome.matched += 1
    sent = await RefundRequest.filter(
        refund_id__isnull=False,
        decided_at__gte=start,
        decided_at__lt=end,
        status__in=[s.value for s in (RefundStatus.REFUNDING, RefundStatus.REFUNDED)],
    ).prefetch_related("order")
    outcome.shop_refunds = len(sent)
    billed = {r.out_refund_no for r in bill_refunds}
    for refund in sent:
        if refund.out_refund_no not in billed:
            found.append(
                _mismatch(
                    "missing_in_bill",
                    out_trade_no=await _trade_no_of_refund(refund),
                    out_refund_no=refund.out_refund_no,
                    shop=_side(refund.amount, refund.status),
                )
            )
    return outcome, found


async def _trade_no_of_refund(refund: RefundRequest) -> str:
    if refund.payment_id is not None:
        payment = await Payment.get_or_none(id=refund.payment_id)
        if payment is not None:
            return payment.out_trade_no
    return trades.trade_no(refund.order)


async def run(rt: Runtime, *, day: date, actor: Actor = "system:schedule") -> Reconciliation:
    """Download the day's bill and compare; the result replaces any earlier one of the day.
    WeChat failing is recorded (state failed) and raised as UpstreamError."""
    today = shop_today()
    if day > today:
        raise Conflict(
            "WeChat makes a day's bill after the day", code=ReconciliationError.BILL_NOT_READY
        )
    if day < today - BILL_KEPT:
        raise Conflict(
            "WeChat Pay keeps bills of the last three months only",
            code=ReconciliationError.BILL_EXPIRED,
        )
    try:
        raw = await rt.pay_gateway().trade_bill(bill_date=day)
        rows = [] if raw is None else parse_bill(raw).rows
    except (PayError, BillError) as exc:
        message = f"{getattr(exc, 'code', 'INVALID_BILL')}: {exc}"[:255]
        log.warning("reconciliation of %s failed: %s", day, message)
        await _save(
            day, state="failed", outcome=Outcome(), mismatches=[], error=message, actor=actor
        )
        raise UpstreamError(
            "WeChat Pay's bill could not be had; try again", details={"error": message}
        ) from None
    outcome, mismatches = await compare(rows, day=day)
    saved, recorded = await _save(
        day, state="done", outcome=outcome, mismatches=mismatches, actor=actor
    )
    if recorded:
        await rt.events.publish(recorded)
    if mismatches:
        log.warning("reconciliation of %s: %d mismatches", day, len(mismatches))
    return saved


async def _save(
    day: date,
    *,
    state: str,
    outcome: Outcome,
    mismatches: list[dict[str, Any]],
    error: str | None = None,
    actor: Actor,
) -> tuple[Reconciliation, list[Any]]:
    values = {
        "state": state,
        "bill_payments": outcome.bill_payments,
        "bill_refunds": outcome.bill_refunds,
        "shop_payments": outcome.shop_payments,
        "shop_refunds": outcome.shop_refunds,
        "matched": outcome.matched,
        "mismatches": mismatches,
        "error": error,
    }
    for attempt in range(2):
        try:
            async with in_transaction():
                saved, _ = await Reconciliation.update_or_create(defaults=values, bill_date=day)
                await record_if_staff(
                    actor,
                    "reconciliation.run",
                    target_type="reconciliation",
                    target_id=saved.id,
                    detail={"date": day.isoformat(), "state": state, "mismatches": len(mismatches)},
                )
                recorded = []
                if mismatches:
                    recorded.append(
                        await events.record(
                            channel=events.ADMIN_CHANNEL,
                            name=events.EventName.RECONCILIATION_MISMATCH,
                            data={
                                "reconciliation_id": saved.id,
                                "bill_date": day.isoformat(),
                                "mismatches": len(mismatches),
                                "kinds": dict(Counter(m["kind"] for m in mismatches)),
                            },
                        )
                    )
                return saved, recorded
        except IntegrityError:  # a run of the same day inserted first: update it
            if attempt:
                raise
    raise AssertionError("unreachable")


async def run_yesterday(rt: Runtime) -> Reconciliation | None:
    """The daily task: yesterday's shop day (None when WeChat could not give the bill)."""
    try:
        return await run(rt, day=shop_today() - timedelta(days=1))
    except UpstreamError:
        return None


async def get(reconciliation_id: int) -> Reconciliation:
    found = await Reconciliation.get_or_none(id=reconciliation_id)
    if found is None:
        raise NotFound("Reconciliation not found", code=ReconciliationError.NOT_FOUND)
    return found


async def page(
    *,
    offset: int,
    limit: int,
    date_from: date | None = None,
    date_to: date | None = None,
    mismatched: bool | None = None,
) -> tuple[list[Reconciliation], int]:
    query = Reconciliation.all()
    if date_from is not None:
        query = query.filter(bill_date__gte=date_from)
    if date_to is not None:
        query = query.filter(bill_date__lte=date_to)
    if mismatched is not None:
        # JSONB: an empty list is '[]'
        query = query.filter(mismatches__not=[]) if mismatched else query.filter(mismatches=[])
    total = await query.count()
    return await query.order_by("-bill_date").offset(offset).limit(limit), total


async def requery(
    rt: Runtime, *, reconciliation_id: int, out_trade_no: str, actor: Actor
) -> dict[str, Any]:
    """Ask WeChat about a mismatched trade now: a payment we never recorded is settled (the
    same path as a lost notification's query), its refunds still in flight are settled."""
    found = await get(reconciliation_id)
    if not any(m["out_trade_no"] == out_trade_no for m in found.mismatches):
        raise NotFound(
            "No mismatch of this reconciliation has that out_trade_no",
            code=ReconciliationError.MISMATCH_NOT_FOUND,
        )
    gateway = rt.pay_gateway()
    try:
        tx = await gateway.query(out_trade_no=out_trade_no)
    except PayError as exc:
        raise UpstreamError(
            "WeChat Pay did not answer; try again", details={"code": exc.code}
        ) from None
    trade = await trades.find(out_trade_no)
    settled = False
    refunds: list[dict[str, Any]] = []
    order_status: str | None = None
    order_id: int | None = None
    if trade is not None:
        recorded = await Payment.filter(transaction_id=tx.transaction_id or "").exists()
        if tx.paid and not recorded and tx.total_fen == trade.amount:
            await payments.settle_paid(
                rt, order=trade.order, tx=tx, source="reconciliation", current_trade=trade.current
            )
            settled = True
        for refund in await RefundRequest.filter(
            order_id=trade.order.id, status=RefundStatus.REFUNDING.value, refund_id__isnull=False
        ):
            try:
                result = await gateway.query_refund(out_refund_no=refund.out_refund_no)
            except PayError:
                log.warning("refund query of %s failed", refund.out_refund_no, exc_info=True)
                continue
            await payments.settle_refund(rt, refund=refund, result=result)
        for refund in await RefundRequest.filter(order_id=trade.order.id).order_by("id"):
            refunds.append({"out_refund_no": refund.out_refund_no, "status": refund.status})
        order = await trades.find(out_trade_no)
        assert order is not None
        order_status, order_id = order.order.status, order.order.id
    updated = [
        m | {"requeried_at": now().isoformat(), "trade_state": tx.trade_state}
        if m["out_trade_no"] == out_trade_no
        else m
        for m in found.mismatches
    ]
    async with in_transaction():
        await Reconciliation.filter(id=found.id).update(mismatches=updated)
        await record_if_staff(
            actor,
            "reconciliation.requery",
            target_type="reconciliation",
            target_id=found.id,
            detail={
                "out_trade_no": out_trade_no,
                "trade_state": tx.trade_state,
                "settled": settled,
            },
        )
    return {
        "out_trade_no": out_trade_no,
        "trade_state": tx.trade_state,
        "amount": tx.total_fen,
        "order_id": order_id,
        "order_status": order_status,
        "settled": settled,
        "refunds": refunds,
    }
