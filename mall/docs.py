"""OpenAPI 3 at /docs/openapi.json and a Swagger UI at /docs served from local files.

sanic-ext builds the document from the routes and the `doc()` decorations; `finish` then
states what sanic-ext cannot know: path ids as integers, which of the two token audiences an
operation needs, the statuses every operation shares, and the routes that are not JSON
operations (websockets, health, metrics, uploaded files).
"""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import orjson
from sanic import Request, Sanic
from sanic.response import HTTPResponse, json
from sanic_ext.extensions.openapi.builders import SpecificationBuilder
from swagger_ui_bundle import swagger_ui_path

from mall.web import ERROR_SCHEMA, MAX_ID, UNSTATED_RULES

DOCS_PAGE = Path(__file__).resolve().parent / "static" / "docs.html"
SPEC_ROUTE = "openapi.spec"

CUSTOMER = "customer"
ADMIN = "admin"
SECURITY_SCHEMES: dict[str, dict[str, Any]] = {
    CUSTOMER: {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
        "description": "A customer's access token (POST /api/v1/auth/wechat/login). "
        "Never accepted by the admin API.",
    },
    ADMIN: {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
        "description": "A staff member's access token (POST /api/admin/auth/login). "
        "Never accepted by the mini-program API.",
    },
}

# What each shared status means, as the response description.
STATUS_TEXT = {
    400: "Malformed request (malformed_json: the body is not JSON, or nested deeper than "
    "the parser reads)",
    401: "No token, or an expired, revoked or wrong-audience one (missing_token, "
    "invalid_token, token_revoked, ...)",
    403: "Not allowed: the account is banned (account_banned) or disabled (account_disabled), "
    "or the admin lacks the route's permission (forbidden)",
    404: "No such record, or one that belongs to someone else (not_found and kin)",
    409: "Conflicts with the current state (the code says which)",
    413: "Request body too large (payload_too_large)",
    422: "Validation failed (validation_error and kin): details lists each problem as "
    "{field, message, type}. Besides what the request schema states, these rules are "
    "checked, each with its own type: "
    + "; ".join(f"{kind}: {meaning}" for kind, meaning in UNSTATED_RULES.items())
    + ".",
    426: "A websocket route called without the websocket upgrade (upgrade_required)",
    429: "Rate limited (rate_limited); Retry-After says when to try again",
    500: "Internal error (internal_error); details.request_id is in the server log",
    502: "WeChat answered with an error (upstream_error)",
    503: "A service the request needs is unavailable (service_unavailable and kin)",
}

_RETRY_AFTER = {
    "Retry-After": {"description": "seconds to wait", "schema": {"type": "integer", "minimum": 1}}
}

ID_SCHEMA = {"type": "integer", "format": "int64", "minimum": 1, "maximum": MAX_ID}

_STATUS_OK = {
    "type": "object",
    "properties": {"status": {"type": "string", "enum": ["ok"]}},
    "required": ["status"],
}


def _error(status: int, description: str | None = None) -> dict[str, Any]:
    response: dict[str, Any] = {
        "description": description or STATUS_TEXT.get(status, "Error"),
        "content": {"application/json": {"schema": copy.deepcopy(ERROR_SCHEMA)}},
    }
    if status == 429:
        response["headers"] = copy.deepcopy(_RETRY_AFTER)
    return response


def _socket(audience: str) -> dict[str, dict[str, Any]]:
    channels = "user:<id> and product:<id>" if audience == CUSTOMER else "admin"
    return {
        "get": {
            "operationId": f"{audience}_socket",
            "summary": f"Websocket of {audience} events ({channels})",
            "description": "Open with a websocket client (GET with Upgrade: websocket). "
            "The server sends a welcome frame naming the channels, then events; the client "
            "sends subscribe, unsubscribe, resume and ping ops (see API.md). The access "
            "token goes in the `token` query parameter (browsers cannot set headers on a "
            "websocket) or the Authorization header; the query parameter wins when both "
            "are sent. A bad token refuses the handshake (401) or closes the socket with "
            "4401.",
            "tags": ["realtime"],
            "security": [{audience: []}],
            "parameters": [
                {
                    "name": "token",
                    "in": "query",
                    "required": False,
                    "description": f"the {audience} access token",
                    "schema": {"type": "string"},
                },
                {
                    "name": "resume",
                    "in": "query",
                    "required": False,
                    "description": "back after a drop: the last event id seen on the home "
                    "channel; what it missed is sent before any live event (a `resumed` "
                    "frame follows), or an `invalid_after` / `resume_too_old` error frame",
                    "schema": {"type": "string", "pattern": "^[0-9]{1,20}-[0-9]{1,20}$"},
                },
            ],
            "responses": {
                "101": {"description": "Switching Protocols: the websocket is open"},
                "401": _error(401),
                "403": _error(403),
                "422": _error(422, "resume is not an event id (invalid_after)"),
                "426": _error(426),
                "429": _error(
                    429,
                    "Too many open websockets for this account or address "
                    "(too_many_sockets); Retry-After says when to try again",
                ),
                "500": _error(500),
            },
        }
    }


_IMAGE = {"schema": {"type": "string", "format": "binary"}}

SPECIAL_PATHS: dict[str, dict[str, Any]] = {
    "/uploads/{name}": {
        "get": {
            "operationId": "uploaded_file",
            "summary": "An uploaded image (named by its content hash: cache it forever)",
            "tags": ["uploads"],
            "parameters": [
                {
                    "name": "name",
                    "in": "path",
                    "required": True,
                    "description": "the name POST /api/admin/uploads gave (other names: 404)",
                    "schema": {"type": "string", "minLength": 1, "pattern": "^[^/\\x00]+$"},
                },
                {
                    "name": "If-None-Match",
                    "in": "header",
                    "required": False,
                    "description": "the ETag of a copy the client has",
                    "schema": {"type": "string"},
                },
            ],
            "responses": {
                "200": {
                    "description": "The image",
                    "headers": {
                        "ETag": {"schema": {"type": "string"}},
                        "Cache-Control": {"schema": {"type": "string"}},
                    },
                    "content": {
                        "image/jpeg": _IMAGE,
                        "image/png": _IMAGE,
                        "image/gif": _IMAGE,
                        "image/webp": _IMAGE,
                    },
                },
                "304": {"description": "Not modified: the client's copy is current"},
                "404": _error(404),
                "500": _error(500),
            },
        }
    },
    "/ws": _socket(CUSTOMER),
    "/ws/admin": _socket(ADMIN),
    "/health/live": {
        "get": {
            "operationId": "health_live",
            "summary": "Liveness: the process answers",
            "tags": ["service"],
            "responses": {
                "200": {
                    "description": "Alive",
                    "content": {"application/json": {"schema": _STATUS_OK}},
                },
                "500": _error(500),
            },
        }
    },
    "/health/ready": {
        "get": {
            "operationId": "health_ready",
            "summary": "Readiness: PostgreSQL and Redis answer",
            "tags": ["service"],
            "responses": {
                "200": {
                    "description": "Ready",
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "properties": {
                                    "status": {"type": "string", "enum": ["ok"]},
                                    "postgres": {"type": "string", "enum": ["ok"]},
                                    "redis": {"type": "string", "enum": ["ok"]},
                                },
                                "required": ["status", "postgres", "redis"],
                            }
                        }
                    },
                },
                "503": _error(
                    503,
                    "Not ready (not_ready): details maps each server that is down "
                    "(postgres, redis) to why",
                ),
                "500": _error(500),
            },
        }
    },
    "/metrics": {
        "get": {
            "operationId": "metrics",
            "summary": "Prometheus metrics of this process (text exposition format 0.0.4)",
            "tags": ["service"],
            "responses": {
                "200": {
                    "description": "Metrics",
                    "content": {"text/plain": {"schema": {"type": "string"}}},
                },
                "500": _error(500),
            },
        }
    },
}


def install(app: Sanic) -> None:
    """Configure sanic-ext's spec and replace its CDN-based UIs; serve the finished spec."""
    # sanic-ext's UIs load their JavaScript from a CDN. Its page slot is reused with our
    # own page (Swagger UI from the swagger-ui-bundle wheel, served below), and its
    # swagger slot, whose OAuth2 redirect page is fetched from a CDN, is turned off.
    app.config.OAS_UI_DEFAULT = "redoc"
    app.config.OAS_UI_REDOC = True
    app.config.OAS_PATH_TO_REDOC_HTML = str(DOCS_PAGE)
    app.config.OAS_URI_TO_REDOC = "/ui"
    app.config.OAS_UI_SWAGGER = False
    app.config.OAS_URI_TO_JSON = "/openapi.json"
    app.config.OAS_URL_PREFIX = "/docs"
    app.config.OAS_IGNORE_HEAD = True
    app.config.OAS_IGNORE_OPTIONS = True
    app.ext.openapi.describe(
        "mall API",
        version="1.0.0",
        description="REST API of the mall WeChat mini-program shop and its admin. Every "
        "response that is not 2xx (the WeChat Pay callbacks excepted) is the JSON error "
        'envelope {"error": {"code", "message", "details"}}. Request bodies are JSON '
        "objects validated strictly: no type is coerced into another (true is not 1, "
        '"5" is not 5), strings are taken as sent, and a route that takes a body needs '
        "one. Query values are read as the type their parameter states; an empty value "
        "is a value like any other (422 when it does not fit).",
    )
    app.static("/docs/assets", str(swagger_ui_path), name="docs_assets")

    @app.on_request(priority=90)  # type: ignore[call-arg]
    async def serve_finished_spec(request: Request) -> HTTPResponse | None:
        # sanic-ext serves the document it built; this answers that route with the
        # finished one, built once per process.
        route = request.route
        if route is None or not route.name.endswith(SPEC_ROUTE):
            return None
        finished = getattr(request.app.ctx, "openapi_spec", None)
        if finished is None:
            built = SpecificationBuilder().build(request.app).serialize()
            finished = request.app.ctx.openapi_spec = finish(built, request.app)
        return json(finished)


def finish(spec: dict[str, Any], app: Sanic) -> dict[str, Any]:
    """The document sanic-ext built, completed with what only the app knows."""
    # A JSON round trip: a deep copy with every key a string, as the client will see it.
    spec = orjson.loads(orjson.dumps(spec, option=orjson.OPT_NON_STR_KEYS))
    spec.setdefault("components", {})["securitySchemes"] = copy.deepcopy(SECURITY_SCHEMES)
    spec.pop("security", None)
    params = _path_params(app)
    paths: dict[str, Any] = {}
    for path, item in sorted(spec.get("paths", {}).items()):
        if path in SPECIAL_PATHS:
            paths[path] = copy.deepcopy(SPECIAL_PATHS[path])
            continue
        for method, op in item.items():
            if isinstance(op, dict):
                _finish_operation(path, method, op, params.get(path, {}))
        paths[path] = item
    spec["paths"] = paths
    return spec


def _finish_operation(
    path: str, method: str, op: dict[str, Any], params: dict[str, dict[str, Any]]
) -> None:
    responses: dict[str, Any] = op.setdefault("responses", {})
    # Path parameters as the router reads them (sanic-ext cannot read a custom pattern).
    for param in op.get("parameters", []):
        if param.get("in") == "path" and param.get("name") in params:
            param["schema"] = copy.deepcopy(params[param["name"]])
    if any(param.get("in") == "path" for param in op.get("parameters", [])):
        responses.setdefault("404", _error(404))
    # One bearer scheme per audience, chosen by the API the route belongs to.
    if op.get("security"):
        audience = ADMIN if path.startswith("/api/admin/") else CUSTOMER
        # A public route that reads a token when sent also lists the empty requirement.
        optional: list[dict[str, list[str]]] = [{}] if {} in op["security"] else []
        op["security"] = [{audience: []}, *optional]
    for status, response in list(responses.items()):
        if status == "204":
            response.pop("content", None)
            response["description"] = response.get("description") or "No content"
        elif status.isdigit() and int(status) >= 400:
            content = response.get("content", {})
            if (
                "application/json" in content
                and content["application/json"].get("schema") == ERROR_SCHEMA
            ):
                described = _error(int(status))
                if response.get("description") not in (None, "", "Error"):
                    described["description"] = response["description"]
                responses[status] = described
    if "requestBody" in op:
        responses.setdefault("413", _error(413))
    responses.setdefault("500", _error(500))
    op["responses"] = dict(sorted(responses.items()))


_PARAM = re.compile(r"<([A-Za-z_][A-Za-z0-9_]*)(?::([^>]+))?>")


def _path_params(app: Sanic) -> dict[str, dict[str, dict[str, Any]]]:
    """Each documented path's parameters as schemas, from the router's own types."""
    found: dict[str, dict[str, dict[str, Any]]] = {}
    for route in app.router.routes:
        path = "/" + _PARAM.sub(lambda m: "{" + m.group(1) + "}", route.path)
        for info in route.params.values():
            found.setdefault(path, {})[info.name] = _param_schema(info.label)
    return found


def _param_schema(label: str) -> dict[str, Any]:
    if label == "id":
        return dict(ID_SCHEMA)
    if label == "int":
        return {"type": "integer"}
    schema: dict[str, Any] = {"type": "string", "minLength": 1, "pattern": "^[^/\\x00]+$"}
    return schema
