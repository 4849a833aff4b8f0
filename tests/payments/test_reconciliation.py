"""Daily reconciliation: the simulator's real trade bill against our payments and refunds."""

from __future__ import annotations

import asyncio
import gzip
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mall.orders.stats import SHOP_TZ
from mall.payments import reconciliation
from mall.runtime import Runtime
from mall.wechat.bill import BillError, Entry, fen, parse_bill, write_bill, yuan
from models import AdminLog, Order, OutboxEvent, Reconciliation, RefundRequest
from tests.factories import (
    admin_login,
    assert_error,
    bearer,
    make_address,
    make_admin,
    make_buyers,
    make_product,
)

SAMPLE = (
    "\ufeff交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,"
    "交易状态,付款银行,货币种类,应结订单金额,代金券金额,微信退款单号,商户退款单号,退款金额,"
    "充值券退款金额,退款类型,退款状态,商品名称,商户数据包,手续费,费率,订单金额,申请退款金额,"
    "费率备注\r\n"
    "`2026-12-01 10:00:01,`wx8888,`1900000109,`0,`,`4200000001202612011234567890,"
    "`20261201100000123456,`oUser1,`JSAPI,`SUCCESS,`OTHERS,`CNY,`128.50,`0.00,`0,`,`0.00,"
    "`0.00,`,`,`纯棉T恤,`,`0.77,`0.60%,`128.50,`0.00,`\r\n"
    "`2026-12-01 11:30:00,`wx8888,`1900000109,`0,`,`4200000001202612011234567890,"
    "`20261201100000123456,`oUser1,`JSAPI,`REFUND,`OTHERS,`CNY,`0.00,`0.00,"
    "`50300000012026120112345678901,`R20261201a,`39.90,`0.00,`ORIGINAL,`SUCCESS,`纯棉T恤,`,"
    "`-0.24,`0.60%,`128.50,`39.90,`\r\n"
    "总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额\r\n"
    "`2,`128.50,`39.90,`0.00,`0.53,`128.50,`39.90\r\n"
)


def test_parse_bill_reads_backquoted_rows_and_the_summary() -> None:
    for raw in (SAMPLE, SAMPLE.encode(), gzip.decompress(gzip.compress(SAMPLE.encode()))):
        bill = parse_bill(raw)
        pay, refund = bill.rows
        assert (pay.out_trade_no, pay.trade_state, pay.total_fen) == (
            "20261201100000123456",
            "SUCCESS",
            12850,
        )
        assert not pay.is_refund and pay.transaction_id.startswith("4200")
        assert refund.is_refund and (refund.out_refund_no, refund.refund_fen) == (
            "R20261201a",
            3990,
        )
        assert refund.refund_status == "SUCCESS" and refund.out_trade_no == pay.out_trade_no
        assert bill.summary["总交易单数"] == "2" and bill.summary["退款总金额"] == "39.90"


def test_parse_bill_refuses_what_is_not_a_bill() -> None:
    for bad in ("", "a,b,c\r\n1,2,3\r\n", SAMPLE.replace("`128.50,`0.00,`", "`12.345,`0.00,`")):
        with pytest.raises(BillError):
            parse_bill(bad)
    assert (fen("0.01"), fen("128.50"), yuan(12850), yuan(-24)) == (1, 12850, "128.50", "-0.24")


def test_written_bill_reads_back() -> None:
    at = datetime(2026, 12, 1, 9, 0, tzinfo=SHOP_TZ)
    entries = [
        Entry(at, "wx1", "190", "4200a", "T000001", "o1", 999, "衣服"),
        Entry(at, "wx1", "190", "4200a", "T000001", "o1", 999, "衣服", "50a", "R1", 333, "SUCCESS"),
    ]
    bill = parse_bill(gzip.decompress(gzip.compress(write_bill(entries))))
    assert [(r.out_trade_no, r.total_fen, r.out_refund_no, r.refund_fen) for r in bill.rows] == [
        ("T000001", 999, "", 0),
        ("T000001", 999, "R1", 333),
    ]
    assert bill.summary["应结订单总金额"] == "9.99" and bill.summary["退款总金额"] == "3.33"


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(min_value=1, max_value=10**10),
            st.integers(min_value=0, max_value=10**10),
            st.booleans(),
        ),
        min_size=1,
        max_size=8,
    )
)
def test_bill_amounts_round_trip_to_the_fen(lines: list[tuple[int, int, bool]]) -> None:
    at = datetime(2026, 12, 1, 9, 0, tzinfo=SHOP_TZ)
    entries = [
        Entry(at, "wx1", "190", f"4200{i}", f"T{i:06d}", "o1", total, '衣,服"x"')
        if not is_refund
        else Entry(
            at, "wx1", "190", f"4200{i}", f"T{i:06d}", "o1", total, "衣", "50", f"R{i}", part
        )
        for i, (total, part, is_refund) in enumerate(lines)
    ]
    bill = parse_bill(gzip.decompress(gzip.compress(write_bill(entries))))
    assert [(r.out_trade_no, r.total_fen, r.refund_fen) for r in bill.rows] == [
        (e.out_trade_no, e.total_fen, e.refund_fen) for e in entries
    ]
    assert fen(bill.summary["应结订单总金额"]) == sum(
        e.total_fen for e in entries if not e.out_refund_no
    )
    assert fen(bill.summary["退款总金额"]) == sum(e.refund_fen for e in entries if e.out_refund_no)
    assert all(fen(yuan(n)) == n for n, _, _ in lines)


async def eventually(check: Callable[[], Awaitable[bool]], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not await check():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.02)


async def test_reconciliation_finds_a_dropped_an_altered_and_an_unrecorded_payment(
    client: httpx.AsyncClient, settings: Any, wechat_sim: str, rt: Runtime
) -> None:
    await make_admin("root")
    staff = bearer((await admin_login(client))["access_token"])
    _, (sku,) = await make_product(skus=[({"色": "金"}, 4990, 50)])
    [(user, headers)] = await make_buyers(settings, 1, prefix=f"recon{time.monotonic_ns()}")
    address = await make_address(user.id)
    today = datetime.now(SHOP_TZ).date()

    async with httpx.AsyncClient(base_url=wechat_sim) as sim:
        await sim.post("/sim/pay-reset")  # other tests' trades are not this shop's day

        async def place(quantity: int = 1) -> dict[str, Any]:
            body = {"items": [{"sku_id": sku.id, "quantity": quantity}], "address_id": address}
            resp = await client.post("/api/v1/orders", json=body, headers=headers)
            assert resp.status_code == 201, resp.text
            order: dict[str, Any] = resp.json()
            paying = await client.post(f"/api/v1/orders/{order['id']}/pay", headers=headers)
            assert paying.status_code == 200, paying.text
            return order

        async def pay(order: dict[str, Any], *, notify: bool = True) -> None:
            paid = await sim.post(f"/sim/pay/{order['order_no']}", json={"notify": notify})
            assert paid.status_code == 200, paid.text
            if notify:

                async def done() -> bool:
                    return (await Order.get(id=order["id"])).status == "paid"

                await eventually(done)

        orders = [await place(2), await place(), await place()]
        for order in orders:
            await pay(order)
        # one unit of the first order refunded by staff: a partial WeChat refund
        refunded = await client.post(
            f"/api/admin/orders/{orders[0]['id']}/refund",
            json={
                "items": [{"order_item_id": orders[0]["items"][0]["id"], "quantity": 1}],
                "reason": "少发一件",
            },
            headers=staff,
        )
        assert refunded.status_code == 201, refunded.text
        refund = await RefundRequest.get(order_id=orders[0]["id"])
        assert 0 < refund.amount < orders[0]["pay_amount"]
        settled = await sim.post(f"/sim/refund/{refund.out_refund_no}")
        assert settled.status_code == 200, settled.text

        async def refund_done() -> bool:
            return (await RefundRequest.get(id=refund.id)).status == "refunded"

        await eventually(refund_done)

        # everything agrees
        clean = await client.post(
            "/api/admin/reconciliations", json={"date": today.isoformat()}, headers=staff
        )
        assert clean.status_code == 200, clean.text
        body = clean.json()
        assert body["state"] == "done" and body["mismatches"] == [], body
        assert (body["bill_payments"], body["bill_refunds"]) == (3, 1)
        assert (body["shop_payments"], body["shop_refunds"], body["matched"]) == (3, 1, 4)
        assert not await OutboxEvent.filter(name="reconciliation.mismatch").exists()

        # the bill leaves one payment out, bills another for 1 fen more, and a fourth order
        # was paid but its notification never came
        dropped, altered = orders[1], orders[2]
        armed = await sim.post(
            "/sim/bill/fault", json={"out_trade_no": dropped["order_no"], "drop": True}
        )
        assert armed.status_code == 200, armed.text
        armed = await sim.post(
            "/sim/bill/fault",
            json={"out_trade_no": altered["order_no"], "amount": altered["pay_amount"] + 1},
        )
        assert armed.status_code == 200, armed.text
        lost = await place()
        await pay(lost, notify=False)

    ran = await client.post(
        "/api/admin/reconciliations", json={"date": today.isoformat()}, headers=staff
    )
    assert ran.status_code == 200, ran.text
    result = ran.json()
    kinds = {m["out_trade_no"]: m["kind"] for m in result["mismatches"]}
    assert kinds == {
        dropped["order_no"]: "missing_in_bill",
        altered["order_no"]: "amount_mismatch",
        lost["order_no"]: "unpaid_in_shop",
    }, result["mismatches"]
    changed = next(m for m in result["mismatches"] if m["kind"] == "amount_mismatch")
    assert changed["bill"]["amount"] == changed["shop"]["amount"] + 1
    assert result["matched"] == 2 and result["id"] == body["id"]  # the day's result replaced

    event = await OutboxEvent.get(name="reconciliation.mismatch")
    assert event.channel == "admin"
    assert event.data["reconciliation_id"] == result["id"] and event.data["mismatches"] == 3
    assert event.data["kinds"] == {"missing_in_bill": 1, "amount_mismatch": 1, "unpaid_in_shop": 1}

    listed = await client.get("/api/admin/reconciliations", headers=staff)
    assert listed.status_code == 200, listed.text
    assert [r["mismatch_count"] for r in listed.json()["items"]] == [3]
    day = today.isoformat()
    for params, count in (
        ({"mismatched": "true"}, 1),
        ({"mismatched": "false"}, 0),
        ({"date_from": day, "date_to": day}, 1),
        ({"date_to": (today - timedelta(days=1)).isoformat()}, 0),
    ):
        filtered = await client.get("/api/admin/reconciliations", params=params, headers=staff)
        assert filtered.status_code == 200, filtered.text
        assert filtered.json()["total"] == count, params
    backwards = {"date_from": day, "date_to": (today - timedelta(days=1)).isoformat()}
    assert_error(
        await client.get("/api/admin/reconciliations", params=backwards, headers=staff), 422
    )

    # one click: WeChat says the lost order was paid; it is settled now
    path = f"/api/admin/reconciliations/{result['id']}/requery"
    requeried = await client.post(path, json={"out_trade_no": lost["order_no"]}, headers=staff)
    assert requeried.status_code == 200, requeried.text
    answer = requeried.json()
    assert answer["trade_state"] == "SUCCESS" and answer["settled"] is True
    assert answer["order_status"] == "paid"
    assert (await Order.get(id=lost["id"])).status == "paid"
    again = await client.post(path, json={"out_trade_no": lost["order_no"]}, headers=staff)
    assert again.status_code == 200 and again.json()["settled"] is False
    shown = (await client.get("/api/admin/reconciliations", headers=staff)).json()["items"][0]
    assert (
        next(m for m in shown["mismatches"] if m["out_trade_no"] == lost["order_no"])["trade_state"]
        == "SUCCESS"
    )

    audited = {(log.action, log.target_id) for log in await AdminLog.all()}
    assert {
        ("reconciliation.run", str(result["id"])),
        ("reconciliation.requery", str(result["id"])),
    } <= audited

    # ids and trades not of this reconciliation are 404; a future day is 409; bad input 422
    assert_error(
        await client.post(path, json={"out_trade_no": orders[0]["order_no"]}, headers=staff),
        404,
        "mismatch_not_found",
    )
    assert_error(
        await client.post(
            f"/api/admin/reconciliations/{result['id'] + 99}/requery",
            json={"out_trade_no": lost["order_no"]},
            headers=staff,
        ),
        404,
        "reconciliation_not_found",
    )
    for later in ((today + timedelta(days=2)).isoformat(), "2999-12-31"):
        assert_error(
            await client.post("/api/admin/reconciliations", json={"date": later}, headers=staff),
            409,
            "bill_not_ready",
        )
    for ancient in ((today - timedelta(days=93)).isoformat(), "1900-01-01"):
        assert_error(
            await client.post("/api/admin/reconciliations", json={"date": ancient}, headers=staff),
            409,
            "bill_expired",
        )
    assert_error(
        await client.post("/api/admin/reconciliations", json={"date": "yesterday"}, headers=staff),
        422,
    )


async def test_a_day_without_trades_reconciles_empty_and_the_task_runs(
    client: httpx.AsyncClient, wechat_sim: str, rt: Runtime
) -> None:
    async with httpx.AsyncClient(base_url=wechat_sim) as sim:
        await sim.post("/sim/pay-reset")
    done = await reconciliation.run_yesterday(rt)
    assert done is not None and done.state == "done" and done.mismatches == []
    yesterday = datetime.now(UTC).astimezone(SHOP_TZ).date() - timedelta(days=1)
    assert done.bill_date == yesterday

    # staff running a new day at once: one result for the day, every run answered
    await make_admin("root")
    staff = bearer((await admin_login(client))["access_token"])
    earlier = (yesterday - timedelta(days=1)).isoformat()
    runs = await asyncio.gather(
        *(
            client.post("/api/admin/reconciliations", json={"date": earlier}, headers=staff)
            for _ in range(6)
        )
    )
    assert [r.status_code for r in runs] == [200] * 6, [r.text for r in runs]
    assert len({r.json()["id"] for r in runs}) == 1
    assert await Reconciliation.filter(bill_date=yesterday - timedelta(days=1)).count() == 1
    assert await Reconciliation.all().count() == 2
