"""Health, metrics, docs, request ids, and the error envelope for anything a client sends."""

from __future__ import annotations

import logging

import httpx
from openapi_spec_validator import validate

from tests.factories import assert_error


async def test_health(client: httpx.AsyncClient) -> None:
    assert (await client.get("/health/live")).json() == {"status": "ok"}
    ready = await client.get("/health/ready")
    assert ready.status_code == 200 and ready.json()["status"] == "ok"


async def test_request_id_is_echoed_or_made(client: httpx.AsyncClient) -> None:
    resp = await client.get("/health/live", headers={"X-Request-ID": "abc-123"})
    assert resp.headers["X-Request-ID"] == "abc-123"
    made = await client.get("/health/live", headers={"X-Request-ID": "bad id\twith spaces"})
    assert made.headers["X-Request-ID"] != "bad id\twith spaces"
    assert len(made.headers["X-Request-ID"]) == 32


async def test_metrics_are_prometheus_text(client: httpx.AsyncClient) -> None:
    await client.get("/health/live")
    resp = await client.get("/metrics")
    assert resp.status_code == 200
    assert resp.headers["content-type"].startswith("text/plain")
    assert 'mall_http_requests_total{method="GET",route="health/live",status="200"}' in resp.text
    assert "mall_http_request_duration_seconds_bucket" in resp.text


async def test_openapi_is_valid_and_complete(client: httpx.AsyncClient, app_server) -> None:
    spec = (await client.get("/docs/openapi.json")).json()
    validate(spec)
    assert spec["openapi"].startswith("3.")
    schemes = spec["components"]["securitySchemes"]
    assert schemes["customer"]["scheme"] == schemes["admin"]["scheme"] == "bearer"
    documented = {(path, method.upper()) for path, ops in spec["paths"].items() for method in ops}
    api_routes = [
        route for route in app_server.router.routes if route.path.startswith(("api/", "health/"))
    ]
    for route in api_routes:
        path = "/" + route.path
        for method in route.methods - {"HEAD", "OPTIONS"}:
            spec_path = _openapi_path(path)
            assert (spec_path, method) in documented, (spec_path, method)
            op = spec["paths"][spec_path][method.lower()]
            if path.startswith("/api/"):
                assert op.get("responses"), (path, method)
                assert op.get("summary"), (path, method)
    login = spec["paths"]["/api/v1/auth/wechat/login"]["post"]
    schema = login["requestBody"]["content"]["application/json"]["schema"]
    assert "code" in schema["properties"]
    me = spec["paths"]["/api/v1/me"]["get"]
    assert me["security"] == [{"customer": []}]
    assert "phone" in me["responses"]["200"]["content"]["application/json"]["schema"]["properties"]


def _openapi_path(path: str) -> str:
    import re

    return re.sub(r"<([a-z_]+)(:[^>]+)?>", r"{\1}", path)


async def test_docs_render_from_local_assets(client: httpx.AsyncClient) -> None:
    page = await client.get("/docs")
    assert page.status_code == 200 and "SwaggerUIBundle" in page.text
    assert "http" not in page.text.split("<body>")[1].split("url:")[0]
    for asset in ("swagger-ui-bundle.js", "swagger-ui-standalone-preset.js", "swagger-ui.css"):
        resp = await client.get(f"/docs/assets/{asset}")
        assert resp.status_code == 200 and len(resp.content) > 10_000


async def test_unknown_route_and_method(client: httpx.AsyncClient) -> None:
    assert_error(await client.get("/nope"), 404, "not_found")
    assert_error(await client.get("/api/v1/nope"), 404, "not_found")
    assert_error(await client.delete("/health/live"), 405, "method_not_allowed")


async def test_malformed_and_oversize_bodies(client: httpx.AsyncClient, settings) -> None:
    url = "/api/v1/auth/wechat/login"
    assert_error(await client.post(url, content=b"{"), 400, "malformed_json")
    assert_error(await client.post(url, content=b"\xff\xfe"), 400, "malformed_json")
    assert_error(await client.post(url, json="just a string"), 422)
    assert_error(await client.post(url, json={}), 422, "validation_error")
    assert_error(await client.post(url, json={"code": 123}), 422)
    assert_error(await client.post(url, json={"code": "x" * 100_000}), 422)
    big = b'{"code": "' + b"a" * (settings.max_body_bytes + 10) + b'"}'
    assert_error(await client.post(url, content=big), 413, "payload_too_large")
    err = assert_error(await client.post(url, json={"code": None, "extra": 1}), 422)
    fields = {d["field"] for d in err["details"]}
    assert fields == {"code", "extra"}


async def test_a_nul_character_anywhere_is_422_not_500(client: httpx.AsyncClient) -> None:
    # PostgreSQL text cannot hold NUL: refused at the door, naming the field.
    login = await client.post("/api/v1/auth/wechat/login", json={"code": "a\u0000b"})
    assert_error(login, 422)
    assert login.json()["error"]["details"][0]["field"] == "code"
    nested = await client.post(
        "/api/v1/auth/wechat/login", json={"code": "alice", "extra": [{"x": "\u0000"}]}
    )
    assert_error(nested, 422)
    assert nested.json()["error"]["details"][0]["field"] == "extra.0.x"
    search = await client.get("/api/v1/products", params={"q": "T\u0000"})
    assert_error(search, 422)
    # the text of an escape is not a NUL
    escaped = await client.post("/api/v1/auth/wechat/login", json={"code": "\\u0000"})
    assert "nul_character" not in escaped.text


async def test_unhandled_error_is_500_with_request_id_and_no_traceback(caplog) -> None:
    from sanic import Sanic

    from mall import errors, observability

    app = Sanic("boom_app")
    errors.install(app)
    observability.install(app)

    @app.get("/boom")
    async def boom(request):
        raise RuntimeError("secret internals")

    # mall's loggers do not propagate to the root logger: listen on ours directly.
    errors_log = logging.getLogger("mall.errors")
    errors_log.addHandler(caplog.handler)
    try:
        _, resp = await app.asgi_client.get("/boom", headers={"X-Request-ID": "req-42"})
    finally:
        errors_log.removeHandler(caplog.handler)
    assert resp.status == 500
    assert resp.json == {
        "error": {
            "code": "internal_error",
            "message": "Internal server error",
            "details": {"request_id": "req-42"},
        }
    }
    assert "secret internals" not in resp.text and "Traceback" not in resp.text
    assert resp.headers["X-Request-ID"] == "req-42"
    logged = [r for r in caplog.records if r.name == "mall.errors"]
    assert logged and "req-42" in logged[0].getMessage() and logged[0].exc_info


def test_production_refuses_a_default_or_short_jwt_secret() -> None:
    import pytest

    from mall.app import create_app
    from mall.config import DEFAULT_JWT_SECRET, Settings

    for secret in (DEFAULT_JWT_SECRET, "short-secret"):
        with pytest.raises(RuntimeError, match="MALL_JWT_SECRET"):
            create_app(settings=Settings(env="production", jwt_secret=secret))
    # A long random secret is accepted (the app is built, not started).
    assert create_app(settings=Settings(env="production", jwt_secret="x" * 48)).name == "mall"


async def test_ready_while_starting_is_503_naming_what_is_not_ready(settings) -> None:
    # given an API whose socket is open before its start-up listeners have run
    from mall.app import create_app
    from tests.conftest import _free_port

    app = create_app(settings=settings)
    port = _free_port()
    server = await app.create_server(
        host="127.0.0.1", port=port, return_asyncio_server=True, access_log=False
    )
    assert server is not None
    await server.startup()
    try:
        # when a probe asks whether it is ready
        async with httpx.AsyncClient(timeout=5) as http:
            ready = await http.get(f"http://127.0.0.1:{port}/health/ready")
    finally:
        server.close()
        await server.wait_closed()

    # then: not yet, and why (not an error of the server's)
    assert ready.status_code == 503
    assert ready.json()["error"]["code"] == "not_ready"
    assert ready.json()["error"]["message"].startswith("Not ready: starting")
    assert ready.json()["error"]["details"] == {"runtime": "not open yet"}


async def test_home_leads_to_the_console_and_the_api_prefix_is_an_index(
    client: httpx.AsyncClient,
) -> None:
    home = await client.get("/", follow_redirects=False)
    assert home.status_code == 302 and home.headers["location"] == "/admin/"
    assert (await client.get("/", follow_redirects=True)).status_code == 200

    for prefix in ("/api/v1", "/api/v1/", "/api/admin"):
        index = await client.get(prefix)
        assert index.status_code == 200, prefix
        body = index.json()
        assert body["docs"] == "/docs" and body["console"] == "/admin/"
        for example in body["examples"]:
            assert (await client.get(example)).status_code == 200, example


class Recorder(logging.Handler):
    """Every record of a logger (and its children), whatever its level."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


async def test_a_client_that_hangs_up_is_a_499_not_a_500(client: httpx.AsyncClient, rt) -> None:
    # given an order request that waits in the process (its SKU's turn is taken)
    import asyncio
    import json
    import socket

    from models import Order
    from tests.factories import login, make_address, make_product

    _, (sku,) = await make_product()
    session = await login(client)
    address_id = await make_address(session["user"]["id"])
    body = json.dumps({"items": [{"sku_id": sku.id, "quantity": 1}], "address_id": address_id})
    mall_log, recorder = logging.getLogger("mall"), Recorder()
    level = mall_log.level
    mall_log.addHandler(recorder)
    mall_log.setLevel(logging.DEBUG)
    try:
        async with rt.sku_turns.turn([sku.id]):
            _, writer = await asyncio.open_connection("127.0.0.1", client.base_url.port)
            writer.write(
                (
                    "POST /api/v1/orders HTTP/1.1\r\nHost: x\r\n"
                    f"Authorization: Bearer {session['access_token']}\r\n"
                    "Content-Type: application/json\r\n"
                    f"Content-Length: {len(body.encode())}\r\n\r\n{body}"
                ).encode()
            )
            await writer.drain()
            for _ in range(250):  # until the request waits for the turn (a second user of it)
                if rt.sku_turns._locks[sku.id][1] == 2:
                    break
                await asyncio.sleep(0.02)
            # when the client hangs up before the answer
            writer.transport.get_extra_info("socket").setsockopt(
                socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00"
            )
            writer.close()
            for _ in range(250):
                if any("POST /api/v1/orders" in r.getMessage() for r in recorder.records):
                    break
                await asyncio.sleep(0.02)
    finally:
        mall_log.removeHandler(recorder)
        mall_log.setLevel(level)

    # then it is counted and logged as 499 (the client closed), not as an error of ours
    lines = [r for r in recorder.records if "POST /api/v1/orders" in r.getMessage()]
    assert [r.getMessage().split(" ")[2] for r in lines] == ["499"]
    assert lines[0].levelname == "INFO"
    assert not [r for r in recorder.records if r.levelno >= logging.ERROR]
    assert await Order.all().count() == 0
    metrics = (await client.get("/metrics")).text
    assert 'route="api/v1/orders",status="499"} 1.0' in metrics
    assert 'route="api/v1/orders",status="500"}' not in metrics


async def test_passing_health_probes_are_debug_and_other_requests_info(
    client: httpx.AsyncClient,
) -> None:
    access, recorder = logging.getLogger("mall.access"), Recorder()
    level = access.level
    access.addHandler(recorder)
    access.setLevel(logging.DEBUG)
    try:
        await client.get("/health/ready")
        await client.get("/health/live")
        await client.get("/api/v1/products")
    finally:
        access.removeHandler(recorder)
        access.setLevel(level)
    levels = {r.getMessage().split(" ")[1]: r.levelname for r in recorder.records}
    assert levels == {"/health/ready": "DEBUG", "/health/live": "DEBUG", "/api/v1/products": "INFO"}
