"""The storefront (categories, products, search, detail, banners) and catalogue admin."""

from __future__ import annotations

import asyncio
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from mall.catalog.storage import LocalStorage
from mall.config import Settings
from mall.runtime import Runtime
from tests.catalog_support import ADMIN, admin_headers, as_input, category, product, sku
from tests.factories import assert_error, bearer, login

API = "/api/v1"


async def test_storefront_shows_visible_on_sale_products(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    admin = await admin_headers(settings)
    clothes = await category(client, admin, "服饰", sort_order=2)
    men = await category(client, admin, "男装", parent_id=clothes)
    women = await category(client, admin, "女装", parent_id=clothes, visible=False)
    tea = await category(client, admin, "茶叶", sort_order=1)
    tee = await product(
        client, admin, category_id=men, title="纯棉圆领T恤", subtitle="新疆长绒棉 透气"
    )
    shirt = await product(
        client,
        admin,
        category_id=clothes,
        title="商务长袖衬衫",
        skus=[sku({"尺码": "40"}, 12900, 3), sku({"尺码": "41"}, 13900, 4)],
    )
    await product(client, admin, category_id=women, title="碎花连衣裙")  # hidden category
    await product(client, admin, category_id=men, title="下架的夹克", on_sale=False)
    longjing = await product(
        client, admin, category_id=tea, title="明前西湖龙井", skus=[sku({}, 26800, 40)]
    )

    tree = (await client.get(f"{API}/categories")).json()
    assert [node["name"] for node in tree] == ["茶叶", "服饰"]
    assert [child["name"] for child in tree[1]["children"]] == ["男装"]
    assert set(tree[0]) == {"id", "name", "icon_url", "children"}

    listing = (await client.get(f"{API}/products", params={"category_id": clothes})).json()
    assert {item["id"] for item in listing["items"]} == {tee["id"], shirt["id"]}
    assert listing["total"] == 2 and listing["page"] == 1 and listing["page_size"] == 20
    card = next(item for item in listing["items"] if item["id"] == shirt["id"])
    assert card["min_price"] == 12900 and card["stock"] == 7 and card["sales"] == 0
    assert card["cover_url"] == "https://img.example.com/a.png"
    everything = (await client.get(f"{API}/products")).json()
    assert [i["id"] for i in everything["items"]] == [longjing["id"], shirt["id"], tee["id"]]
    assert_error(
        await client.get(f"{API}/products", params={"category_id": women}),
        404,
        "category_not_found",
    )

    detail = (await client.get(f"{API}/products/{tee['id']}")).json()
    assert detail["title"] == "纯棉圆领T恤" and detail["category_id"] == men
    assert [s["specs"] for s in detail["skus"]] == [
        {"颜色": "红", "尺码": "M"},
        {"颜色": "蓝", "尺码": "M"},
    ]
    assert set(detail["skus"][0]) == {"id", "specs", "price", "stock"}
    assert detail["spec_options"] == [
        {"name": "颜色", "values": ["红", "蓝"]},
        {"name": "尺码", "values": ["M"]},
    ]
    assert detail["min_price"] == 4900 and detail["max_price"] == 5900 and detail["stock"] == 20
    hidden = await client.get(f"{API}/products/{tee['id'] + 2}")
    assert_error(hidden, 404, "product_not_found")  # the dress: its category is hidden
    assert_error(await client.get(f"{API}/products/{tee['id'] + 3}"), 404)  # off sale


async def test_search_sort_and_paging(client: httpx.AsyncClient, settings: Settings) -> None:
    admin = await admin_headers(settings)
    shop = await category(client, admin, "全部")
    titles = [
        ("纯棉圆领T恤", "夏季 男款", 5900),
        ("冰丝T恤 女", "凉感 速干", 7900),
        ("316不锈钢保温杯", "12小时保温", 8900),
        ("iPhone 15 Pro 手机壳", "磁吸 防摔", 3900),
        ("明前西湖龙井", "茶叶 250g", 26800),
    ]
    ids = {}
    for title, subtitle, price in titles:
        made = await product(
            client, admin, category_id=shop, title=title, subtitle=subtitle, skus=[sku({}, price)]
        )
        ids[title] = made["id"]

    async def search(**params: object) -> list[str]:
        resp = await client.get(f"{API}/products", params=params)
        assert resp.status_code == 200, resp.text
        return [item["title"] for item in resp.json()["items"]]

    assert set(await search(q="T恤")) == {"纯棉圆领T恤", "冰丝T恤 女"}
    assert await search(q="t恤 女") == ["冰丝T恤 女"]  # every keyword, any case
    assert await search(q="茶") == ["明前西湖龙井"]  # one Chinese character
    assert await search(q="保温") == ["316不锈钢保温杯"]  # two, in title or subtitle
    assert await search(q="速干") == ["冰丝T恤 女"]
    assert await search(q="IPHONE") == ["iPhone 15 Pro 手机壳"]
    assert await search(q="ｉｐｈｏｎｅ") == ["iPhone 15 Pro 手机壳"]  # full-width input
    assert await search(q="100%") == []  # LIKE wildcards are literal
    assert await search(q="_") == []
    by_price = await search(sort="price_asc")
    assert by_price[0] == "iPhone 15 Pro 手机壳" and by_price[-1] == "明前西湖龙井"
    assert (await search(sort="price_desc"))[0] == "明前西湖龙井"
    assert (await search(sort="newest"))[0] == "明前西湖龙井"
    assert len(await search(sort="sales")) == 5

    first = (await client.get(f"{API}/products", params={"page_size": 2})).json()
    third = (await client.get(f"{API}/products", params={"page_size": 2, "page": 3})).json()
    assert first["total"] == 5 and len(first["items"]) == 2
    assert third["total"] == 5 and len(third["items"]) == 1 and third["page"] == 3
    beyond = (await client.get(f"{API}/products", params={"page": 9})).json()
    assert beyond["items"] == [] and beyond["total"] == 5
    # Counting stops at a cap (the storefront's is 5,000); paging is exact.
    from mall.catalog.schemas import Sort
    from mall.catalog.search import ProductFilter, find_products

    rows, total = await find_products(
        ProductFilter(on_sale=True), sort=Sort.NEWEST, offset=0, limit=2, count_up_to=3
    )
    assert len(rows) == 2 and total == 3
    deepest = await client.get(f"{API}/products", params={"page": 50, "page_size": 100})
    assert deepest.status_code == 200
    # Past the first 5,000 matches a page is empty (the query never reads further); the
    # document states page <= 5000, and a page past that is refused naming the parameter.
    past = await client.get(f"{API}/products", params={"page": 51, "page_size": 100})
    assert past.status_code == 200 and past.json()["items"] == []
    too_deep = await client.get(f"{API}/products", params={"page": 5001, "page_size": 1})
    assert assert_error(too_deep, 422)["details"][0]["field"] == "page"


async def test_product_edit_matches_skus(client: httpx.AsyncClient, settings: Settings) -> None:
    admin = await admin_headers(settings)
    cat = await category(client, admin, "服饰")
    made = await product(
        client,
        admin,
        category_id=cat,
        skus=[
            sku({"颜色": "红"}, 4900, 5, code="TEE-R"),
            sku({"颜色": "蓝"}, 5900, 6, code="TEE-B"),
            sku({"颜色": "白"}, 6900, 7),
        ],
    )
    red, blue, white = made["skus"]
    assert made["min_price"] == 4900 and made["max_price"] == 6900 and made["stock"] == 18

    # Swap two SKUs' specs and codes in one edit, drop white, add black.
    body = as_input(made)
    body["skus"] = [
        {"id": red["id"], "specs": {"颜色": "蓝"}, "price": 4500, "code": "TEE-B"},
        {"id": blue["id"], "specs": {"颜色": "红"}, "price": 5900, "code": "TEE-R"},
        {"specs": {"颜色": "黑"}, "price": 9900, "stock": 2},
    ]
    edited = await client.put(f"{ADMIN}/products/{made['id']}", json=body, headers=admin)
    assert edited.status_code == 200, edited.text
    out = edited.json()
    assert [(s["id"], s["specs"]["颜色"], s["stock"]) for s in out["skus"]] == [
        (red["id"], "蓝", 5),
        (blue["id"], "红", 6),
        (out["skus"][2]["id"], "黑", 2),
    ]
    assert out["min_price"] == 4500 and out["max_price"] == 9900 and out["stock"] == 13

    # White comes back by its specs: the same SKU id, not a new one.
    body = as_input(out)
    body["skus"].append({"specs": {"颜色": "白"}, "price": 7000})
    again = (await client.put(f"{ADMIN}/products/{made['id']}", json=body, headers=admin)).json()
    revived = next(s for s in again["skus"] if s["specs"] == {"颜色": "白"})
    assert revived["id"] == white["id"] and revived["stock"] == 0 and len(again["skus"]) == 4

    # A SKU id of another product is not this product's.
    other = await product(client, admin, category_id=cat, title="别的")
    body["skus"][0]["id"] = other["skus"][0]["id"]
    err = assert_error(
        await client.put(f"{ADMIN}/products/{made['id']}", json=body, headers=admin), 422
    )
    assert err["details"][0]["field"] == "skus.0.id"
    # A code another product's live SKU uses.
    taken = as_input(other)
    taken["skus"][0]["code"] = "TEE-R"
    assert_error(
        await client.put(f"{ADMIN}/products/{other['id']}", json=taken, headers=admin),
        409,
        "sku_code_taken",
    )

    deleted = await client.delete(f"{ADMIN}/products/{made['id']}", headers=admin)
    assert deleted.status_code == 204
    assert_error(await client.get(f"{ADMIN}/products/{made['id']}", headers=admin), 404)
    assert_error(await client.get(f"{API}/products/{made['id']}"), 404)
    listed = (await client.get(f"{ADMIN}/products", headers=admin)).json()
    assert [p["id"] for p in listed["items"]] == [other["id"]]


async def test_bad_input_gets_the_error_envelope(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    admin = await admin_headers(settings)
    cat = await category(client, admin, "服饰")
    good = {"title": "T恤", "category_id": cat, "skus": [sku({"颜色": "红"}, 100)]}

    def with_sku(**changes: object) -> dict[str, object]:
        return {**good, "skus": [{**good["skus"][0], **changes}]}  # type: ignore[index]

    cases: list[dict[str, object]] = [
        with_sku(price=-1),
        with_sku(price="100"),
        with_sku(price=1.5),
        with_sku(stock=-3),
        with_sku(stock=True),
        with_sku(price=10**13),
        {**good, "skus": []},
        {**good, "skus": [sku({"颜色": "红"}, 100), sku({"颜色": "红"}, 200)]},
        {**good, "skus": [sku({"颜色": "红"}, 100), sku({"尺码": "M"}, 200)]},
        {**good, "skus": [sku({}, 100), sku({}, 200)]},
        {**good, "title": ""},
        {**good, "title": "x" * 121},
        {**good, "on_sale": "yes"},
        {**good, "images": ["javascript:alert(1)"]},
        {**good, "category_id": 10**30},
        {**good, "category_id": "abc"},
        {**good, "unknown": 1},
        {**good, "category_id": cat + 999},
    ]
    for body in cases:
        err = assert_error(await client.post(f"{ADMIN}/products", json=body, headers=admin), 422)
        assert err["details"], body
    assert_error(
        await client.post(f"{ADMIN}/products", content=b"{", headers=admin), 400, "malformed_json"
    )

    for params in (
        {"page_size": 10**6},
        {"page": 0},
        {"sort": "cheapest"},
        {"category_id": "x"},
        {"category_id": 10**20},
        {"q": "x" * 65},
    ):
        assert_error(await client.get(f"{API}/products", params=params), 422)
    assert_error(await client.get(f"{API}/products", params={"category_id": 999}), 404)
    for bad_id in ("0", "-1", "abc", "99999999999999999999999", "123456789"):
        assert_error(await client.get(f"{API}/products/{bad_id}"), 404)
        assert_error(await client.get(f"{ADMIN}/products/{bad_id}", headers=admin), 404)
        assert_error(
            await client.put(
                f"{ADMIN}/skus/{bad_id}/stock", json={"stock": 1, "reason": "x"}, headers=admin
            ),
            404,
        )
    assert_error(
        await client.post(
            f"{ADMIN}/categories", json={"name": "x", "parent_id": 424242}, headers=admin
        ),
        422,
    )
    assert_error(
        await client.post(f"{ADMIN}/banners", json={"image": "ftp://x"}, headers=admin), 422
    )
    assert_error(
        await client.post(
            f"{ADMIN}/banners",
            json={"image": "https://x/a.png", "link_type": "product", "link": "424242"},
            headers=admin,
        ),
        422,
    )
    window = {
        "image": "https://x/a.png",
        "starts_at": "2030-01-02T00:00:00+00:00",
        "ends_at": "2030-01-01T00:00:00+00:00",
    }
    assert_error(await client.post(f"{ADMIN}/banners", json=window, headers=admin), 422)
    naive = {"image": "https://x/a.png", "starts_at": "2030-01-02T00:00:00"}
    assert_error(await client.post(f"{ADMIN}/banners", json=naive, headers=admin), 422)


async def test_permissions(client: httpx.AsyncClient, settings: Settings) -> None:
    root = await admin_headers(settings)
    cat = await category(client, root, "服饰")
    made = await product(client, root, category_id=cat)
    reader = await admin_headers(settings, username="reader", permissions=["catalog.read"])
    editor = await admin_headers(settings, username="editor", permissions=["catalog.write"])

    assert (await client.get(f"{ADMIN}/products", headers=reader)).status_code == 200
    assert (await client.get(f"{ADMIN}/categories", headers=reader)).status_code == 200
    denied = await client.post(f"{ADMIN}/categories", json={"name": "x"}, headers=reader)
    err = assert_error(denied, 403, "permission_denied")
    assert err["details"]["permission"] == "catalog.write"
    assert_error(
        await client.put(
            f"{ADMIN}/skus/{made['skus'][0]['id']}/stock",
            json={"stock": 1, "reason": "盘点"},
            headers=editor,
        ),
        403,
    )
    assert_error(await client.post(f"{ADMIN}/uploads", headers=editor), 403)
    assert_error(await client.get(f"{ADMIN}/banners", headers=editor), 403)

    # An editor may edit a product but not change the stock of its existing SKUs.
    body = as_input(made)
    body["title"] = "改名"
    assert (
        await client.put(f"{ADMIN}/products/{made['id']}", json=body, headers=editor)
    ).status_code == 200
    body["skus"][0]["stock"] = 999
    assert_error(
        await client.put(f"{ADMIN}/products/{made['id']}", json=body, headers=editor),
        403,
        "permission_denied",
    )

    assert_error(await client.get(f"{ADMIN}/products"), 401)
    customer = bearer((await login(client, "alice"))["access_token"])
    assert_error(await client.get(f"{ADMIN}/products", headers=customer), 401)
    # The storefront needs no login.
    assert (await client.get(f"{API}/products/{made['id']}")).status_code == 200


async def test_category_rules(client: httpx.AsyncClient, settings: Settings) -> None:
    admin = await admin_headers(settings)
    a = await category(client, admin, "一级")
    b = await category(client, admin, "二级", parent_id=a)
    c = await category(client, admin, "三级", parent_id=b)
    d = await category(client, admin, "四级", parent_id=c)
    too_deep = await client.post(
        f"{ADMIN}/categories", json={"name": "五级", "parent_id": d}, headers=admin
    )
    assert assert_error(too_deep, 422)["details"][0]["type"] == "too_deep"
    cycle = await client.put(
        f"{ADMIN}/categories/{a}", json={"name": "一级", "parent_id": c}, headers=admin
    )
    assert assert_error(cycle, 422)["details"][0]["type"] == "category_cycle"
    assert_error(
        await client.put(
            f"{ADMIN}/categories/{a}", json={"name": "一级", "parent_id": a}, headers=admin
        ),
        422,
    )
    assert_error(
        await client.post(
            f"{ADMIN}/categories", json={"name": "二级", "parent_id": a}, headers=admin
        ),
        409,
        "category_name_taken",
    )
    assert_error(
        await client.delete(f"{ADMIN}/categories/{c}", headers=admin), 409, "category_not_empty"
    )
    made = await product(client, admin, category_id=d)
    assert_error(
        await client.delete(f"{ADMIN}/categories/{d}", headers=admin), 409, "category_not_empty"
    )

    # Hiding an ancestor hides the product at once (its cached detail included).
    assert (await client.get(f"{API}/products/{made['id']}")).status_code == 200
    hide = await client.put(
        f"{ADMIN}/categories/{b}",
        json={"name": "二级", "parent_id": a, "visible": False},
        headers=admin,
    )
    assert hide.status_code == 200 and hide.json()["visible"] is False
    assert_error(await client.get(f"{API}/products/{made['id']}"), 404)
    assert (await client.get(f"{API}/categories")).json() == [
        {"id": a, "name": "一级", "icon_url": "", "children": []}
    ]
    tree = (await client.get(f"{ADMIN}/categories", headers=admin)).json()
    assert tree[0]["children"][0]["visible"] is False
    assert tree[0]["children"][0]["children"][0]["children"][0]["product_count"] == 1

    await client.delete(f"{ADMIN}/products/{made['id']}", headers=admin)
    assert (await client.delete(f"{ADMIN}/categories/{d}", headers=admin)).status_code == 204
    assert_error(await client.get(f"{ADMIN}/categories/{d}", headers=admin), 404)


async def test_banners_show_inside_their_window(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    admin = await admin_headers(settings)
    now = datetime.now(UTC)

    async def banner(title: str, **fields: object) -> int:
        body = {"title": title, "image": "https://img.example.com/b.png", **fields}
        resp = await client.post(f"{ADMIN}/banners", json=body, headers=admin)
        assert resp.status_code == 201, resp.text
        banner_id: int = resp.json()["id"]
        return banner_id

    live = await banner("现在", sort_order=2, link_type="page", link="/pages/sale/index")
    first = await banner("置顶", sort_order=1, ends_at=(now + timedelta(hours=1)).isoformat())
    await banner("未来", starts_at=(now + timedelta(hours=1)).isoformat())
    await banner("过期", ends_at=(now - timedelta(seconds=1)).isoformat())
    await banner("停用", enabled=False)
    await banner("分类页", position="category")

    shown = (await client.get(f"{API}/banners", params={"position": "home"})).json()["items"]
    assert [b["id"] for b in shown] == [first, live]
    assert shown[1]["link_type"] == "page" and shown[1]["link"] == "/pages/sale/index"
    assert set(shown[0]) == {"id", "title", "image_url", "link_type", "link", "position"}
    assert len((await client.get(f"{API}/banners")).json()["items"]) == 3

    edit = {"title": "现在", "image": "https://img.example.com/b.png", "enabled": False}
    assert (
        await client.put(f"{ADMIN}/banners/{live}", json=edit, headers=admin)
    ).status_code == 200
    shown = (await client.get(f"{API}/banners", params={"position": "home"})).json()["items"]
    assert [b["id"] for b in shown] == [first]
    assert (await client.delete(f"{ADMIN}/banners/{first}", headers=admin)).status_code == 204
    assert (await client.get(f"{API}/banners", params={"position": "home"})).json()["items"] == []
    listing = (await client.get(f"{ADMIN}/banners", headers=admin)).json()
    assert listing["total"] == 5
    assert {b["title"]: b["active"] for b in listing["items"]}["分类页"] is True


async def test_every_write_is_audited(client: httpx.AsyncClient, settings: Settings) -> None:
    admin = await admin_headers(settings)
    cat = await category(client, admin, "服饰")
    made = await product(client, admin, category_id=cat)
    body = as_input(made)
    body["skus"][0]["price"] = 3900
    await client.put(f"{ADMIN}/products/{made['id']}", json=body, headers=admin)
    await client.post(f"{ADMIN}/products/{made['id']}/off-sale", headers=admin)
    await client.put(
        f"{ADMIN}/skus/{made['skus'][0]['id']}/stock",
        json={"stock": 3, "reason": "盘点"},
        headers=admin,
    )

    from models import AdminLog

    logs = await AdminLog.all().order_by("id")
    assert [log.action for log in logs] == [
        "category.create",
        "product.create",
        "product.update",
        "product.off_sale",
        "sku.stock_set",
    ]
    assert logs[2].detail["prices"] == {str(made["skus"][0]["id"]): [4900, 3900]}
    assert logs[4].detail["reason"] == "盘点" and logs[4].detail["previous"] == 10
    assert all(log.admin_username == "root" for log in logs)


async def test_demo_shop_seed_is_idempotent(
    client: httpx.AsyncClient, rt: Runtime, settings: Settings, tmp_path: Path
) -> None:
    from mall.catalog import demo
    from models import Banner, Category, Product, Sku

    storage, rt.images = rt.images, LocalStorage(tmp_path, base_url=settings.public_base_url)
    try:
        for _ in range(2):
            await demo.seed_shop(rt)
    finally:
        rt.images = storage
    assert await Category.all().count() == len(demo.CATEGORIES)
    assert await Product.all().count() == len(demo.PRODUCTS)
    assert await Banner.all().count() == 3
    skus = await Sku.all().count()
    assert skus > len(demo.PRODUCTS)

    listing = (await client.get(f"{API}/products", params={"page_size": 100})).json()
    assert listing["total"] == len(demo.PRODUCTS)
    assert all(item["cover_url"].startswith(settings.public_base_url) for item in listing["items"])
    assert len((await client.get(f"{API}/categories")).json()) == 4
    assert len((await client.get(f"{API}/banners")).json()["items"]) == 3
    tea = (await client.get(f"{API}/products", params={"q": "龙井"})).json()["items"]
    detail = (await client.get(f"{API}/products/{tea[0]['id']}")).json()
    assert detail["spec_options"] == [{"name": "规格", "values": ["250g", "500g"]}]
    assert [s["price"] for s in detail["skus"]] == [26800, 27800]
    assert len(await asyncio.to_thread(os.listdir, tmp_path)) >= 10  # real PNG files
