"""Ways to get data and sessions into a test, through the API where the API can do it."""

from __future__ import annotations

import asyncio
import itertools
import time
import uuid
from typing import Any

import httpx

_codes = itertools.count(1)

ADMIN_PASSWORD = "correct-horse-battery"


def wx_code(name: str) -> str:
    """A fresh wx.login() code for person `name` (the simulator accepts each code once)."""
    return f"{name}:{next(_codes)}"


async def login(client: httpx.AsyncClient, name: str = "alice") -> dict[str, Any]:
    resp = await client.post("/api/v1/auth/wechat/login", json={"code": wx_code(name)})
    assert resp.status_code == 200, resp.text
    body: dict[str, Any] = resp.json()
    return body


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def make_admin(
    username: str = "root",
    *,
    password: str = ADMIN_PASSWORD,
    superuser: bool = True,
    permissions: list[str] | None = None,
) -> int:
    """An admin straight through the service (as `mall create-admin` does)."""
    from mall.admin import service
    from models import Role

    role_ids: list[int] = []
    if permissions is not None:
        role = await Role.create(name=f"role-{username}", permissions=permissions)
        role_ids = [role.id]
    admin = await service.create_admin(
        username=username, password=password, is_superuser=superuser, role_ids=role_ids
    )
    return admin.id


async def admin_login(
    client: httpx.AsyncClient, username: str = "root", password: str = ADMIN_PASSWORD
) -> dict[str, Any]:
    resp = await client.post(
        "/api/admin/auth/login", json={"username": username, "password": password}
    )
    assert resp.status_code == 200, resp.text
    body: dict[str, Any] = resp.json()
    return body


def assert_error(resp: httpx.Response, status: int, code: str | None = None) -> dict[str, Any]:
    """A non-2xx answer in the JSON envelope of API.md, with the expected status and code."""
    assert resp.status_code == status, (resp.status_code, resp.text)
    assert resp.headers["content-type"].startswith("application/json"), resp.headers
    body = resp.json()
    assert set(body) == {"error"}, body
    assert isinstance(body["error"]["code"], str) and body["error"]["message"], body
    if code is not None:
        assert body["error"]["code"] == code, body
    error: dict[str, Any] = body["error"]
    return error


async def make_product(
    *,
    title: str = "纯棉T恤",
    skus: list[tuple[dict[str, str], int, int]] | None = None,
    on_sale: bool = True,
    category_name: str = "服装",
) -> tuple[Any, list[Any]]:
    """A product on sale with SKUs given as (specs, price fen, stock); straight into the DB."""
    from models import Category, Product, Sku

    skus = skus or [({"颜色": "白", "尺码": "M"}, 4900, 10)]
    category, _ = await Category.get_or_create(name=category_name)
    product = await Product.create(
        title=title,
        category_id=category.id,
        on_sale=on_sale,
        cover="https://img.example.com/cover.png",
        spec_names=list(skus[0][0]),  # as the admin API records them
        min_price=min(price for _, price, _ in skus),
        max_price=max(price for _, price, _ in skus),
    )
    created = [
        await Sku.create(product_id=product.id, specs=specs, price=price, stock=stock)
        for specs, price, stock in skus
    ]
    return product, created


async def make_buyers(
    settings: Any, count: int, prefix: str = "buyer"
) -> list[tuple[Any, dict[str, str]]]:
    """Users with access tokens, issued by the auth service (no WeChat round trip)."""
    from mall.auth import service as auth_service
    from mall.auth.tokens import Audience
    from models import User

    users = await User.bulk_create([User(openid=f"o-{prefix}-{i}") for i in range(count)])
    users = await User.filter(openid__startswith=f"o-{prefix}-").order_by("id")
    result = []
    for user in users:
        pair = await auth_service.issue_pair(settings, subject=user.id, audience=Audience.USER)
        result.append((user, bearer(pair.access_token)))
    return result


ADDRESS = {
    "name": "张三",
    "phone": "13800138000",
    "province": "广东省",
    "city": "广州市",
    "district": "海珠区",
    "detail": "新港中路397号",
}


async def make_address(user_id: int) -> int:
    from models import Address

    address = await Address.create(user_id=user_id, is_default=True, **ADDRESS)
    return address.id


async def place_order(
    client: httpx.AsyncClient, headers: dict[str, str], address_id: int, sku_id: int
) -> dict[str, Any]:
    body = {"items": [{"sku_id": sku_id, "quantity": 1}], "address_id": address_id}
    resp = await client.post(
        "/api/v1/orders", json=body, headers={**headers, "Idempotency-Key": uuid.uuid4().hex}
    )
    assert resp.status_code == 201, resp.text
    order: dict[str, Any] = resp.json()
    return order


async def pay(
    client: httpx.AsyncClient, sim: httpx.AsyncClient, headers: dict[str, str], order: dict
) -> None:
    """The buyer pays as the mini-program does: prepay, then WeChat Pay notifies the mall."""
    resp = await client.post(f"/api/v1/orders/{order['id']}/pay", headers=headers)
    assert resp.status_code == 200, resp.text
    resp = await sim.post(f"/sim/pay/{order['order_no']}", json={"result": "SUCCESS"})
    assert resp.status_code == 200, resp.text
    await until_status(order["id"], "paid")


async def until_status(order_id: int, status: str, timeout: float = 5.0) -> None:
    from models import Order

    deadline = time.monotonic() + timeout
    while (await Order.get(id=order_id)).status != status:
        assert time.monotonic() < deadline, f"order {order_id} never became {status}"
        await asyncio.sleep(0.02)
