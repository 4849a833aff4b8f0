"""The OpenAPI document tells the truth, and requests are held to it strictly.

Bad input changes nothing: wrong JSON types are not coerced, blank query values are values,
a route that takes a body needs one, and no body a client can send is a 500.
"""

from __future__ import annotations

import logging
import re
from typing import Any

import httpx
import pytest
from openapi_spec_validator import validate

from tests.catalog_support import admin_headers
from tests.factories import ADDRESS, assert_error, bearer, login, make_buyers, make_product

ADMIN = "/api/admin"
API = "/api/v1"
MAX_ID = 2**63 - 1


@pytest.fixture
async def spec(client: httpx.AsyncClient) -> dict[str, Any]:
    body: dict[str, Any] = (await client.get("/docs/openapi.json")).json()
    return body


def _operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path, method, op)
        for path, item in spec["paths"].items()
        for method, op in item.items()
        if isinstance(op, dict) and "responses" in op
    ]


def _spec_path(route_path: str) -> str:
    return "/" + re.sub(r"<([a-z_]+)(:[^>]+)?>", r"{\1}", route_path)


# --- the document -------------------------------------------------------------------------


async def test_every_path_parameter_is_documented_as_the_router_reads_it(
    spec: dict[str, Any], app_server: Any
) -> None:
    validate(spec)
    labels = {
        (_spec_path(route.path), info.name): info.label
        for route in app_server.router.routes
        for info in route.params.values()
    }
    checked = 0
    for path, _, op in _operations(spec):
        for param in op.get("parameters", []):
            if param["in"] != "path":
                continue
            schema = param["schema"]
            assert schema.get("type") in ("integer", "string"), (path, param)
            if labels[(path, param["name"])] == "id":
                assert schema == {
                    "type": "integer",
                    "format": "int64",
                    "minimum": 1,
                    "maximum": MAX_ID,
                }, (path, param)
                assert "404" in op["responses"], path
            checked += 1
    assert checked >= 40  # every id route of both APIs


async def test_each_operation_names_the_token_audience_it_needs(spec: dict[str, Any]) -> None:
    schemes = spec["components"]["securitySchemes"]
    assert set(schemes) == {"customer", "admin"}
    assert all(s["type"] == "http" and s["scheme"] == "bearer" for s in schemes.values())
    secured = {}
    for path, method, op in _operations(spec):
        for requirement in op.get("security", []):
            assert set(requirement) <= set(schemes), (path, requirement)
        if op.get("security"):
            (audience,) = op["security"][0]
            secured[(method, path)] = audience
            assert {"401", "403"} <= set(op["responses"]), (method, path)
    assert secured[("get", "/api/admin/orders")] == "admin"
    assert secured[("get", "/ws/admin")] == "admin"
    assert secured[("get", "/api/v1/me")] == "customer"
    assert secured[("get", "/ws")] == "customer"
    assert all(a == "admin" for (_, p), a in secured.items() if p.startswith("/api/admin/"))
    assert all(a == "customer" for (_, p), a in secured.items() if p.startswith("/api/v1/"))
    # Logging in and refreshing take no bearer token
    assert ("post", "/api/admin/auth/login") not in secured
    assert ("post", "/api/v1/auth/refresh") not in secured


async def test_every_operation_documents_what_it_can_answer(spec: dict[str, Any]) -> None:
    error_ref = spec["paths"]["/api/v1/me"]["get"]["responses"]["401"]["content"]
    envelope = error_ref["application/json"]["schema"]
    assert envelope["required"] == ["error"]
    assert envelope["properties"]["error"]["required"] == ["code", "message", "details"]
    for path, method, op in _operations(spec):
        responses = op["responses"]
        assert "500" in responses, (method, path)
        for status, response in responses.items():
            if status == "204":
                assert "content" not in response, (method, path)
        if "requestBody" in op:
            assert "413" in responses, (method, path)
            assert op["requestBody"]["required"] is True, (method, path)
        # a query read by parse_query can be refused (WeChat's push signs its query instead)
        queried = any(p["in"] == "query" for p in op.get("parameters", []))
        if queried and path.startswith("/api") and path != "/api/v1/wechat/push":
            assert "422" in responses, (method, path)
    login_op = spec["paths"]["/api/v1/auth/wechat/login"]["post"]
    assert {"403", "422", "429", "502"} <= set(login_op["responses"])
    assert "unknown_id" in login_op["responses"]["422"]["description"]
    assert "Retry-After" in login_op["responses"]["429"]["headers"]
    assert "503" in spec["paths"]["/api/v1/orders/{order_id}/pay"]["post"]["responses"]


async def test_routes_that_are_not_json_operations_are_described(spec: dict[str, Any]) -> None:
    for path in ("/ws", "/ws/admin"):
        op = spec["paths"][path]["get"]
        assert {"101", "401", "426"} <= set(op["responses"])
        (token,) = [p for p in op["parameters"] if p["name"] == "token"]
        assert token["in"] == "query" and token["schema"] == {"type": "string"}
    assert "text/plain" in spec["paths"]["/metrics"]["get"]["responses"]["200"]["content"]
    assert "503" in spec["paths"]["/health/ready"]["get"]["responses"]
    upload = spec["paths"]["/api/admin/uploads"]["post"]
    form = upload["requestBody"]["content"]["multipart/form-data"]["schema"]
    assert form["properties"]["file"] == {"type": "string", "format": "binary"}
    assert "application/json" not in upload["requestBody"]["content"]
    image = spec["paths"]["/uploads/{name}"]["get"]["responses"]
    assert "image/png" in image["200"]["content"] and "304" in image
    for path in ("/api/v1/payments/wechat/notify", "/api/v1/payments/wechat/refund-notify"):
        op = spec["paths"][path]["post"]
        assert "security" not in op
        headers = {p["name"] for p in op["parameters"] if p["in"] == "header" and p["required"]}
        assert {"Wechatpay-Signature", "Wechatpay-Timestamp", "Wechatpay-Serial"} <= headers
        body = op["requestBody"]["content"]["application/json"]["schema"]
        assert "resource" in body["required"]
        assert "content" not in op["responses"]["204"]
        for status in ("400", "500"):
            fail = op["responses"][status]["content"]["application/json"]["schema"]
            assert fail["properties"]["code"]["enum"] == ["FAIL"]


async def test_rules_the_schema_can_state_are_stated(spec: dict[str, Any]) -> None:
    def body(path: str, method: str = "post") -> dict[str, Any]:
        schema: dict[str, Any] = spec["paths"][path][method]["requestBody"]["content"][
            "application/json"
        ]["schema"]
        return schema

    place = spec["paths"]["/api/v1/orders"]["post"]
    (key,) = [p for p in place["parameters"] if p["name"] == "Idempotency-Key"]
    assert key["in"] == "header" and key["required"] is False and key["description"]
    assert re.search(key["schema"]["pattern"], "4c1f-9a") and not re.search(
        key["schema"]["pattern"], "k" * 129
    )
    checkout = body("/api/v1/orders")
    # exactly one of the two given (null counts as not given)
    assert [(b["required"], b["properties"]) for b in checkout["oneOf"]] == [
        (["items"], {"items": {"type": "array"}}),
        (["cart_item_ids"], {"cart_item_ids": {"type": "array"}}),
    ]
    products = spec["paths"]["/api/v1/products"]["get"]["parameters"]
    page = next(p for p in products if p["name"] == "page")
    assert page["schema"]["maximum"] == 5000
    banner = body(f"{ADMIN}/banners")
    kinds = [branch["properties"]["link_type"]["enum"][0] for branch in banner["oneOf"]]
    assert sorted(kinds) == ["category", "none", "page", "product", "url"]
    coupon = body(f"{ADMIN}/coupons")
    fixed = coupon["allOf"][0]["oneOf"][0]
    assert fixed["properties"] == {"kind": {"enum": ["fixed"]}, "amount_off": {"minimum": 1}}
    role = body(f"{ADMIN}/roles")
    assert "orders.read" in role["properties"]["permissions"]["items"]["enum"]
    admin = body(f"{ADMIN}/admins")
    assert "72 bytes" in admin["properties"]["password"]["description"]
    assert body(f"{ADMIN}/settings", "patch")["minProperties"] == 1
    assert set(body(f"{ADMIN}/settings", "put")["required"]) == {
        "order_timeout_seconds",
        "auto_confirm_days",
        "low_stock_threshold",
        "freight_flat",
        "free_shipping_threshold",
    }
    # A name must have something besides white space, and no string may hold NUL
    name = re.compile(body(f"{API}/addresses")["properties"]["name"]["pattern"])
    assert name.search("张三") and not name.search("   ") and not name.search("\u3000")
    for path, _, op in _operations(spec):
        for media in op.get("requestBody", {}).get("content", {}).values():
            for pattern in _patterns(media["schema"]):
                assert not re.search(pattern, "a\x00b"), (path, pattern)


def _patterns(node: Any) -> list[str]:
    if isinstance(node, list):
        return [p for item in node for p in _patterns(item)]
    if not isinstance(node, dict):
        return []
    found = [node["pattern"]] if isinstance(node.get("pattern"), str) else []
    return found + [p for value in node.values() for p in _patterns(value)]


# --- 405 ----------------------------------------------------------------------------------


async def test_every_405_names_the_allowed_methods(
    client: httpx.AsyncClient, app_server: Any
) -> None:
    by_path: dict[str, set[str]] = {}
    for route in app_server.router.routes:
        if route.path.startswith(("api/", "ws", "health/", "uploads/")):
            by_path.setdefault(route.path, set()).update(route.methods)
    checked_with_params = 0
    for path, methods in by_path.items():
        url = "/" + re.sub(r"<[^>]+>", "7", path)
        if "<name:" in path:
            url = "/uploads/x.png"
        refused = next(m for m in ("PATCH", "PUT", "DELETE", "POST") if m not in methods)
        resp = await client.request(refused, url)
        assert_error(resp, 405, "method_not_allowed")
        allowed = {m.strip() for m in resp.headers["Allow"].split(",")}
        assert methods - {"OPTIONS", "HEAD"} <= allowed <= methods | {"HEAD", "OPTIONS"}, path
        checked_with_params += "<" in path
    assert checked_with_params >= 25


# --- strict bodies: no coercion, and nothing changes ------------------------------------------


async def test_wrong_json_types_are_refused_not_coerced(
    client: httpx.AsyncClient, settings: Any
) -> None:
    _, (sku,) = await make_product()
    [(_, headers)] = await make_buyers(settings, 1, prefix="strict")
    admin = await admin_headers(settings)

    cart = await client.post(
        f"{API}/cart/items", json={"sku_id": sku.id, "quantity": True}, headers=headers
    )
    assert assert_error(cart, 422)["details"][0]["field"] == "quantity"
    as_text = await client.post(
        f"{API}/cart/items", json={"sku_id": str(sku.id), "quantity": 1}, headers=headers
    )
    assert_error(as_text, 422)
    assert (await client.get(f"{API}/cart", headers=headers)).json()["items"] == []

    address = await client.post(
        f"{API}/addresses", json={**ADDRESS, "is_default": 0}, headers=headers
    )
    assert assert_error(address, 422)["details"][0]["field"] == "is_default"
    assert (await client.get(f"{API}/addresses", headers=headers)).json()["items"] == []

    staff = {"username": "clerk", "password": "long-enough-pw", "is_superuser": 0}
    assert_error(await client.post(f"{ADMIN}/admins", json=staff, headers=admin), 422)
    listed = (await client.get(f"{ADMIN}/admins", headers=admin)).json()
    assert "clerk" not in [a["username"] for a in listed["items"]]
    made = await client.post(
        f"{ADMIN}/admins", json={**staff, "is_superuser": False}, headers=admin
    )
    assert made.status_code == 201, made.text
    clerk = made.json()["id"]
    patched = await client.patch(f"{ADMIN}/admins/{clerk}", json={"is_superuser": 1}, headers=admin)
    assert_error(patched, 422)
    after = (await client.get(f"{ADMIN}/admins/{clerk}", headers=admin)).json()
    assert after["is_superuser"] is False

    # Strict does not mean JSON can no longer say a date or an enum
    ok = await client.post(
        f"{ADMIN}/banners",
        json={
            "image": "https://img.example.com/b.png",
            "link_type": "url",
            "link": "https://example.com/x",
            "starts_at": "2026-01-01T00:00:00+08:00",
        },
        headers=admin,
    )
    assert ok.status_code == 201, ok.text


async def test_a_route_that_takes_a_body_needs_one(
    client: httpx.AsyncClient, settings: Any
) -> None:
    admin = await admin_headers(settings)
    [(user, headers)] = await make_buyers(settings, 1, prefix="nobody")
    before = (await client.get(f"{ADMIN}/settings", headers=admin)).json()

    for empty in (b"", b"  \n"):
        resp = await client.put(f"{ADMIN}/settings", content=empty, headers=admin)
        assert assert_error(resp, 422)["details"][0]["field"] == "body"
    assert_error(await client.put(f"{ADMIN}/settings", json={}, headers=admin), 422)
    partial = await client.put(f"{ADMIN}/settings", json={"freight_flat": 0}, headers=admin)
    missing = {d["field"] for d in assert_error(partial, 422)["details"]}
    assert missing == set(before) - {
        "freight_flat",
        "subscribe_templates",  # settings added for WeChat: unchanged when left out
        "order_expiring_notice_seconds",
        "after_sale_days",  # added for after-sales: unchanged when left out
        "return_address",
        "flash_sale_timeout_seconds",  # added with flash sales, likewise
    }
    assert (await client.get(f"{ADMIN}/settings", headers=admin)).json() == before

    ban = await client.post(f"{ADMIN}/users/{user.id}/ban", headers=admin)
    assert_error(ban, 422)
    assert (await client.get(f"{API}/me", headers=headers)).status_code == 200  # not banned
    banned = await client.post(f"{ADMIN}/users/{user.id}/ban", json={}, headers=admin)
    assert banned.status_code == 200 and banned.json()["banned"] is True

    me = (await login(client, "patcher"))["access_token"]
    for body in (None, {}):
        patch = await client.patch(f"{API}/me", json=body, headers=bearer(me))
        assert_error(patch, 422)
    assert_error(await client.patch(f"{ADMIN}/settings", json={}, headers=admin), 422)
    assert_error(await client.patch(f"{ADMIN}/settings", headers=admin), 422)
    null = await client.patch(f"{ADMIN}/settings", json={"freight_flat": None}, headers=admin)
    assert_error(null, 422)
    assert (await client.get(f"{ADMIN}/settings", headers=admin)).json() == before


async def test_patch_settings_changes_only_what_is_sent_and_logs_it(
    client: httpx.AsyncClient, settings: Any
) -> None:
    admin = await admin_headers(settings)
    before = (await client.get(f"{ADMIN}/settings", headers=admin)).json()
    resp = await client.patch(
        f"{ADMIN}/settings", json={"freight_flat": 500, "auto_confirm_days": 7}, headers=admin
    )
    assert resp.status_code == 200, resp.text
    assert resp.json() == {**before, "freight_flat": 500}
    whole = {**before, "freight_flat": 600, "low_stock_threshold": 3}
    replaced = await client.put(f"{ADMIN}/settings", json=whole, headers=admin)
    assert replaced.status_code == 200 and replaced.json() == whole
    logs = (
        await client.get(f"{ADMIN}/logs", params={"action": "settings.update"}, headers=admin)
    ).json()["items"]
    assert [entry["detail"]["changes"] for entry in reversed(logs)] == [
        {"freight_flat": {"from": before["freight_flat"], "to": 500}},
        {
            "freight_flat": {"from": 500, "to": 600},
            "low_stock_threshold": {"from": before["low_stock_threshold"], "to": 3},
        },
    ]


# --- strict query strings -----------------------------------------------------------------


async def test_blank_or_mistyped_query_values_are_refused(
    client: httpx.AsyncClient, settings: Any
) -> None:
    admin = await admin_headers(settings)
    [(_, headers)] = await make_buyers(settings, 1, prefix="query")
    cases = [
        (f"{API}/orders?status=", headers, "status"),
        (f"{API}/orders?page=", headers, "page"),
        (f"{API}/orders?page=1.0", headers, "page"),
        (f"{API}/products?category_id=", None, "category_id"),
        (f"{API}/products?page_size=%201", None, "page_size"),
        (f"{ADMIN}/logs?until=0.5", admin, "until"),
        (f"{ADMIN}/logs?since=2026-01-01T00:00:00", admin, "since"),  # no offset
        (f"{ADMIN}/orders?date_to=0", admin, "date_to"),
        (f"{ADMIN}/orders?date_from=20260101", admin, "date_from"),
        # the first day there is: a day start in UTC before it used to overflow (a 500)
        (f"{ADMIN}/orders?date_from=0001-01-01", admin, "date_from"),
        (f"{ADMIN}/orders?date_to=9999-12-31", admin, "date_to"),
        (f"{ADMIN}/logs?since=0001-01-01T00:00:00%2B08:00", admin, "since"),
        (f"{ADMIN}/users?banned=1", admin, "banned"),
        (f"{ADMIN}/users?banned=", admin, "banned"),
    ]
    for url, auth, field in cases:
        err = assert_error(await client.get(url, headers=auth), 422)
        assert [d["field"] for d in err["details"]] == [field], url
    ok = await client.get(f"{ADMIN}/logs?since=2026-01-01T00:00:00%2B08:00", headers=admin)
    assert ok.status_code == 200, ok.text
    assert (await client.get(f"{ADMIN}/users?banned=false", headers=admin)).status_code == 200
    assert (await client.get(f"{API}/products?q=", headers=None)).status_code == 200


# --- no body is a 500 -----------------------------------------------------------------------


async def test_deep_and_odd_bodies_are_refused_cleanly(client: httpx.AsyncClient) -> None:
    url = f"{API}/auth/wechat/login"

    def nested(depth: int, leaf: str, *, arrays: bool = False) -> bytes:
        if arrays:
            return b'{"code": ' + b"[" * depth + leaf.encode() + b"]" * depth + b"}"
        return b'{"code": ' + b'{"a": ' * depth + leaf.encode() + b"}" * depth + b"}"

    # NUL at depth 1,000 used to exhaust Python's recursion in the NUL check (a 500)
    deep_nul = await client.post(url, content=nested(1000, '"\\u0000"'))
    assert assert_error(deep_nul, 422)["details"][0]["type"] == "nul_character"
    deep_key = await client.post(url, content=nested(900, '{"\\u0000": 1}'))
    assert_error(deep_key, 422)
    for body in (
        nested(1000, '"x"'),
        nested(1000, '"\\u0000"', arrays=True),
        nested(5000, '"\\u0000"'),
        nested(100_000, "1", arrays=True),
        b"[" * 50_000,
        b'"\\u0000"',
        b"[" + b"[]," * 10_000 + b"[]]",
    ):
        resp = await client.post(url, content=body)
        assert resp.status_code in (400, 413, 422), (resp.status_code, body[:40])
        assert_error(resp, resp.status_code)
    # query strings are flat: bracketed and repeated names are just unknown parameters
    weird = "&".join([f"a{'[x]' * 200}=1", *["page=2"] * 500, "q=%00"])
    assert_error(await client.get(f"{API}/products?{weird}"), 422)
    assert_error(await client.get(f"{API}/products?page={'9' * 400}"), 422)


async def test_a_multipart_upload_without_boundary_is_a_clean_422(
    client: httpx.AsyncClient, settings: Any, caplog: pytest.LogCaptureFixture
) -> None:
    admin = await admin_headers(settings)
    sanic_errors = logging.getLogger("sanic.error")
    sanic_errors.addHandler(caplog.handler)
    try:
        resp = await client.post(
            f"{ADMIN}/uploads",
            content=b"--x\r\nnot really\r\n--x--\r\n",
            headers={**admin, "Content-Type": "multipart/form-data"},
        )
        as_json = await client.post(f"{ADMIN}/uploads", json={"file": "x"}, headers=admin)
        malformed = await client.post(
            f"{ADMIN}/uploads",
            content=b"--x\r\nno header colon\r\n\r\nabc\r\n--x--\r\n",
            headers={**admin, "Content-Type": "multipart/form-data; boundary=x"},
        )
    finally:
        sanic_errors.removeHandler(caplog.handler)
    assert_error(resp, 422)
    assert_error(as_json, 422)
    assert_error(malformed, 400, "malformed_multipart")
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], caplog.records
