"""Staff's view of the daily payment reconciliation (/api/admin/reconciliations)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import Field
from sanic import Blueprint, Request
from sanic.response import HTTPResponse

from mall.admin.permissions import Permission
from mall.auth.guards import admin_required
from mall.context import runtime_of
from mall.errors import ValidationFailed
from mall.payments import reconciliation
from mall.web import Date, PageQuery, Schema, doc, parse_body, parse_query, render, render_page
from models import Reconciliation

bp = Blueprint("admin_reconciliations")

MismatchKind = Literal[
    "missing_in_bill", "missing_in_shop", "unpaid_in_shop", "amount_mismatch", "state_mismatch"
]


class ReconciliationQuery(PageQuery):
    date_from: Date | None = Field(None, description="shop days on or after")
    date_to: Date | None = Field(None, description="inclusive (before date_from: 422, type range)")
    mismatched: bool | None = Field(None, description="true: only days with mismatches")


class RunIn(Schema):
    date: Date = Field(description="the shop day (Asia/Shanghai) whose bill to reconcile")


class RequeryIn(Schema):
    out_trade_no: str = Field(
        pattern=r"^[0-9A-Za-z_\-|*]{6,32}$",
        description="a trade among this reconciliation's mismatches (else 404)",
    )


class SideOut(Schema):
    amount: int = Field(description="fen")
    state: str = Field(
        description="bill: SUCCESS (a payment) or the refund's status; shop: paid, the "
        "order's status, or the refund's status"
    )


class MismatchOut(Schema):
    kind: MismatchKind
    out_trade_no: str
    out_refund_no: str | None = Field(description="set for a refund")
    bill: SideOut | None = Field(description="what the bill says; null: not in the bill")
    shop: SideOut | None = Field(description="what we recorded; null: nothing")
    requeried_at: datetime | None = Field(None, description="when staff last re-queried it")
    trade_state: str | None = Field(None, description="WeChat's trade_state at that re-query")


class ReconciliationOut(Schema):
    id: int
    date: date
    state: Literal["done", "failed"]
    error: str | None = Field(description="why WeChat's bill could not be had (failed)")
    bill_payments: int
    bill_refunds: int
    shop_payments: int = Field(description="our payments of the day")
    shop_refunds: int = Field(description="our refunds sent to WeChat that day")
    matched: int
    mismatch_count: int
    mismatches: list[MismatchOut]
    updated_at: datetime


class RefundStateOut(Schema):
    out_refund_no: str
    status: str


class RequeryOut(Schema):
    out_trade_no: str
    trade_state: str = Field(description="WeChat's answer: SUCCESS, REFUND, NOTPAY, CLOSED, ...")
    amount: int | None
    order_id: int | None = Field(description="null: no order of ours has this trade")
    order_status: str | None
    settled: bool = Field(description="true: a payment we had missed is recorded now")
    refunds: list[RefundStateOut]


def present(found: Reconciliation) -> ReconciliationOut:
    mismatches: list[dict[str, Any]] = found.mismatches
    return ReconciliationOut(
        id=found.id,
        date=found.bill_date,
        state=found.state,  # type: ignore[arg-type]
        error=found.error,
        bill_payments=found.bill_payments,
        bill_refunds=found.bill_refunds,
        shop_payments=found.shop_payments,
        shop_refunds=found.shop_refunds,
        matched=found.matched,
        mismatch_count=len(mismatches),
        mismatches=[MismatchOut.model_validate(m) for m in mismatches],
        updated_at=found.updated_at,
    )


@bp.get("/reconciliations")
@doc(
    summary="Daily reconciliations of WeChat Pay's trade bill, newest day first",
    tag="admin-reconciliations",
    query=ReconciliationQuery,
    page_of=ReconciliationOut,
    secured=True,
    errors=(403,),
)
@admin_required(Permission.RECONCILIATIONS_READ)
async def list_all(request: Request) -> HTTPResponse:
    query = parse_query(request, ReconciliationQuery)
    if query.date_from and query.date_to and query.date_from > query.date_to:
        raise ValidationFailed(
            details=[{"field": "date_from", "message": "after date_to", "type": "range"}]
        )
    found, total = await reconciliation.page(
        offset=query.offset,
        limit=query.page_size,
        date_from=query.date_from,
        date_to=query.date_to,
        mismatched=query.mismatched,
    )
    return render_page([present(r) for r in found], total=total, page=query)


@bp.post("/reconciliations")
@doc(
    summary="Reconcile a shop day now (replaces that day's earlier result)",
    description="409 bill_not_ready for a day after today, bill_expired for one more than "
    "92 days ago (WeChat keeps three months of bills); 502 when WeChat Pay cannot give "
    "the bill (recorded as a failed reconciliation); 503 when WeChat Pay is not configured.",
    tag="admin-reconciliations",
    body=RunIn,
    response=ReconciliationOut,
    secured=True,
    errors=(403, 409, 502, 503),
)
@admin_required(Permission.RECONCILIATIONS_WRITE)
async def run(request: Request) -> HTTPResponse:
    body = parse_body(request, RunIn)
    done = await reconciliation.run(runtime_of(request), day=body.date, actor=request.ctx.staff)
    return render(present(done))


@bp.post("/reconciliations/<reconciliation_id:id>/requery")
@doc(
    summary="Ask WeChat Pay about a mismatched trade now; a payment we missed is settled",
    tag="admin-reconciliations",
    body=RequeryIn,
    response=RequeryOut,
    secured=True,
    errors=(403, 404, 502, 503),
)
@admin_required(Permission.RECONCILIATIONS_WRITE)
async def requery(request: Request, reconciliation_id: int) -> HTTPResponse:
    body = parse_body(request, RequeryIn)
    answer = await reconciliation.requery(
        runtime_of(request),
        reconciliation_id=reconciliation_id,
        out_trade_no=body.out_trade_no,
        actor=request.ctx.staff,
    )
    return render(RequeryOut.model_validate(answer))
