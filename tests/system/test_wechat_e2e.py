"""WeChat go-live end to end: real worker and scheduler processes, the app of the test
process (which the simulator pushes to) and the simulator playing WeChat.

Shipping sync (upload, failure visible to staff, staff retry, a remind-shipping push),
subscription messages (two accepted templates, one refused) and reviews (risky text,
text held for staff, images published only after WeChat's verdict).
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import redis.asyncio as aioredis

from mall.catalog.demo import gradient_png
from mall.runtime import Runtime
from models import Order, OutboxEvent, RefundRequest, SubscribeMessage
from tests.factories import assert_error, make_product
from tests.processes import (
    MallProcess,
    wait_scheduler_ready,
    wait_until,
    wait_worker_ready,
)
from tests.wechat_support import WITHIN, customer, paid_order, ship, shop_admin, transaction_of

START_TIMEOUT = 60.0  # a generous bound: a busy machine starts processes slowly
LONG_TITLE = "北欧风格纯棉长袖T恤男女同款宽松百搭打底衫春秋新款"


@pytest.fixture(scope="module")
async def workers(
    app_server: Any, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[list[MallProcess]]:
    """A worker and the scheduler; automatic retries are pushed far out, so what a test sees
    after a failure is staff's retry or a push, not the backoff."""
    log_dir = tmp_path_factory.mktemp("wechat-processes")
    env = {**os.environ, "MALL_TASK_REDELIVERY_MS": "1000", "MALL_WECHAT_RETRY_SCALE": "1000"}
    procs = [
        MallProcess("worker", ["worker", "--workers", "1"], env=env, log_dir=log_dir),
        MallProcess(
            "scheduler",
            ["scheduler", "--update-interval", "1", "--log-level", "WARNING"],
            env=env,
            log_dir=log_dir,
        ),
    ]
    try:
        for proc in procs:
            proc.start()
        yield procs
    finally:
        await asyncio.gather(*(proc.stop() for proc in procs))


@pytest.fixture
async def stack(
    workers: list[MallProcess], redis: aioredis.Redis, rt: Runtime, wechat_sim: str
) -> list[MallProcess]:
    async with httpx.AsyncClient(base_url=wechat_sim) as sim:
        assert (await sim.post("/sim/wxa-reset")).status_code == 200
    for proc in workers:
        if not proc.running:
            proc.start()
    await wait_worker_ready(redis, rt.jobs, timeout=START_TIMEOUT, watch=workers)
    await wait_scheduler_ready(redis, rt.jobs, timeout=START_TIMEOUT, watch=workers)
    return workers


@pytest.fixture
async def sim(wechat_sim: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=wechat_sim, timeout=30) as http:
        yield http


async def sync_state(
    client: httpx.AsyncClient,
    admin: dict[str, str],
    order_id: int,
    state: str,
    procs: list[MallProcess],
) -> dict[str, Any]:
    """Wait until staff see the order's shipping sync in STATE; that sync."""

    async def reached() -> dict[str, Any] | None:
        detail = (await client.get(f"/api/admin/orders/{order_id}", headers=admin)).json()
        sync = detail["shipping_sync"]
        return sync if sync and sync["state"] == state else None

    return await wait_until(reached, timeout=WITHIN, what=f"shipping sync {state}", watch=procs)


# --- shipping sync --------------------------------------------------------------------------


async def test_paid_then_shipped_order_is_uploaded_with_its_carrier(
    client: httpx.AsyncClient, sim: httpx.AsyncClient, stack: list[MallProcess]
) -> None:
    admin = await shop_admin(client)
    carriers = (await client.get("/api/admin/carriers", headers=admin)).json()
    assert {"code": "SF", "name": "顺丰速运"} in carriers["items"]
    _, (sku,) = await make_product(title=LONG_TITLE)
    _, headers, openid = await customer(client)
    order = await paid_order(client, sim, headers, sku.id)

    unknown = await client.post(
        f"/api/admin/orders/{order['id']}/ship",
        json={"carrier_code": "NOPE", "tracking_no": "X1"},
        headers=admin,
    )
    assert_error(unknown, 422, "validation_error")
    assert (await Order.get(id=order["id"])).status == "paid"

    shipped = await ship(client, admin, order["id"])
    assert shipped["shipping_sync"]["state"] in ("pending", "synced")
    assert shipped["shipment"]["carrier_code"] == "SF"
    synced = await sync_state(client, admin, order["id"], "synced", stack)
    assert synced["synced_at"] and synced.get("error") is None

    tid = await transaction_of(order["id"])
    uploaded = (await sim.get(f"/sim/shipping/{tid}")).json()["shipping"]
    assert uploaded["order_key"] == {"order_number_type": 2, "transaction_id": tid}
    assert uploaded["logistics_type"] == 1 and uploaded["delivery_mode"] == 1
    (parcel,) = uploaded["shipping_list"]
    assert parcel["express_company"] == "SF" and parcel["tracking_no"] == "SF1234567890"
    assert parcel["contact"]["receiver_contact"] == "138****8000"
    assert parcel["item_desc"].startswith(LONG_TITLE)
    assert uploaded["payer"] == {"openid": openid}
    # The jump path is set once, by the sweep.
    jump = await wait_until(
        lambda: _jump_path(sim, tid), timeout=WITHIN, what="jump path set", watch=stack
    )
    assert jump == "pages/order/detail"

    tracking = await client.get(f"/api/v1/orders/{order['id']}/tracking", headers=headers)
    assert tracking.status_code == 200, tracking.text
    body = tracking.json()
    assert body["carrier_code"] == "SF" and body["tracking_no"] == "SF1234567890"
    assert body["waybill_token"] and body["path"][0]["action_type"] == 100001
    _, stranger, _ = await customer(client)
    theirs = await client.get(f"/api/v1/orders/{order['id']}/tracking", headers=stranger)
    assert_error(theirs, 404, "order_not_found")


async def _jump_path(sim: httpx.AsyncClient, tid: str) -> str | None:
    path: str | None = (await sim.get(f"/sim/shipping/{tid}")).json()["jump_path"]
    return path


async def test_a_failed_upload_is_visible_and_staff_retry_syncs_it(
    client: httpx.AsyncClient, sim: httpx.AsyncClient, stack: list[MallProcess]
) -> None:
    admin = await shop_admin(client)
    _, (sku,) = await make_product()
    _, headers, _ = await customer(client)
    order = await paid_order(client, sim, headers, sku.id)
    armed = await sim.post(
        "/sim/fault", json={"api": "upload_shipping_info", "errcode": -1, "times": 1}
    )
    assert armed.status_code == 200, armed.text

    await ship(client, admin, order["id"], carrier="YTO")
    failed = await sync_state(client, admin, order["id"], "failed", stack)
    assert failed["error"].startswith("-1:") and failed["next_attempt_at"]
    staff_saw = await OutboxEvent.filter(channel="admin", name="shipping_sync.failed")
    assert [e.data["order_id"] for e in staff_saw] == [order["id"]]

    retried = await client.post(f"/api/admin/orders/{order['id']}/shipping-sync", headers=admin)
    assert retried.status_code == 202, retried.text
    await sync_state(client, admin, order["id"], "synced", stack)
    uploads = (await sim.get(f"/sim/shipping/{await transaction_of(order['id'])}")).json()
    assert len(uploads["uploads"]) == 1
    again = await client.post(f"/api/admin/orders/{order['id']}/shipping-sync", headers=admin)
    assert_error(again, 409, "shipping_synced")


async def test_a_remind_shipping_push_triggers_the_sync(
    client: httpx.AsyncClient, sim: httpx.AsyncClient, stack: list[MallProcess]
) -> None:
    admin = await shop_admin(client)
    _, (sku,) = await make_product()
    _, headers, _ = await customer(client)
    order = await paid_order(client, sim, headers, sku.id)
    await sim.post("/sim/fault", json={"api": "upload_shipping_info", "errcode": -1, "times": 1})
    await ship(client, admin, order["id"])
    await sync_state(client, admin, order["id"], "failed", stack)

    tid = await transaction_of(order["id"])
    pushed = await sim.post("/sim/push/trade_manage_remind_shipping", json={"transaction_id": tid})
    assert pushed.json()["status"] == 200 and pushed.json()["answer"] == "success", pushed.text
    assert pushed.json()["payload"]["merchant_trade_no"] == order["order_no"]
    await sync_state(client, admin, order["id"], "synced", stack)


# --- subscription messages ------------------------------------------------------------------

TEMPLATES = {
    "order_paid": {
        "template_id": "TPL_PAID",
        "fields": {
            "character_string1": "order_no",
            "amount2": "order_amount",
            "thing3": "goods",
            "time4": "paid_at",
        },
    },
    "order_shipped": {
        "template_id": "TPL_SHIPPED",
        "fields": {"thing1": "goods", "thing2": "carrier", "character_string3": "tracking_no"},
    },
    "refund_result": {
        "template_id": "TPL_REFUND",
        "fields": {"amount1": "refund_amount", "phrase2": "refund_result"},
    },
}


async def test_two_accepted_templates_get_exactly_two_messages(
    client: httpx.AsyncClient, sim: httpx.AsyncClient, stack: list[MallProcess]
) -> None:
    admin = await shop_admin(client)
    current = (await client.get("/api/admin/settings", headers=admin)).json()
    put = await client.put(
        "/api/admin/settings", json={**current, "subscribe_templates": TEMPLATES}, headers=admin
    )
    assert put.status_code == 200, put.text
    _, (sku,) = await make_product(title=LONG_TITLE)
    _, headers, openid = await customer(client)

    # The popup: two templates accepted, the refund one refused; WeChat pushes what was
    # chosen and the mini-program reports it too (the same acceptances, counted once).
    popup = await sim.post(
        "/sim/push/subscribe_msg_popup_event",
        json={"openid": openid, "accept": ["TPL_PAID", "TPL_SHIPPED"], "reject": ["TPL_REFUND"]},
    )
    assert popup.json()["answer"] == "success", popup.text
    reported = await client.post(
        "/api/v1/me/subscriptions", json={"accepted": ["TPL_PAID", "TPL_SHIPPED"]}, headers=headers
    )
    assert reported.status_code == 200, reported.text
    assert reported.json()["available"] == {"TPL_PAID": 1, "TPL_SHIPPED": 1}
    unknown = await client.post(
        "/api/v1/me/subscriptions", json={"accepted": ["TPL_OTHER"]}, headers=headers
    )
    assert_error(unknown, 422, "validation_error")

    order = await paid_order(client, sim, headers, sku.id)
    await ship(client, admin, order["id"])
    asked = await client.post(
        f"/api/v1/orders/{order['id']}/refund", json={"reason": "不想要了"}, headers=headers
    )
    assert asked.status_code == 200, asked.text
    approved = await client.post(f"/api/admin/orders/{order['id']}/refund/approve", headers=admin)
    assert approved.status_code == 200, approved.text
    refund = await RefundRequest.get(order_id=order["id"])
    assert (await sim.post(f"/sim/refund/{refund.out_refund_no}")).status_code == 200

    async def all_decided() -> bool:
        rows = await SubscribeMessage.filter(order_id=order["id"]).values_list("kind", "state")
        return sorted(rows) == [
            ("order_paid", "sent"),
            ("order_shipped", "sent"),
            ("refund_result", "skipped"),
        ]

    await wait_until(all_decided, timeout=WITHIN * 2, what="messages decided", watch=stack)
    sent = (await sim.get("/sim/subscribe-messages", params={"openid": openid})).json()
    assert [m["template_id"] for m in sent["messages"]] == ["TPL_PAID", "TPL_SHIPPED"]
    paid = sent["messages"][0]["data"]
    assert paid["character_string1"] == order["order_no"]
    assert paid["amount2"] == f"¥{order['pay_amount'] // 100}.{order['pay_amount'] % 100:02d}"
    assert len(paid["thing3"]) == 20 and paid["thing3"].endswith("…")
    assert sent["messages"][1]["data"]["thing2"] == "顺丰速运"
    assert sent["messages"][0]["page"] == f"pages/order/detail?id={order['id']}"
    assert sent["acceptances"] == {}


# --- reviews --------------------------------------------------------------------------------


async def completed_order(
    client: httpx.AsyncClient, headers: dict[str, str], user_id: int, sku_id: int
) -> dict[str, Any]:
    """An order placed through the API and, for these tests, completed in the database."""
    address = (await client.get("/api/v1/addresses", headers=headers)).json()
    address_id = address[0]["id"] if isinstance(address, list) else address["items"][0]["id"]
    placed = await client.post(
        "/api/v1/orders",
        json={"items": [{"sku_id": sku_id, "quantity": 1}], "address_id": address_id},
        headers=headers,
    )
    assert placed.status_code == 201, placed.text
    await Order.filter(id=placed.json()["id"]).update(status="completed")
    body: dict[str, Any] = placed.json()
    return body


async def write_review(
    client: httpx.AsyncClient, headers: dict[str, str], order: dict[str, Any], **review: Any
) -> httpx.Response:
    return await client.post(
        f"/api/v1/orders/{order['id']}/reviews",
        json={"order_item_id": order["items"][0]["id"], **review},
        headers=headers,
    )


async def published_reviews(client: httpx.AsyncClient, product_id: int) -> dict[str, Any]:
    resp = await client.get(f"/api/v1/products/{product_id}/reviews")
    assert resp.status_code == 200, resp.text
    body: dict[str, Any] = resp.json()
    return body


async def test_risky_text_is_refused_and_held_text_waits_for_staff(
    client: httpx.AsyncClient, stack: list[MallProcess]
) -> None:
    admin = await shop_admin(client)
    product, (sku,) = await make_product()
    user_id, headers, _ = await customer(client)

    risky = await write_review(
        client,
        headers,
        await completed_order(client, headers, user_id, sku.id),
        rating=1,
        content="这是违禁内容",
    )
    error = assert_error(risky, 422, "content_rejected")
    assert error["details"][0]["field"] == "content"

    order = await completed_order(client, headers, user_id, sku.id)
    held = await write_review(client, headers, order, rating=4, content="待审的评价内容")
    assert held.status_code == 201, held.text
    assert held.json()["state"] == "held"
    assert (await published_reviews(client, product.id))["total"] == 0
    waiting = (
        await client.get("/api/admin/reviews", params={"state": "held"}, headers=admin)
    ).json()
    assert [r["id"] for r in waiting["items"]] == [held.json()["id"]]

    shown = await client.post(f"/api/admin/reviews/{held.json()['id']}/show", headers=admin)
    assert shown.json()["state"] == "published"
    replied = await client.post(
        f"/api/admin/reviews/{held.json()['id']}/reply", json={"content": "谢谢支持"}, headers=admin
    )
    assert replied.status_code == 200, replied.text
    public = await published_reviews(client, product.id)
    assert public["total"] == 1 and public["rating_count"] == 1 and public["rating_avg"] == 4.0
    assert public["items"][0]["reply"] == "谢谢支持"
    detail = (await client.get(f"/api/v1/products/{product.id}")).json()
    assert (detail["rating_count"], detail["rating_avg"]) == (1, 4.0)

    hidden = await client.post(f"/api/admin/reviews/{held.json()['id']}/hide", headers=admin)
    assert hidden.json()["state"] == "hidden"
    assert (await published_reviews(client, product.id))["rating_count"] == 0


async def test_an_image_review_publishes_only_after_wechat_passes_it(
    client: httpx.AsyncClient, sim: httpx.AsyncClient, stack: list[MallProcess]
) -> None:
    product, (sku,) = await make_product()
    user_id, headers, openid = await customer(client)
    admin = await shop_admin(client)
    # Review images are this shop's uploads (anything else is 422 invalid_image).
    photos = []
    for color in ((0, 128, 0), (128, 0, 0)):
        png = gradient_png(8, 8, color, color)
        upload = await client.post(
            "/api/admin/uploads", files={"file": ("p.png", png, "image/png")}, headers=admin
        )
        assert upload.status_code == 201, upload.text
        photos.append(upload.json()["url"])
    good = await write_review(
        client,
        headers,
        await completed_order(client, headers, user_id, sku.id),
        rating=5,
        content="很好",
        images=[photos[0]],
    )
    bad = await write_review(
        client,
        headers,
        await completed_order(client, headers, user_id, sku.id),
        rating=1,
        content="一般",
        images=[photos[1]],
    )
    assert good.json()["state"] == bad.json()["state"] == "checking", (good.text, bad.text)

    async def both_sent() -> list[dict[str, Any]] | None:
        checks = (await sim.get("/sim/media-checks", params={"openid": openid})).json()["checks"]
        return checks if len(checks) == 2 else None

    checks = await wait_until(both_sent, timeout=WITHIN, what="images sent to WeChat", watch=stack)
    assert (await published_reviews(client, product.id))["total"] == 0
    for check in checks:
        # WeChat finds the second photo risky.
        verdict = {"suggest": "risky"} if check["media_url"] == photos[1] else {}
        pushed = await sim.post(
            "/sim/push/wxa_media_check", json={"trace_id": check["trace_id"], **verdict}
        )
        assert pushed.json()["answer"] == "success", pushed.text

    public = await published_reviews(client, product.id)
    assert [r["id"] for r in public["items"]] == [good.json()["id"]]
    assert public["rating_count"] == 1
    rejected = (
        await client.get("/api/admin/reviews", params={"state": "rejected"}, headers=admin)
    ).json()
    assert [r["id"] for r in rejected["items"]] == [bad.json()["id"]]
    assert rejected["items"][0]["media_checks"][0]["verdict"] == "risky"
