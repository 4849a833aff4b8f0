"""Review images are images this shop stored, a few short URLs at most: anything else
(a javascript: URL, someone else's site, a 200 KB string, a made-up upload name) is 422."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from mall.catalog.demo import gradient_png
from mall.catalog.storage import LocalStorage
from mall.config import Settings
from mall.runtime import Runtime
from models import Product, Review, User
from tests.catalog_support import admin_headers as staff_headers
from tests.factories import assert_error, make_product
from tests.orders.test_admin_orders import paid_order


@pytest.fixture
def upload_dir(rt: Runtime, settings: Settings, tmp_path: Path) -> Iterator[Path]:
    previous = rt.images
    rt.images = LocalStorage(tmp_path, base_url=settings.public_base_url)
    yield tmp_path
    rt.images = previous


async def completed_order(client: httpx.AsyncClient, settings: Settings, admin: dict) -> tuple:
    _, (sku,) = await make_product()
    order, headers = await paid_order(client, settings, sku.id, "reviewer")
    shipped = await client.post(
        f"/api/admin/orders/{order['id']}/ship",
        json={"carrier_code": "SF", "tracking_no": "SF1234567890"},
        headers=admin,
    )
    assert shipped.status_code == 200, shipped.text
    confirmed = await client.post(f"/api/v1/orders/{order['id']}/confirm", headers=headers)
    return order["id"], confirmed.json()["items"][0]["id"], headers


async def test_review_images_must_be_uploads_of_this_shop(
    client: httpx.AsyncClient, settings: Settings, upload_dir: Path
) -> None:
    admin = await staff_headers(settings)
    png = gradient_png(8, 8, (1, 2, 3), (4, 5, 6))
    upload = await client.post(
        "/api/admin/uploads", files={"file": ("a.png", png, "image/png")}, headers=admin
    )
    assert upload.status_code == 201, upload.text
    stored = upload.json()
    order_id, item_id, headers = await completed_order(client, settings, admin)
    url = f"/api/v1/orders/{order_id}/reviews"

    def body(images: object) -> dict:
        return {"order_item_id": item_id, "rating": 5, "images": images}

    refused = {
        "javascript": ["javascript:alert(document.cookie)"],
        "elsewhere": ["https://evil.example.com/a.png"],
        "made_up_upload": [f"{settings.public_base_url}/uploads/{'a' * 64}.png"],
        "traversal": [stored["url"].replace("/uploads/", "/uploads/../")],
        "long": ["x" * 200_000],
        "too_many": [stored["url"]] * 10,
    }
    for case, images in refused.items():
        resp = await client.post(url, json=body(images), headers=headers)
        assert resp.status_code == 422, (case, resp.text)
        if case in ("javascript", "elsewhere", "made_up_upload", "traversal"):
            error = assert_error(resp, 422, "invalid_image")
            assert error["details"][0]["field"] == "images.0", error
    assert not await Review.exists()

    made = await client.post(url, json=body([stored["url"], stored["path"]]), headers=headers)
    assert made.status_code == 201, made.text
    assert made.json()["images"] == [stored["url"], stored["url"]]
    review = await Review.get(id=made.json()["id"])
    assert review.images == [stored["url"], stored["url"]]


async def test_staff_see_each_review_with_its_product_title_and_customer(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    admin = await staff_headers(settings)
    order_id, item_id, headers = await completed_order(client, settings, admin)
    made = await client.post(
        f"/api/v1/orders/{order_id}/reviews",
        json={"order_item_id": item_id, "rating": 5, "content": "很好"},
        headers=headers,
    )
    assert made.status_code == 201, made.text
    review = await Review.get(id=made.json()["id"])
    await Product.filter(id=review.product_id).update(title="改名后的商品")
    await User.filter(id=review.user_id).update(nickname="小红", avatar_url="https://a.example/1")

    listed = await client.get("/api/admin/reviews", headers=admin)
    one = await client.get(f"/api/admin/reviews/{review.id}", headers=admin)
    for shown in (listed.json()["items"][0], one.json()):
        assert shown["id"] == review.id
        assert shown["product_title"] == "改名后的商品"
        assert shown["author"] == {"nickname": "小红", "avatar_url": "https://a.example/1"}
