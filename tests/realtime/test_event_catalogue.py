"""docs/EVENTS.md is what the code emits: every flow that writes an event runs here through
the API and the WeChat simulator, and each event's channels and data fields must be the
documented ones (an event, a channel or a field added, renamed or dropped fails this), and
every event name the code can write is on the page."""

from __future__ import annotations

import ast
import asyncio
import re
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from mall.events import EventName
from mall.marketing import group_buys
from mall.orders.stats import SHOP_TZ
from mall.runtime import Runtime
from mall.shipping import sync
from models import Group, Order, OutboxEvent, Payment
from tests.factories import (
    ADDRESS,
    admin_login,
    bearer,
    login,
    make_admin,
    make_product,
)

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "EVENTS.md"
EVENT_NAME = re.compile(r"^[a-z_]+\.[a-z_]+$")


@dataclass
class Documented:
    channels: set[str]
    fields: set[str]
    optional: set[str] = field(default_factory=set)


def documented_events() -> dict[str, Documented]:
    """Each `### <event>` section of EVENTS.md: its `Channels:` line and its field table."""
    events: dict[str, Documented] = {}
    sections = re.split(r"^### ", DOC.read_text(), flags=re.MULTILINE)[1:]
    for section in sections:
        name, _, body = section.partition("\n")
        channels = re.search(r"^Channels: (.+)$", body, flags=re.MULTILINE)
        assert channels is not None, f"{name}: no Channels: line"
        rows = re.findall(r"^\| `([a-z_]+)` \| [^|]+ \|([^|]*)\|$", body, flags=re.MULTILINE)
        events[name.strip()] = Documented(
            channels=set(re.findall(r"`([^`]+)`", channels.group(1))),
            fields={f for f, _ in rows},
            optional={f for f, note in rows if note.strip().startswith("optional")},
        )
    return events


def channel_kind(channel: str) -> str:
    return re.sub(r":\d+$", ":<id>", channel)


async def eventually(check: Callable[[], Awaitable[bool]], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not await check():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.02)


async def status_is(order_id: int, status: str) -> bool:
    return (await Order.get(id=order_id)).status == status


async def run_every_flow(client: httpx.AsyncClient, sim: httpx.AsyncClient, rt: Runtime) -> None:
    """Orders placed, paid, shipped (and synced to WeChat, or not), completed, cancelled (and
    paid too late), refunded; stock set by staff; a customer's reminder and nickname: every
    event the shop emits."""
    await make_admin("root")
    staff = bearer((await admin_login(client))["access_token"])
    _, (sku,) = await make_product(skus=[({"颜色": "红"}, 3900, 12)])
    customer = bearer((await login(client))["access_token"])
    address = (await client.post("/api/v1/addresses", json=ADDRESS, headers=customer)).json()

    async def place(quantity: int = 1) -> dict[str, Any]:
        body = {"items": [{"sku_id": sku.id, "quantity": quantity}], "address_id": address["id"]}
        resp = await client.post("/api/v1/orders", json=body, headers=customer)
        assert resp.status_code == 201, resp.text
        order: dict[str, Any] = resp.json()
        assert (await client.post(f"/api/v1/orders/{order['id']}/pay", headers=customer)).is_success
        return order

    async def pay(order: dict[str, Any]) -> None:
        assert (await sim.post(f"/sim/pay/{order['order_no']}")).status_code == 200
        await eventually(lambda: status_is(order["id"], "paid"))

    async def ship(order: dict[str, Any]) -> None:
        shipped = await client.post(
            f"/api/admin/orders/{order['id']}/ship",
            json={"carrier_code": "SF", "tracking_no": "SF1234567890"},
            headers=staff,
        )
        assert shipped.status_code == 200, shipped.text

    # placed (stock 12 -> 9: below the threshold of 10), paid, the customer asks WeChat to
    # have it shipped, shipped, the shipping uploaded to WeChat, completed
    first = await place(3)
    await pay(first)
    tid = (await Payment.get(order_id=first["id"])).transaction_id
    reminded = await sim.post(
        "/sim/push/trade_manage_remind_shipping", json={"transaction_id": tid}
    )
    assert reminded.status_code == 200, reminded.text
    await eventually(lambda: OutboxEvent.filter(name="order.shipping_reminded").exists())
    await ship(first)
    assert await sync.sync(rt, order_id=first["id"]) == "synced"
    confirmed = await client.post(f"/api/v1/orders/{first['id']}/confirm", headers=customer)
    assert confirmed.status_code == 200, confirmed.text

    # cancelled, then paid all the same (WeChat's race): refunded automatically
    second = await place()
    cancelled = await client.post(f"/api/v1/orders/{second['id']}/cancel", headers=customer)
    assert cancelled.status_code == 200, cancelled.text
    late = await sim.post(f"/sim/pay/{second['order_no']}", json={"force": True})
    assert late.status_code == 200, late.text
    await eventually(
        lambda: OutboxEvent.filter(
            name="payment.succeeded", data__contains={"auto_refund": True}
        ).exists()
    )

    # paid, refund asked for, approved, settled by WeChat
    third = await place()
    await pay(third)
    asked = await client.post(
        f"/api/v1/orders/{third['id']}/refund", json={"reason": "尺码不合适"}, headers=customer
    )
    assert asked.status_code == 200, asked.text
    approved = await client.post(f"/api/admin/orders/{third['id']}/refund/approve", headers=staff)
    assert approved.status_code == 200, approved.text
    await sim.post(f"/sim/refund/{approved.json()['refund']['out_refund_no']}")
    await eventually(lambda: status_is(third["id"], "refunded"))

    # paid and shipped, but WeChat refuses the upload (retried later)
    fourth = await place()
    await pay(fourth)
    await sim.post("/sim/fault", json={"api": "upload_shipping_info", "errcode": -1, "times": 1})
    await ship(fourth)
    assert await sync.sync(rt, order_id=fourth["id"]) == "failed"

    # after-sales of a shipped order: a return (approved, sent back, received, refunded by
    # WeChat), a refund withdrawn, a refund refused
    fifth = await place(3)
    await pay(fifth)
    await ship(fifth)
    address_set = await client.patch(
        "/api/admin/settings",
        json={"return_address": {"name": "售后", "phone": "020-1234", "address": "广州仓"}},
        headers=staff,
    )
    assert address_set.status_code == 200, address_set.text

    async def after_sale(kind: str) -> dict[str, Any]:
        asked = await client.post(
            f"/api/v1/orders/{fifth['id']}/after-sales",
            json={
                "type": kind,
                "items": [{"order_item_id": fifth["items"][0]["id"], "quantity": 1}],
                "reason": "不合适",
            },
            headers=customer,
        )
        assert asked.status_code == 201, asked.text
        body: dict[str, Any] = asked.json()
        return body

    returned = await after_sale("return_refund")
    path = f"/api/admin/after-sales/{returned['id']}"
    assert (await client.post(f"{path}/approve", headers=staff)).status_code == 200
    sent = await client.post(
        f"/api/v1/after-sales/{returned['id']}/return",
        json={"carrier_code": "SF", "tracking_no": "SF1112223334"},
        headers=customer,
    )
    assert sent.status_code == 200, sent.text
    received = await client.post(f"{path}/receive", json={"resellable": True}, headers=staff)
    assert received.status_code == 200, received.text
    await sim.post(f"/sim/refund/{received.json()['refund']['out_refund_no']}")
    await eventually(lambda: OutboxEvent.filter(name="after_sale.refunded").exists())
    withdrawn = await after_sale("refund")
    cancelled = await client.post(f"/api/v1/after-sales/{withdrawn['id']}/cancel", headers=customer)
    assert cancelled.status_code == 200, cancelled.text
    refused = await after_sale("refund")
    rejected = await client.post(
        f"/api/admin/after-sales/{refused['id']}/reject", json={"reason": "不支持"}, headers=staff
    )
    assert rejected.status_code == 200, rejected.text

    # a nickname WeChat's content check holds for staff
    held = await client.patch("/api/v1/me", json={"nickname": "待审的名字"}, headers=customer)
    assert held.status_code == 200, held.text

    # staff change an order's price, then where it goes
    fifth = await place()
    adjusted = await client.post(
        f"/api/admin/orders/{fifth['id']}/adjust-price",
        json={"pay_amount": 100, "reason": "老客户"},
        headers=staff,
    )
    assert adjusted.status_code == 200, adjusted.text
    moved = await client.patch(
        f"/api/admin/orders/{fifth['id']}",
        json={"address": ADDRESS | {"city": "深圳市"}},
        headers=staff,
    )
    assert moved.status_code == 200, moved.text

    # the day's reconciliation: the bill leaves out the first order's payment
    await sim.post("/sim/bill/fault", json={"out_trade_no": first["order_no"], "drop": True})
    today = datetime.now(SHOP_TZ).date().isoformat()
    ran = await client.post("/api/admin/reconciliations", json={"date": today}, headers=staff)
    assert ran.status_code == 200, ran.text
    assert ran.json()["mismatch_count"] >= 1

    # staff set the stock
    changed = await client.put(
        f"/api/admin/skus/{sku.id}/stock", json={"stock": 2, "reason": "盘点"}, headers=staff
    )
    assert changed.status_code == 200, changed.text

    # a flash sale: started, bought from, an order cancelled, ended by staff
    _, (flash_sku,) = await make_product(title="秒杀款", skus=[({"款式": "限量"}, 9900, 20)])
    now = datetime.now(UTC)
    sale = await client.post(
        "/api/admin/flash-sales",
        json={
            "title": "秒杀",
            "starts_at": (now - timedelta(seconds=1)).isoformat(),
            "ends_at": (now + timedelta(hours=1)).isoformat(),
            "items": [{"sku_id": flash_sku.id, "price": 990, "stock": 5, "per_user_limit": 1}],
        },
        headers=staff,
    )
    assert sale.status_code == 201, sale.text
    body = {"items": [{"sku_id": flash_sku.id, "quantity": 1}], "address_id": address["id"]}
    bought = await client.post("/api/v1/orders", json=body, headers=customer)
    assert bought.status_code == 201, bought.text
    dropped = await client.post(f"/api/v1/orders/{bought.json()['id']}/cancel", headers=customer)
    assert dropped.status_code == 200, dropped.text
    ended = await client.delete(f"/api/admin/flash-sales/{sale.json()['id']}", headers=staff)
    assert ended.status_code == 204, ended.text

    # group buys: a group of two fills and both pay (progress, completed); another one
    # expires with its leader paid (failed, refunded)
    deal = await client.post(
        "/api/admin/group-buys",
        json={
            "product_id": flash_sku.product_id,
            "skus": [{"sku_id": flash_sku.id, "price": 1990}],
            "group_size": 2,
            "expires_in_hours": 1,
            "starts_at": (now - timedelta(seconds=1)).isoformat(),
            "ends_at": (now + timedelta(hours=1)).isoformat(),
        },
        headers=staff,
    )
    assert deal.status_code == 201, deal.text
    friend = bearer((await login(client, "friend"))["access_token"])
    friend_address = (await client.post("/api/v1/addresses", json=ADDRESS, headers=friend)).json()

    async def group_order(path: str, headers: dict[str, str], address_id: int) -> dict[str, Any]:
        body = {"items": [{"sku_id": flash_sku.id, "quantity": 1}], "address_id": address_id}
        resp = await client.post(path, json=body, headers=headers)
        assert resp.status_code == 201, resp.text
        joined: dict[str, Any] = resp.json()
        prepaid = await client.post(f"/api/v1/orders/{joined['order']['id']}/pay", headers=headers)
        assert prepaid.is_success, prepaid.text
        return joined

    opened = await group_order(
        f"/api/v1/group-buys/{deal.json()['id']}/groups", customer, address["id"]
    )
    joined = await group_order(
        f"/api/v1/groups/{opened['group']['id']}/join", friend, friend_address["id"]
    )
    await pay(opened["order"])
    await pay(joined["order"])
    lonely = await group_order(
        f"/api/v1/group-buys/{deal.json()['id']}/groups", customer, address["id"]
    )
    await pay(lonely["order"])
    await Group.filter(id=lonely["group"]["id"]).update(expires_at=now - timedelta(seconds=1))
    assert await group_buys.expire(rt, group_id=lonely["group"]["id"]) == "failed"


def event_names_in_code() -> set[str]:
    """Every event name the code can write: EventName, and the names (`name="x.y"`, or a
    `name` variable given one) in modules that call events.record."""
    names = {str(name) for name in EventName}
    for path in (ROOT / "mall").rglob("*.py"):
        text = path.read_text()
        if "events.record(" not in text:
            continue
        for node in ast.walk(ast.parse(text)):
            named = isinstance(node, ast.keyword) and node.arg == "name"
            named |= isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == "name" for t in node.targets
            )
            value = getattr(node, "value", None) if named else None
            if isinstance(value, ast.Constant) and EVENT_NAME.match(str(value.value)):
                names.add(str(value.value))
    return names


async def test_events_md_lists_every_event_name_the_code_writes() -> None:
    assert set(documented_events()) == event_names_in_code()
    assert {str(name) for name in EventName} <= set(documented_events())


async def test_every_emitted_event_has_the_documented_channels_and_fields(
    client: httpx.AsyncClient, wechat_sim: str, rt: Runtime
) -> None:
    async with httpx.AsyncClient(base_url=wechat_sim) as sim:
        await sim.post("/sim/wxa-reset")
        await run_every_flow(client, sim, rt)

    channels: dict[str, set[str]] = defaultdict(set)
    fields: dict[str, set[str]] = defaultdict(set)
    rows = await OutboxEvent.all()
    docs = documented_events()
    for row in rows:
        channels[row.name].add(channel_kind(row.channel))
        fields[row.name] |= set(row.data)
        required = docs[row.name].fields - docs[row.name].optional
        assert required <= set(row.data), (row.name, row.data)

    # every event was emitted, to exactly the documented channels, with the documented fields
    # (an optional one may not have come up)
    assert set(channels) == set(docs)
    assert {name: channels[name] for name in docs} == {n: d.channels for n, d in docs.items()}
    undocumented = {name: fields[name] - docs[name].fields for name in docs}
    assert {name: extra for name, extra in undocumented.items() if extra} == {}
    never_seen = {name: docs[name].fields - docs[name].optional - fields[name] for name in docs}
    assert {name: gone for name, gone in never_seen.items() if gone} == {}


def test_the_catalogue_check_catches_an_undocumented_field() -> None:
    # The parser reads what the page says: a field the page does not list is not in it.
    docs = documented_events()
    assert "transaction_id" in docs["order.paid"].fields
    assert "transaction_id" not in docs["order.created"].fields
    assert docs["payment.succeeded"].optional == {"auto_refund"}
    assert docs["shipping_sync.synced"].optional == {"note"}
    assert docs["stock.changed"].channels == {"product:<id>"}
