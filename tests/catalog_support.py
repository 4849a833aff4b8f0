"""Catalogue test data, made through the admin API the way the dashboard makes it."""

from __future__ import annotations

from typing import Any

import httpx

from mall.config import Settings
from tests.factories import bearer

ADMIN = "/api/admin"


async def admin_headers(
    settings: Settings, *, username: str = "root", permissions: list[str] | None = None
) -> dict[str, str]:
    """A staff token without the bcrypt round trip of a login (superuser unless
    permissions are given)."""
    from mall.auth import service as auth_service
    from mall.auth.tokens import Audience
    from models import Admin, Role

    admin = await Admin.create(
        username=username, password_hash="-", is_superuser=permissions is None
    )
    if permissions is not None:
        role = await Role.create(name=f"role-{username}", permissions=permissions)
        await admin.roles.add(role)
    pair = await auth_service.issue_pair(settings, subject=admin.id, audience=Audience.ADMIN)
    return bearer(pair.access_token)


async def category(
    client: httpx.AsyncClient, headers: dict[str, str], name: str, **fields: Any
) -> int:
    resp = await client.post(f"{ADMIN}/categories", json={"name": name, **fields}, headers=headers)
    assert resp.status_code == 201, resp.text
    category_id: int = resp.json()["id"]
    return category_id


def sku(specs: dict[str, str], price: int, stock: int = 10, **fields: Any) -> dict[str, Any]:
    return {"specs": specs, "price": price, "stock": stock, **fields}


async def product(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    *,
    category_id: int,
    title: str = "纯棉圆领T恤",
    skus: list[dict[str, Any]] | None = None,
    on_sale: bool = True,
    **fields: Any,
) -> dict[str, Any]:
    body = {
        "title": title,
        "category_id": category_id,
        "on_sale": on_sale,
        "images": ["https://img.example.com/a.png"],
        "skus": skus
        or [sku({"颜色": "红", "尺码": "M"}, 4900), sku({"颜色": "蓝", "尺码": "M"}, 5900)],
        **fields,
    }
    resp = await client.post(f"{ADMIN}/products", json=body, headers=headers)
    assert resp.status_code == 201, resp.text
    created: dict[str, Any] = resp.json()
    return created


def as_input(product_out: dict[str, Any]) -> dict[str, Any]:
    """An admin product response turned back into a PUT body (what an edit form sends)."""
    return {
        "title": product_out["title"],
        "subtitle": product_out["subtitle"],
        "category_id": product_out["category_id"],
        "description": product_out["description"],
        "images": product_out["images"],
        "cover": product_out["cover"],
        "on_sale": product_out["on_sale"],
        "skus": [
            {"id": s["id"], "specs": s["specs"], "price": s["price"], "code": s["code"]}
            for s in product_out["skus"]
        ],
    }


def metric(text: str, name: str, **labels: str) -> float:
    """One sample's value from Prometheus text (0 when absent)."""
    wanted = ",".join(f'{key}="{value}"' for key, value in sorted(labels.items()))
    for line in text.splitlines():
        if line.startswith(f"{name}{{{wanted}}} ") or (not labels and line.startswith(name + " ")):
            return float(line.rsplit(" ", 1)[1])
    return 0.0
