"""The permission matrix, built from the router table, so a new route is covered the day it
is added: every admin route names its permission and refuses an admin who lacks it (403);
every customer route that takes the id of something a customer owns refuses another
customer (404) and changes nothing."""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable
from typing import Any

import httpx
import pytest
import websockets
from sanic import Sanic
from sanic_routing.route import Route

from mall.admin.permissions import ALL_PERMISSIONS
from mall.auth.tokens import Audience
from mall.config import Settings
from models import Address, AfterSale, CartItem, Order, OrderStatus
from tests.catalog_support import admin_headers
from tests.factories import ADDRESS, make_address, make_buyers, make_product

MISSING = object()
ADMIN_PREFIX = "api/admin/"
CUSTOMER_PREFIX = "api/v1/"
# Admin routes without a token: the ones that hand tokens out (nobody holds a permission
# before logging in) and the API's index (where the docs and sockets are, nothing more).
ADMIN_PUBLIC_ROUTES = {"api/admin/auth/login", "api/admin/auth/refresh", "api/admin"}
# Routes any logged-in admin may call (about its own session); no other admin route may
# be without a permission.
ADMIN_SELF_ROUTES = {("GET", "api/admin/auth/me"), ("POST", "api/admin/auth/logout")}
# Path ids of what a customer owns, and ids of shop-wide things every customer may use.
OWNED_IDS = {"order_id", "address_id", "item_id", "after_sale_id"}
# A coupon template (claimable by any customer), a product (anyone may keep it), a group
# buy and its groups (shared to be joined).
SHARED_IDS = {"template_id", "product_id", "group_buy_id", "group_id"}
PARAM = re.compile(r"<([a-z_]+)(?::[a-z]+)?>")


def handler_of(route: Route) -> Callable[..., Any]:
    """The view function (websocket routes wrap it in a partial of Sanic's)."""
    handler = route.handler
    if isinstance(handler, functools.partial) and handler.args:
        handler = handler.args[0]
    return handler  # type: ignore[no-any-return]


def routes(app: Sanic, prefix: str) -> list[tuple[str, str, Route]]:
    found = []
    for route in app.router.routes:
        if route.path.startswith(prefix) or route.path == prefix.rstrip("/"):
            for method in sorted(route.methods - {"HEAD", "OPTIONS"}):
                found.append((method, route.path, route))
    return sorted(found, key=lambda item: (item[1], item[0]))


def fill(path: str, ids: dict[str, int]) -> str:
    """The path with each id parameter from IDS (1 for those not given)."""
    return "/" + PARAM.sub(lambda m: str(ids.get(m.group(1), 1)), path)


# --- staff ---------------------------------------------------------------------------------


async def test_every_admin_route_refuses_an_admin_without_its_permission(
    app_server: Sanic, client: httpx.AsyncClient, settings: Settings, base_url: str
) -> None:
    checked: list[str] = []
    undeclared: list[str] = []
    tokens: dict[str, dict[str, str]] = {}

    async def lacking(permission: str) -> dict[str, str]:
        # Every permission there is but this one: only the one missing can be the reason.
        if permission not in tokens:
            tokens[permission] = await admin_headers(
                settings,
                username=f"lacks-{permission.replace('.', '-')}",
                permissions=sorted(ALL_PERMISSIONS - {permission}),
            )
        return tokens[permission]

    for method, path, route in routes(app_server, ADMIN_PREFIX):
        if path in ADMIN_PUBLIC_ROUTES:
            continue
        handler = handler_of(route)
        permission = getattr(handler, "required_permission", MISSING)
        if permission is MISSING or (
            permission is None and (method, path) not in ADMIN_SELF_ROUTES
        ):
            undeclared.append(f"{method} /{path}")
            continue
        if permission is None:
            continue
        headers = await lacking(permission.value)
        resp = await client.request(method, fill(path, {}), json={}, headers=headers)
        assert resp.status_code == 403, (method, path, resp.status_code, resp.text)
        error = resp.json()["error"]
        assert error["code"] == "permission_denied", (method, path, error)
        assert error["details"] == {"permission": permission.value}, (method, path, error)
        checked.append(f"{method} /{path}")

    for method, path, route in routes(app_server, "ws/admin/"):
        permission = getattr(handler_of(route), "required_permission", MISSING)
        if permission is MISSING or permission is None:
            undeclared.append(f"{method} /{path}")
            continue
        token = (await lacking(permission.value))["Authorization"].split(" ", 1)[1]
        url = base_url.replace("http://", "ws://") + f"/{path}?token={token}"
        with pytest.raises(websockets.exceptions.InvalidStatus) as info:
            async with websockets.connect(url):
                pass
        assert info.value.response.status_code == 403, path
        error = json.loads(info.value.response.body)["error"]
        assert error["details"] == {"permission": permission.value}, (path, error)
        checked.append(f"{method} /{path}")

    assert not undeclared, f"admin routes without a permission: {undeclared}"
    # The matrix saw the routes it should: the admin API is not empty, the socket is in it.
    assert len(checked) > 40 and "GET /ws/admin" in checked, checked


def test_the_matrix_finds_an_admin_route_without_a_permission() -> None:
    from mall.admin.permissions import Permission
    from mall.auth.guards import admin_required

    async def view(request: Any) -> None: ...

    guarded = admin_required(Permission.ORDERS_READ)(view)
    assert getattr(guarded, "required_permission", MISSING) is Permission.ORDERS_READ
    assert getattr(view, "required_permission", MISSING) is MISSING  # unguarded: caught


# --- customers -----------------------------------------------------------------------------


async def test_every_customer_route_refuses_another_customers_ids(
    app_server: Sanic, client: httpx.AsyncClient, settings: Settings
) -> None:
    _, (sku,) = await make_product()
    (alice, alice_h), (_, bob_h) = await make_buyers(settings, 2)
    address_id = await make_address(alice.id)
    added = await client.post(
        "/api/v1/cart/items", json={"sku_id": sku.id, "quantity": 1}, headers=alice_h
    )
    item_id = added.json()["items"][0]["id"]
    placed = await client.post(
        "/api/v1/orders",
        json={"items": [{"sku_id": sku.id, "quantity": 1}], "address_id": address_id},
        headers=alice_h,
    )
    assert placed.status_code == 201, placed.text
    order = placed.json()
    # An after-sale of Alice's (straight into the database: her order is not paid).
    after_sale = await AfterSale.create(
        order_id=order["id"],
        user_id=alice.id,
        type="refund",
        state="pending",
        reason="不想要了",
        refund_amount=1,
        requested_by=f"user:{alice.id}",
    )
    alices = {
        "order_id": order["id"],
        "address_id": address_id,
        "item_id": item_id,
        "after_sale_id": after_sale.id,
    }
    # Bodies valid in every other way, so only ownership can refuse them.
    bodies: dict[tuple[str, str], dict[str, Any]] = {
        ("PUT", "api/v1/addresses/<address_id:id>"): dict(ADDRESS),
        ("PATCH", "api/v1/cart/items/<item_id:id>"): {"quantity": 1},
        ("POST", "api/v1/orders/<order_id:id>/refund"): {"reason": "不想要了"},
        ("POST", "api/v1/orders/<order_id:id>/reviews"): {
            "order_item_id": order["items"][0]["id"],
            "rating": 5,
        },
        ("POST", "api/v1/orders/<order_id:id>/after-sales"): {
            "type": "refund",
            "items": [{"order_item_id": order["items"][0]["id"], "quantity": 1}],
            "reason": "不想要了",
        },
        ("POST", "api/v1/after-sales/<after_sale_id:id>/return"): {
            "carrier_code": "SF",
            "tracking_no": "SF1234567890",
        },
    }

    checked: list[str] = []
    unclassified: list[str] = []
    for method, path, route in routes(app_server, CUSTOMER_PREFIX):
        params = set(PARAM.findall(path))
        if not params or getattr(handler_of(route), "required_audience", None) != Audience.USER:
            continue
        if params - OWNED_IDS - SHARED_IDS:
            unclassified.append(f"{method} /{path}: {sorted(params - OWNED_IDS - SHARED_IDS)}")
            continue
        if not params & OWNED_IDS:
            continue
        resp = await client.request(
            method, fill(path, alices), json=bodies.get((method, path), {}), headers=bob_h
        )
        assert resp.status_code == 404, (method, path, resp.status_code, resp.text)
        checked.append(f"{method} /{path}")

    assert not unclassified, f"say whether these ids are owned or shared: {unclassified}"
    assert len(checked) >= 10, checked
    # Nothing of Alice's changed.
    assert (await Order.get(id=order["id"])).status == OrderStatus.PENDING_PAYMENT
    assert await Address.exists(id=address_id, user_id=alice.id)
    assert (await CartItem.get(id=item_id)).quantity == 1
    assert (await AfterSale.get(id=after_sale.id)).state == "pending"
    assert await AfterSale.filter(order_id=order["id"]).count() == 1
    mine = await client.get(f"/api/v1/orders/{order['id']}", headers=alice_h)
    assert mine.status_code == 200
