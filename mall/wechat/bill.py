"""WeChat Pay's trade bill (交易账单, bill_type ALL): its CSV, written and read.

The file is a header row, one row per payment or refund whose every field is prefixed with a
backquote (so spreadsheets keep long numbers as text), then a summary section: a header
(总交易单数, ...) and one row of totals. Amounts are yuan with two decimals. The simulator
writes it (`write_bill`), reconciliation reads it (`parse_bill`).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation

COLUMNS = (
    "交易时间",
    "公众账号ID",
    "商户号",
    "特约商户号",
    "设备号",
    "微信订单号",
    "商户订单号",
    "用户标识",
    "交易类型",
    "交易状态",
    "付款银行",
    "货币种类",
    "应结订单金额",
    "代金券金额",
    "微信退款单号",
    "商户退款单号",
    "退款金额",
    "充值券退款金额",
    "退款类型",
    "退款状态",
    "商品名称",
    "商户数据包",
    "手续费",
    "费率",
    "订单金额",
    "申请退款金额",
    "费率备注",
)
SUMMARY_COLUMNS = (
    "总交易单数",
    "应结订单总金额",
    "退款总金额",
    "充值券退款总金额",
    "手续费总金额",
    "订单总金额",
    "申请退款总金额",
)


class BillError(ValueError):
    """A bill that is not WeChat's trade bill format."""


@dataclass(frozen=True, slots=True)
class BillRow:
    """One line of the bill: a payment (trade_state SUCCESS) or a refund (REFUND)."""

    time: str
    transaction_id: str
    out_trade_no: str
    trade_state: str  # SUCCESS (a payment), REFUND (a refund), REVOKED, ...
    total_fen: int  # 订单金额
    refund_id: str
    out_refund_no: str
    refund_fen: int  # 申请退款金额
    refund_status: str  # SUCCESS, PROCESSING, ... (refund rows)

    @property
    def is_refund(self) -> bool:
        return bool(self.out_refund_no)


@dataclass(frozen=True, slots=True)
class Bill:
    rows: list[BillRow]
    summary: dict[str, str]


def fen(value: str) -> int:
    """'12.34' yuan as 1234 fen (exact: no float)."""
    try:
        amount = Decimal(value or "0")
    except InvalidOperation:
        raise BillError(f"not an amount: {value!r}") from None
    cents = amount * 100
    if cents != cents.to_integral_value():
        raise BillError(f"more than two decimals: {value!r}")
    return int(cents)


def yuan(fen_amount: int) -> str:
    """1234 fen as '12.34'."""
    sign = "-" if fen_amount < 0 else ""
    whole, cents = divmod(abs(fen_amount), 100)
    return f"{sign}{whole}.{cents:02d}"


def _clean(field: str) -> str:
    return field[1:] if field.startswith("`") else field


def parse_bill(text: str | bytes) -> Bill:
    """Read a bill (plain, already gunzipped): its rows and its summary."""
    if isinstance(text, bytes):
        text = text.decode("utf-8-sig")
    lines = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    lines = [line for line in lines if any(cell.strip() for cell in line)]
    if not lines:
        raise BillError("empty bill")
    header = [cell.strip() for cell in lines[0]]
    missing = [
        name for name in ("交易时间", "商户订单号", "交易状态", "订单金额") if name not in header
    ]
    if missing:
        raise BillError(f"not a trade bill: no {', '.join(missing)} column")
    at = {name: i for i, name in enumerate(header)}
    rows: list[BillRow] = []
    summary: dict[str, str] = {}
    body = lines[1:]
    for index, line in enumerate(body):
        if _clean(line[0]).strip() == SUMMARY_COLUMNS[0]:
            if index + 1 < len(body):
                names = [_clean(cell).strip() for cell in line]
                values = [_clean(cell).strip() for cell in body[index + 1]]
                summary = dict(zip(names, values, strict=False))
            break
        cells = [_clean(cell).strip() for cell in line]
        if len(cells) < len(header):
            raise BillError(f"row {index + 2} has {len(cells)} fields, not {len(header)}")

        def get(name: str, cells: list[str] = cells) -> str:
            return cells[at[name]] if name in at else ""

        rows.append(
            BillRow(
                time=get("交易时间"),
                transaction_id=get("微信订单号"),
                out_trade_no=get("商户订单号"),
                trade_state=get("交易状态"),
                total_fen=fen(get("订单金额")),
                refund_id=get("微信退款单号"),
                out_refund_no=get("商户退款单号"),
                refund_fen=fen(get("申请退款金额") or get("退款金额")),
                refund_status=get("退款状态"),
            )
        )
    return Bill(rows=rows, summary=summary)


@dataclass(frozen=True, slots=True)
class Entry:
    """What the simulator writes for one payment or refund."""

    time: datetime
    appid: str
    mchid: str
    transaction_id: str
    out_trade_no: str
    openid: str
    total_fen: int
    description: str
    refund_id: str = ""
    out_refund_no: str = ""
    refund_fen: int = 0
    refund_status: str = ""


FEE_RATE = Decimal("0.006")


def write_bill(entries: list[Entry]) -> bytes:
    """The bill as WeChat writes it (UTF-8 with BOM, backquoted fields, a summary)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    paid = refunded = fees = 0
    for entry in entries:
        refund = bool(entry.out_refund_no)
        fee = int(
            (Decimal(entry.refund_fen if refund else entry.total_fen) * FEE_RATE).quantize(
                Decimal(1)
            )
        )
        fee = -fee if refund else fee
        fees += fee
        if refund:
            refunded += entry.refund_fen
        else:
            paid += entry.total_fen
        row = (
            entry.time.strftime("%Y-%m-%d %H:%M:%S"),
            entry.appid,
            entry.mchid,
            "0",
            "",
            entry.transaction_id,
            entry.out_trade_no,
            entry.openid,
            "JSAPI",
            "REFUND" if refund else "SUCCESS",
            "OTHERS",
            "CNY",
            yuan(0 if refund else entry.total_fen),
            "0.00",
            entry.refund_id,
            entry.out_refund_no,
            yuan(entry.refund_fen),
            "0.00",
            "ORIGINAL" if refund else "",
            entry.refund_status,
            entry.description,
            "",
            yuan(fee),
            "0.60%",
            yuan(entry.total_fen),
            yuan(entry.refund_fen),
            "",
        )
        writer.writerow(["`" + field for field in row])
    writer.writerow(SUMMARY_COLUMNS)
    totals = (
        str(len(entries)),
        yuan(paid),
        yuan(refunded),
        "0.00",
        yuan(fees),
        yuan(paid),
        yuan(refunded),
    )
    writer.writerow(["`" + field for field in totals])
    return ("\ufeff" + out.getvalue()).encode()
