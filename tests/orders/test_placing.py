"""Paths of the order statement the other tests do not reach: stock.low from an order, an
order number drawn twice, a key whose order is gone, a SKU archived after checkout."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from tortoise import connections

from mall.orders import placing
from mall.orders.allocation import Share
from mall.orders.pricing import PricedLine
from mall.orders.turns import SkuTurns
from models import IdempotencyKey, Order, OrderItem, OutboxEvent, Sku
from tests.factories import assert_error, make_address, make_buyers, make_product


async def test_an_order_that_leaves_stock_below_the_threshold_announces_stock_low(
    client, settings
) -> None:
    _, (sku,) = await make_product(title="限量杯", skus=[({"颜色": "白"}, 2000, 12)])
    [(user, headers)] = await make_buyers(settings, 1)
    body = {"items": [{"sku_id": sku.id, "quantity": 3}], "address_id": await make_address(user.id)}
    assert (await client.post("/api/v1/orders", json=body, headers=headers)).status_code == 201
    low = await OutboxEvent.get(name="stock.low")
    assert low.channel == "admin"
    assert low.data == {
        "product_id": sku.product_id,  # type: ignore[attr-defined]
        "sku_id": sku.id,
        "stock": 9,
        "threshold": 10,
        "title": "限量杯",
        "specs": {"颜色": "白"},
    }
    changed = await OutboxEvent.get(name="stock.changed")
    assert changed.data["reason"] == "order"
    assert changed.data["skus"] == [{"sku_id": sku.id, "stock": 9}]
    # Above the threshold, no stock.low.
    body["items"][0]["quantity"] = 1  # type: ignore[index]
    await OutboxEvent.all().delete()
    _, (roomy,) = await make_product(title="大杯", skus=[({"颜色": "黑"}, 2000, 50)])
    body["items"][0]["sku_id"] = roomy.id  # type: ignore[index]
    assert (await client.post("/api/v1/orders", json=body, headers=headers)).status_code == 201
    assert not await OutboxEvent.filter(name="stock.low").exists()


@pytest.fixture
def order_numbers(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The order numbers placing draws, in order (the test lists them)."""
    drawn: list[str] = []
    monkeypatch.setattr(placing, "new_order_no", lambda: drawn.pop(0))
    yield drawn


async def test_an_order_number_drawn_twice_is_drawn_again(client, settings, order_numbers) -> None:
    _, (sku,) = await make_product(skus=[({"颜色": "红"}, 1000, 10)])
    buyers = await make_buyers(settings, 2)
    order_numbers += ["20261202120000000001", "20261202120000000001", "20261202120000000002"]
    placed = []
    for user, headers in buyers:
        body = {
            "items": [{"sku_id": sku.id, "quantity": 1}],
            "address_id": await make_address(user.id),
        }
        resp = await client.post("/api/v1/orders", json=body, headers=headers)
        assert resp.status_code == 201, resp.text
        placed.append(resp.json()["order_no"])
    assert placed == ["20261202120000000001", "20261202120000000002"]
    assert order_numbers == []  # the second order drew twice
    assert (await Sku.get(id=sku.id)).stock == 8


async def test_a_key_whose_order_is_gone_is_a_conflict_and_changes_nothing(
    client, settings
) -> None:
    _, (sku,) = await make_product(skus=[({"颜色": "红"}, 1000, 10)])
    [(user, headers)] = await make_buyers(settings, 1)
    await IdempotencyKey.create(user_id=user.id, key="k-1", order_id=987654)
    body = {"items": [{"sku_id": sku.id, "quantity": 1}], "address_id": await make_address(user.id)}
    resp = await client.post(
        "/api/v1/orders", json=body, headers={**headers, "Idempotency-Key": "k-1"}
    )
    assert_error(resp, 409, "idempotency_conflict")
    assert await Order.all().count() == 0
    assert (await Sku.get(id=sku.id)).stock == 10


async def test_a_sku_archived_after_checkout_is_refused_by_the_statement(
    app_server, settings
) -> None:
    product, (sku,) = await make_product(skus=[({"颜色": "红"}, 1000, 10)])
    [(user, _)] = await make_buyers(settings, 1)
    line = PricedLine(
        sku_id=sku.id,
        product_id=product.id,
        category_id=product.category_id,
        title=product.title,
        cover_url="",
        specs={"颜色": "红"},
        price=1000,
        quantity=1,
        stock=10,
    )
    await connections.get("default").execute_query(
        "UPDATE skus SET archived_at = now() WHERE id = $1", [sku.id]
    )
    new = placing.NewOrder(
        user_id=user.id,
        order_no="20261202120000000009",
        lines=[line],
        shares=[Share(amount=1000, freight=0, discount=0)],
        goods_amount=1000,
        freight_amount=0,
        discount_amount=0,
        pay_amount=1000,
        address={},
        remark="",
        coupon_id=None,
        timeout_seconds=60,
        cart_item_ids=[],
        actor=f"user:{user.id}",
    )
    with pytest.raises(placing.Refused) as refused:
        await placing.place(
            new, turns=SkuTurns(per_sku=1), idempotency_key=None, low_stock_threshold=10
        )
    assert refused.value.code == "insufficient_stock"
    assert refused.value.detail == [{"sku_id": sku.id, "quantity": 1, "available": 0}]
    assert await Order.all().count() == 0 and await OrderItem.all().count() == 0
    assert await OutboxEvent.all().count() == 0
    assert (await Sku.get(id=sku.id)).stock == 10
