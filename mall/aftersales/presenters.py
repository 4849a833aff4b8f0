"""After-sales as the API shows them, loaded in a fixed number of queries per page."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from mall.aftersales.schemas import (
    AdminAfterSaleOut,
    AfterSaleHistoryOut,
    AfterSaleItemOut,
    AfterSaleOut,
    ReturnAddressOut,
)
from mall.orders.schemas import RefundOut
from models import AfterSale, AfterSaleHistory, AfterSaleItem, Order, OrderItem, RefundRequest


async def after_sales_out(after_sales: Sequence[AfterSale]) -> list[AfterSaleOut]:
    ids = [a.id for a in after_sales]
    if not ids:
        return []
    lines: dict[int, list[AfterSaleItem]] = defaultdict(list)
    for line in await AfterSaleItem.filter(after_sale_id__in=ids).order_by("order_item_id"):
        lines[line.after_sale_id].append(line)  # type: ignore[attr-defined]
    item_ids = {line.order_item_id for group in lines.values() for line in group}
    items = {i.id: i for i in await OrderItem.filter(id__in=list(item_ids))}
    order_ids = {a.order_id for a in after_sales}  # type: ignore[attr-defined]
    order_nos = dict(await Order.filter(id__in=list(order_ids)).values_list("id", "order_no"))
    refunds: dict[int, RefundRequest] = {}
    for refund in await RefundRequest.filter(after_sale_id__in=ids).order_by("id"):
        assert refund.after_sale_id is not None
        refunds[refund.after_sale_id] = refund  # the latest wins
    return [
        _out(a, lines[a.id], items, str(order_nos[a.order_id]), refunds.get(a.id))  # type: ignore[attr-defined]
        for a in after_sales
    ]


def _out(
    after_sale: AfterSale,
    lines: list[AfterSaleItem],
    items: dict[int, OrderItem],
    order_no: str,
    refund: RefundRequest | None,
) -> AfterSaleOut:
    return AfterSaleOut(
        id=after_sale.id,
        order_id=after_sale.order_id,  # type: ignore[attr-defined]
        order_no=order_no,
        type=after_sale.type,  # type: ignore[arg-type]
        state=after_sale.state,  # type: ignore[arg-type]
        reason=after_sale.reason,
        images=list(after_sale.images or []),
        refund_amount=after_sale.refund_amount,
        items=[
            AfterSaleItemOut(
                order_item_id=line.order_item_id,
                sku_id=items[line.order_item_id].sku_id,
                title=items[line.order_item_id].title,
                specs=items[line.order_item_id].specs,
                quantity=line.quantity,
                amount=line.amount,
            )
            for line in lines
        ],
        return_address=ReturnAddressOut.model_validate(after_sale.return_address)
        if after_sale.return_address
        else None,
        return_carrier_code=after_sale.return_carrier_code,
        return_tracking_no=after_sale.return_tracking_no,
        resellable=after_sale.resellable,
        reject_reason=after_sale.reject_reason,
        refund=RefundOut.model_validate(refund, from_attributes=True) if refund else None,
        created_at=after_sale.created_at,
        decided_at=after_sale.decided_at,
        returned_at=after_sale.returned_at,
        received_at=after_sale.received_at,
        refunded_at=after_sale.refunded_at,
    )


async def after_sale_out(after_sale: AfterSale) -> AfterSaleOut:
    return (await after_sales_out([after_sale]))[0]


async def admin_after_sale_out(after_sale: AfterSale) -> AdminAfterSaleOut:
    base = await after_sale_out(after_sale)
    history = await AfterSaleHistory.filter(after_sale_id=after_sale.id).order_by("id")
    return AdminAfterSaleOut(
        **base.model_dump(),
        user_id=after_sale.user_id,
        requested_by=after_sale.requested_by,
        history=[AfterSaleHistoryOut.model_validate(h, from_attributes=True) for h in history],
    )
