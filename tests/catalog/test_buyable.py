"""One rule for what a customer may buy (mall.catalog.buyable): a product in a visible
category under a hidden parent is hidden from the storefront AND cannot be carted, priced
or ordered; showing the parent again brings all of it back at once."""

from __future__ import annotations

from typing import Any

import httpx

from mall.config import Settings
from models import Order, Sku
from tests.catalog_support import ADMIN, admin_headers, category, product
from tests.factories import assert_error, make_address, make_buyers

API = "/api/v1"


async def set_visible(
    client: httpx.AsyncClient, admin: dict[str, str], category_id: int, visible: bool, **fields: Any
) -> None:
    resp = await client.put(
        f"{ADMIN}/categories/{category_id}",
        json={"name": fields.get("name", "家居"), "visible": visible, **fields},
        headers=admin,
    )
    assert resp.status_code == 200, resp.text


async def test_a_product_under_a_hidden_parent_is_neither_shown_nor_sold(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    admin = await admin_headers(settings)
    parent = await category(client, admin, "家居")
    child = await category(client, admin, "厨具", parent_id=parent)
    pan = await product(client, admin, category_id=child, title="铁锅")
    pan_sku = pan["skus"][0]["id"]
    [(user, headers)] = await make_buyers(settings, 1)
    address_id = await make_address(user.id)
    order_body = {"items": [{"sku_id": pan_sku, "quantity": 1}], "address_id": address_id}

    # Shown and buyable: it goes in the cart.
    added = await client.post(
        f"{API}/cart/items", json={"sku_id": pan_sku, "quantity": 1}, headers=headers
    )
    assert added.status_code == 201, added.text
    cart_line = added.json()["items"][0]
    assert cart_line["available"] is True

    # The parent is hidden; the child itself stays visible.
    await set_visible(client, admin, parent, False)

    tree = (await client.get(f"{API}/categories")).json()
    assert tree == []
    assert (await client.get(f"{API}/products")).json()["total"] == 0
    assert_error(await client.get(f"{API}/products/{pan['id']}"), 404, "product_not_found")
    assert_error(await client.get(f"{API}/products", params={"category_id": child}), 404)

    cart = (await client.get(f"{API}/cart", headers=headers)).json()
    assert cart["items"][0]["available"] is False and cart["selected_amount"] == 0
    more = await client.post(
        f"{API}/cart/items", json={"sku_id": pan_sku, "quantity": 1}, headers=headers
    )
    assert_error(more, 409, "sku_unavailable")
    patched = await client.patch(
        f"{API}/cart/items/{cart_line['id']}", json={"quantity": 2}, headers=headers
    )
    assert_error(patched, 409, "sku_unavailable")
    preview = await client.post(f"{API}/checkout/preview", json=order_body, headers=headers)
    assert_error(preview, 409, "sku_unavailable")
    from_cart = await client.post(
        f"{API}/orders",
        json={"cart_item_ids": [cart_line["id"]], "address_id": address_id},
        headers=headers,
    )
    assert_error(from_cart, 409, "sku_unavailable")
    ordered = await client.post(f"{API}/orders", json=order_body, headers=headers)
    assert_error(ordered, 409, "sku_unavailable")
    assert not await Order.exists()
    assert (await Sku.get(id=pan_sku)).stock == 10

    # Shown again: everything is back at once.
    await set_visible(client, admin, parent, True)
    assert [c["id"] for c in (await client.get(f"{API}/categories")).json()] == [parent]
    assert (await client.get(f"{API}/products/{pan['id']}")).status_code == 200
    assert (await client.get(f"{API}/cart", headers=headers)).json()["items"][0]["available"]
    placed = await client.post(f"{API}/orders", json=order_body, headers=headers)
    assert placed.status_code == 201, placed.text


async def test_a_hidden_grandparent_hides_the_whole_branch(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    admin = await admin_headers(settings)
    top = await category(client, admin, "服饰", visible=False)
    middle = await category(client, admin, "男装", parent_id=top)
    leaf = await category(client, admin, "衬衫", parent_id=middle)
    shirt = await product(client, admin, category_id=leaf, title="衬衫")
    shown = await category(client, admin, "茶叶")
    tea = await product(client, admin, category_id=shown, title="龙井")
    [(_, headers)] = await make_buyers(settings, 1)

    listing = (await client.get(f"{API}/products")).json()
    assert [item["id"] for item in listing["items"]] == [tea["id"]]
    assert_error(await client.get(f"{API}/products/{shirt['id']}"), 404)
    refused = await client.post(
        f"{API}/cart/items", json={"sku_id": shirt["skus"][0]["id"], "quantity": 1}, headers=headers
    )
    assert_error(refused, 409, "sku_unavailable")
    accepted = await client.post(
        f"{API}/cart/items", json={"sku_id": tea["skus"][0]["id"], "quantity": 1}, headers=headers
    )
    assert accepted.status_code == 201, accepted.text
