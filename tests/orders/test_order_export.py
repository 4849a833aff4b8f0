"""The CSV export of orders: Excel's BOM, the list's filters, defused formulas, and memory
that stays flat however many orders stream out."""

from __future__ import annotations

import csv
import io
import time
import tracemalloc

import httpx
from tortoise import connections

from models import AdminLog, Order
from tests.factories import (
    admin_login,
    assert_error,
    bearer,
    make_address,
    make_admin,
    make_buyers,
    make_product,
)

EXPORT = "/api/admin/orders/export"


async def staff(client: httpx.AsyncClient) -> dict[str, str]:
    await make_admin("root")
    return bearer((await admin_login(client))["access_token"])


async def test_export_is_excel_csv_with_the_list_filters(
    client: httpx.AsyncClient, settings
) -> None:
    admin = await staff(client)
    _, (sku,) = await make_product(skus=[({"颜色": "红"}, 3900, 50)])
    orders = []
    for i, remark in enumerate(['=HYPERLINK("http://evil")', "请尽快发货", "+1"]):
        [(user, headers)] = await make_buyers(settings, 1, prefix=f"exp{i}{time.monotonic_ns()}")
        resp = await client.post(
            "/api/v1/orders",
            json={
                "items": [{"sku_id": sku.id, "quantity": 2}],
                "address_id": await make_address(user.id),
                "remark": remark,
            },
            headers=headers,
        )
        assert resp.status_code == 201, resp.text
        orders.append(resp.json())
    await Order.filter(id=orders[2]["id"]).update(status="cancelled")

    resp = await client.get(EXPORT, headers=admin)
    assert resp.status_code == 200, resp.text
    assert resp.headers["content-type"] == "text/csv; charset=utf-8"
    assert resp.headers["content-disposition"].startswith('attachment; filename="orders-')
    assert resp.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(resp.content.decode("utf-8-sig"))))
    # newest first; long numbers stay text in Excel
    assert [r["order_no"] for r in rows] == [f"{o['order_no']}\t" for o in reversed(orders)]
    first = rows[-1]
    assert first["status"] == "pending_payment"
    assert first["items"] == "Test product (红) x2" or first["items"].endswith("(红) x2")
    assert first["goods_amount_yuan"] == "78.00"
    assert (
        first["pay_amount_yuan"]
        == f"{orders[0]['pay_amount'] // 100}.{orders[0]['pay_amount'] % 100:02d}"
    )
    assert first["province"] == "广东省" and first["receiver"] == "张三"
    # a customer's text never runs as a spreadsheet formula
    assert first["remark"] == '\'=HYPERLINK("http://evil")'
    assert rows[0]["remark"] == "'+1"
    assert rows[1]["remark"] == "请尽快发货"

    pending = await client.get(f"{EXPORT}?status=pending_payment", headers=admin)
    pending_rows = list(csv.DictReader(io.StringIO(pending.content.decode("utf-8-sig"))))
    assert {r["order_no"].strip() for r in pending_rows} == {
        orders[0]["order_no"],
        orders[1]["order_no"],
    }
    assert_error(await client.get(f"{EXPORT}?status=lost", headers=admin), 422)
    assert_error(await client.get(f"{EXPORT}?page=2", headers=admin), 422)
    assert await AdminLog.filter(action="order.export").count() == 2  # the 422s export nothing
    await make_admin("viewer", superuser=False, permissions=["orders.read"])
    viewer = bearer((await admin_login(client, "viewer"))["access_token"])
    assert_error(await client.get(EXPORT, headers=viewer), 403)


async def _insert_orders(prefix: str, count: int) -> None:
    conn = connections.get("default")
    await conn.execute_query(
        "INSERT INTO orders (order_no, user_id, status, goods_amount, freight_amount,"
        " discount_amount, pay_amount, address, remark, expires_at, stock_restored,"
        " created_at, updated_at, staff_remark, adjust_amount)"
        " SELECT $1 || lpad(g::text, 12, '0'), 1, 'paid', 3900, 800, 0, 4700,"
        ' \'{"name": "张三", "phone": "13800138000", "province": "广东省", "city": "广州市",'
        ' "district": "海珠区", "detail": "新港中路397号"}\'::jsonb,'
        " '请尽快发货', now(), false, now(), now(), '', 0"
        " FROM generate_series(1, $2) g",
        [prefix, count],
    )
    await conn.execute_query(
        "INSERT INTO order_items (order_id, sku_id, product_id, title, specs, cover_url, price,"
        " quantity, reviewed)"
        " SELECT id, 1, 1, '纯棉T恤', '{\"颜色\": \"红\"}'::jsonb, '', 3900, 1, false"
        " FROM orders WHERE order_no LIKE $1 || '%'",
        [prefix],
    )


async def _export_peak(
    client: httpx.AsyncClient, admin: dict[str, str], prefix: str
) -> tuple[int, int, int]:
    """(traced peak bytes, bytes received, lines) of one export, read as it streams."""
    received = lines = 0
    tracemalloc.start()
    try:
        async with client.stream("GET", f"{EXPORT}?order_no={prefix}", headers=admin) as resp:
            assert resp.status_code == 200
            async for chunk in resp.aiter_bytes():
                received += len(chunk)
                lines += chunk.count(b"\r\n")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak, received, lines


async def test_exporting_ten_thousand_orders_streams_in_flat_memory(
    client: httpx.AsyncClient,
) -> None:
    admin = await staff(client)
    await _insert_orders("7000", 1_000)
    await _insert_orders("8000", 10_000)
    small_peak, _, small_lines = await _export_peak(client, admin, "7000")
    peak, received, lines = await _export_peak(client, admin, "8000")
    assert (small_lines, lines) == (1_001, 10_001)  # the header and every order
    # The server (in this process) holds one batch at a time: ten times the orders, about
    # the same peak (reading them all at once would hold tens of megabytes of rows).
    assert peak < 2 * small_peak, (peak, small_peak)
    assert peak < 4 * 1024 * 1024, (peak, received)
    assert received > 1_500_000
