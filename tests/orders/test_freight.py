"""Freight templates through the admin API, and checkout pricing freight by the address's
province and the SKUs' weight: free and excluded regions, the default template, and the
shop's flat settings when there is none."""

from __future__ import annotations

import time
from typing import Any

import httpx

from models import Address, AdminLog, Category, Order, Sku
from tests.catalog_support import admin_headers
from tests.factories import ADDRESS, assert_error, make_buyers, make_product

TEMPLATES = "/api/admin/freight-templates"
BY_WEIGHT: dict[str, Any] = {
    "name": "按重量",
    "charge_by": "weight",
    "rules": [
        {"regions": [], "first": 1000, "first_fee": 1000, "additional": 500, "additional_fee": 500},
        {
            "regions": ["新疆维吾尔自治区"],
            "first": 1000,
            "first_fee": 2000,
            "additional": 500,
            "additional_fee": 1000,
        },
    ],
    "free_rules": [{"regions": ["上海市", "江苏省", "浙江省"], "min_amount": 19900}],
    "excluded_regions": ["西藏自治区"],
}
BY_PIECE: dict[str, Any] = {
    "name": "按件",
    "charge_by": "piece",
    "rules": [
        {"regions": [], "first": 1, "first_fee": 600, "additional": 1, "additional_fee": 200}
    ],
    "free_rules": [{"min_quantity": 5}],
    "excluded_regions": ["新疆维吾尔自治区"],
    "is_default": True,
}


async def test_freight_templates_crud_validation_and_permissions(
    client: httpx.AsyncClient, settings
) -> None:
    admin = await admin_headers(settings)
    made = await client.post(TEMPLATES, json=BY_WEIGHT, headers=admin)
    assert made.status_code == 201, made.text
    weight = made.json()
    assert weight == weight | {**BY_WEIGHT, "is_default": False} | {
        "free_rules": [
            {"regions": ["上海市", "江苏省", "浙江省"], "min_amount": 19900, "min_quantity": None}
        ]
    }
    piece = (await client.post(TEMPLATES, json=BY_PIECE, headers=admin)).json()
    assert piece["is_default"] is True
    listed = (await client.get(TEMPLATES, headers=admin)).json()
    assert [t["id"] for t in listed["items"]] == [piece["id"], weight["id"]]
    assert listed["total"] == 2

    # one default at a time
    swapped = await client.put(
        f"{TEMPLATES}/{weight['id']}", json={**BY_WEIGHT, "is_default": True}, headers=admin
    )
    assert swapped.status_code == 200, swapped.text
    assert swapped.json()["is_default"] is True
    piece_now = (await client.get(f"{TEMPLATES}/{piece['id']}", headers=admin)).json()
    assert piece_now["is_default"] is False

    def broken(**changes: Any) -> dict[str, Any]:
        return {**BY_WEIGHT, **changes}

    rule = BY_WEIGHT["rules"][0]
    for body, kind in [
        (broken(rules=[{**rule, "regions": ["广东"]}]), "literal_error"),  # not a province
        (
            broken(rules=[{**rule, "regions": ["广东省"]}, {**rule, "regions": ["广东省"]}]),
            "inconsistent",
        ),
        (broken(rules=[rule, rule]), "inconsistent"),  # two catch-alls
        (broken(excluded_regions=["新疆维吾尔自治区"]), "inconsistent"),  # has a rule
        (broken(free_rules=[{"regions": []}]), "value_error"),  # no minimum
        (broken(charge_by="volume"), "literal_error"),
        (broken(rules=[{**rule, "additional": 0}]), "greater_than_equal"),
        (broken(rules=[]), "too_short"),
    ]:
        refused = await client.post(TEMPLATES, json=body, headers=admin)
        details = assert_error(refused, 422)["details"]
        assert kind in {d["type"] for d in details}, (body, details)

    # a product names its template; a template in use stays
    category = await Category.create(name="服饰")
    product = await client.post(
        "/api/admin/products",
        json={
            "title": "羽绒服",
            "category_id": category.id,
            "on_sale": True,
            "freight_template_id": piece["id"],
            "skus": [{"specs": {}, "price": 100, "weight": 1500}],
        },
        headers=admin,
    )
    assert product.status_code == 201, product.text
    assert product.json()["freight_template_id"] == piece["id"]
    assert product.json()["skus"][0]["weight"] == 1500
    # an edit that leaves them out (as an older console would) keeps template and weight
    made_product = product.json()
    edited = await client.put(
        f"/api/admin/products/{made_product['id']}",
        json={
            "title": "羽绒服 2026",
            "category_id": category.id,
            "on_sale": True,
            "skus": [{"id": made_product["skus"][0]["id"], "specs": {}, "price": 120}],
        },
        headers=admin,
    )
    assert edited.status_code == 200, edited.text
    assert edited.json()["freight_template_id"] == piece["id"]
    assert edited.json()["skus"][0]["weight"] == 1500
    cleared = await client.put(
        f"/api/admin/products/{made_product['id']}",
        json={
            "title": "羽绒服 2026",
            "category_id": category.id,
            "on_sale": True,
            "freight_template_id": None,
            "skus": [
                {"id": made_product["skus"][0]["id"], "specs": {}, "price": 120, "weight": 900}
            ],
        },
        headers=admin,
    )
    assert cleared.json()["freight_template_id"] is None
    assert cleared.json()["skus"][0]["weight"] == 900
    await client.put(
        f"/api/admin/products/{made_product['id']}",
        json={
            "title": "羽绒服 2026",
            "category_id": category.id,
            "on_sale": True,
            "freight_template_id": piece["id"],
            "skus": [{"id": made_product["skus"][0]["id"], "specs": {}, "price": 120}],
        },
        headers=admin,
    )
    unknown = await client.post(
        "/api/admin/products",
        json={
            "title": "x",
            "category_id": category.id,
            "freight_template_id": 999_999,
            "skus": [{"specs": {}, "price": 100}],
        },
        headers=admin,
    )
    assert_error(unknown, 422)
    in_use = await client.delete(f"{TEMPLATES}/{piece['id']}", headers=admin)
    assert assert_error(in_use, 409, "template_in_use")["details"] == {"products": 1}
    gone = await client.delete(f"{TEMPLATES}/{weight['id']}", headers=admin)
    assert gone.status_code == 204
    assert_error(await client.get(f"{TEMPLATES}/{weight['id']}", headers=admin), 404)
    assert await AdminLog.filter(action__startswith="freight_template.").count() == 4

    reader = await admin_headers(settings, username="reader", permissions=["settings.read"])
    assert (await client.get(TEMPLATES, headers=reader)).status_code == 200
    assert_error(await client.post(TEMPLATES, json=BY_PIECE, headers=reader), 403)


async def _buyer(settings, provinces: list[str]) -> tuple[dict[str, str], dict[str, int]]:
    [(user, headers)] = await make_buyers(settings, 1, prefix=f"ship{time.monotonic_ns()}")
    ids = {}
    for province in provinces:
        address = await Address.create(user_id=user.id, **(ADDRESS | {"province": province}))
        ids[province] = address.id
    return headers, ids


async def test_checkout_prices_freight_by_province_and_weight(
    client: httpx.AsyncClient, settings
) -> None:
    admin = await admin_headers(settings)
    weight = (await client.post(TEMPLATES, json=BY_WEIGHT, headers=admin)).json()
    _, (plain,) = await make_product(skus=[({"色": "白"}, 3900, 50)])  # names no template
    heavy_product, (heavy,) = await make_product(skus=[({"色": "黑"}, 10000, 50)])
    heavy_product.freight_template_id = weight["id"]
    await heavy_product.save()
    await Sku.filter(id=heavy.id).update(weight=1200)
    headers, address = await _buyer(
        settings, ["广东省", "新疆维吾尔自治区", "浙江省", "西藏自治区"]
    )

    async def preview(province: str, *lines: tuple[int, int]) -> httpx.Response:
        return await client.post(
            "/api/v1/checkout/preview",
            json={
                "items": [{"sku_id": sku, "quantity": q} for sku, q in lines],
                "address_id": address[province],
            },
            headers=headers,
        )

    async def freight(province: str, *lines: tuple[int, int]) -> int:
        resp = await preview(province, *lines)
        assert resp.status_code == 200, resp.text
        body = resp.json()
        assert body["pay_amount"] == body["goods_amount"] + body["freight_amount"]
        return int(body["freight_amount"])

    # no template of its own and no default: the shop's flat settings (800, free at 99 yuan)
    assert await freight("广东省", (plain.id, 1)) == 800
    assert await freight("广东省", (plain.id, 3)) == 0
    # by weight: 2 x 1200 g = 2400 g -> 1000 + 3 started 500 g steps x 500
    assert await freight("广东省", (heavy.id, 2)) == 2500
    assert await freight("新疆维吾尔自治区", (heavy.id, 2)) == 2000 + 3 * 1000
    assert await freight("广东省", (heavy.id, 1)) == 1000 + 500
    # free to Zhejiang from 199 yuan of this template's goods, not below
    assert await freight("浙江省", (heavy.id, 2)) == 0
    assert await freight("浙江省", (heavy.id, 1)) == 1500
    # two templates in one order: each group pays its own
    assert await freight("广东省", (heavy.id, 2), (plain.id, 1)) == 2500 + 800
    # not served: 409 naming the products; placing refuses too and takes no stock
    refused = await preview("西藏自治区", (heavy.id, 1), (plain.id, 1))
    error = assert_error(refused, 409, "region_not_served")
    assert error["details"] == {"province": "西藏自治区", "product_ids": [heavy_product.id]}
    placed = await client.post(
        "/api/v1/orders",
        json={"items": [{"sku_id": heavy.id, "quantity": 1}], "address_id": address["西藏自治区"]},
        headers=headers,
    )
    assert_error(placed, 409, "region_not_served")
    assert (await Sku.get(id=heavy.id)).stock == 50
    assert not await Order.exists()

    # a default template replaces the flat settings for products that name none
    piece = await client.post(TEMPLATES, json=BY_PIECE, headers=admin)
    assert piece.status_code == 201
    assert await freight("广东省", (plain.id, 3)) == 600 + 2 * 200
    assert await freight("广东省", (plain.id, 5)) == 0
    assert_error(await preview("新疆维吾尔自治区", (plain.id, 1)), 409, "region_not_served")
    assert await freight("新疆维吾尔自治区", (heavy.id, 1)) == 2000 + 1000

    # the order keeps what the preview showed
    order = await client.post(
        "/api/v1/orders",
        json={
            "items": [{"sku_id": heavy.id, "quantity": 2}, {"sku_id": plain.id, "quantity": 1}],
            "address_id": address["广东省"],
        },
        headers=headers,
    )
    assert order.status_code == 201, order.text
    assert order.json()["freight_amount"] == 2500 + 600


async def test_addresses_name_one_of_the_34_provinces(client: httpx.AsyncClient, settings) -> None:
    headers, _ = await _buyer(settings, [])
    for province in ("广东", "Guangdong", "火星省", ""):
        resp = await client.post(
            "/api/v1/addresses", json=ADDRESS | {"province": province}, headers=headers
        )
        assert_error(resp, 422)
    for province in ("内蒙古自治区", "香港特别行政区", "北京市", "台湾省"):
        resp = await client.post(
            "/api/v1/addresses", json=ADDRESS | {"province": province}, headers=headers
        )
        assert resp.status_code == 201, resp.text


async def test_concurrent_defaults_leave_exactly_one(client: httpx.AsyncClient, settings) -> None:
    import asyncio

    from models import FreightTemplate

    admin = await admin_headers(settings)
    made = [
        (await client.post(TEMPLATES, json={**BY_PIECE, "name": f"模板{i}"}, headers=admin)).json()
        for i in range(6)
    ]
    for round_ in range(3):
        answers = await asyncio.gather(
            *(
                client.put(
                    f"{TEMPLATES}/{t['id']}",
                    json={**BY_PIECE, "name": f"模板{i}-{round_}", "is_default": True},
                    headers=admin,
                )
                for i, t in enumerate(made)
            )
        )
        assert [a.status_code for a in answers] == [200] * len(made)
        assert await FreightTemplate.filter(is_default=True).count() == 1
