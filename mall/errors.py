"""One error tree and the one handler that renders every error as the JSON envelope."""

from __future__ import annotations

import logging
from typing import Any

import redis.exceptions
from sanic import Request, Sanic
from sanic.exceptions import RequestCancelled, SanicException
from sanic.response import HTTPResponse, json

from mall import pg

log = logging.getLogger("mall.errors")


class MallError(Exception):
    """Base of every error a client may see; subclasses declare status and code."""

    status = 400
    code = "bad_request"
    message = "Bad request"
    headers: dict[str, str] | None = None

    def __init__(
        self,
        message: str | None = None,
        *,
        code: str | None = None,
        details: Any = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.message = message or self.message
        self.code = str(code) if code else self.code
        self.details = details
        self.headers = headers
        super().__init__(self.message)


class BadRequest(MallError):
    status, code, message = 400, "bad_request", "Malformed request"


class Unauthorized(MallError):
    status, code, message = 401, "unauthorized", "Authentication required"


class Forbidden(MallError):
    status, code, message = 403, "forbidden", "Not allowed"


class NotFound(MallError):
    status, code, message = 404, "not_found", "Not found"


class Conflict(MallError):
    status, code, message = 409, "conflict", "Conflict with the current state"


class PayloadTooLarge(MallError):
    status, code, message = 413, "payload_too_large", "Request body too large"


class ValidationFailed(MallError):
    status, code, message = 422, "validation_error", "Request validation failed"


class UpgradeRequired(MallError):
    status, code, message = 426, "upgrade_required", "Open this route with a websocket client"


class RateLimited(MallError):
    status, code, message = 429, "rate_limited", "Too many requests"

    def __init__(
        self, retry_after: int, message: str | None = None, *, code: str | None = None
    ) -> None:
        super().__init__(
            message,
            code=code,
            details={"retry_after": retry_after},
            headers={"Retry-After": str(retry_after)},
        )


class UpstreamError(MallError):
    status, code, message = 502, "upstream_error", "An upstream service failed"


class ServiceUnavailable(MallError):
    status, code, message = 503, "service_unavailable", "Service unavailable"


# Sanic's own exceptions (routing, body parsing, size limits) mapped onto our codes.
_SANIC_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    408: "request_timeout",
    413: "payload_too_large",
    416: "range_not_satisfiable",
    417: "expectation_failed",
    426: "upgrade_required",
    429: "rate_limited",
    503: "service_unavailable",
}


def unavailable_server(exc: BaseException) -> str | None:
    """The dependency an exception says is down ("Redis", "PostgreSQL"), or None for any
    other error."""
    if pg.is_unavailable(exc):
        return "PostgreSQL"
    if isinstance(exc, redis.exceptions.ConnectionError | redis.exceptions.TimeoutError):
        return "Redis"
    if isinstance(exc, redis.exceptions.ClusterDownError | redis.exceptions.ReadOnlyError):
        return "Redis"
    if isinstance(exc, redis.exceptions.BusyLoadingError | redis.exceptions.TryAgainError):
        return "Redis"
    if isinstance(exc, redis.exceptions.RedisClusterException):
        return "Redis"
    return None


def error_body(code: str, message: str, details: Any = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "details": details}}


def render_error(request: Request, exc: Exception) -> HTTPResponse:
    """The single place an exception becomes an HTTP response."""
    request_id = str(getattr(request.ctx, "request_id", "") or "-")
    if isinstance(exc, MallError):
        return json(
            error_body(exc.code, exc.message, exc.details), status=exc.status, headers=exc.headers
        )
    if isinstance(exc, SanicException) and exc.status_code < 500:
        status = exc.status_code
        code = _SANIC_CODES.get(status, "bad_request")
        message = str(exc) or code.replace("_", " ")
        if status == 400 and "json" in message.lower():
            code, message = "malformed_json", "The request body is not valid JSON"
        headers = dict(getattr(exc, "headers", None) or {})
        if status == 405 and "Allow" not in headers:
            headers["Allow"] = _allowed_methods(request)
        return json(error_body(code, message), status=status, headers=headers)
    if isinstance(exc, SanicException) and exc.status_code == 503:
        return json(error_body("service_unavailable", str(exc)), status=503)
    if (server := unavailable_server(exc)) is not None:
        log.warning(
            "%s unavailable request_id=%s %s %s: %s",
            server,
            request_id,
            request.method,
            request.path,
            exc,
        )
        return json(
            error_body(
                "service_unavailable",
                f"{server} is unavailable; try again shortly",
                {"server": server, "request_id": request_id},
            ),
            status=503,
            headers={"Retry-After": "2"},
        )
    log.error(
        "unhandled error request_id=%s %s %s",
        request_id,
        request.method,
        request.path,
        exc_info=exc,
    )
    return json(
        error_body(
            "internal_error",
            "Internal server error",
            {"request_id": request_id},
        ),
        status=500,
    )


# nginx's "client closed request": the client hung up before the answer was ready.
CLIENT_CLOSED = 499

_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def _allowed_methods(request: Request) -> str:
    """The Allow header of a 405 (RFC 9110 15.5.6). Sanic's router names the methods only
    for paths without parameters, so the path is asked once per method."""
    router = request.app.router
    allowed = []
    for method in _METHODS:
        try:
            router.get(request.path, method, request.headers.get("host"))
        except SanicException:
            continue
        allowed.append(method)
    return ", ".join(allowed)


def install(app: Sanic) -> None:
    """Route every exception raised while serving a request through render_error."""

    async def handler(request: Request, exc: Exception) -> HTTPResponse:
        return render_error(request, exc)

    async def client_gone(request: Request, exc: BaseException) -> HTTPResponse:
        # Sanic cancels the handler when the client disconnects (a probe that timed out
        # while the server was starting): nobody reads this answer, and it is no error of
        # ours, so it is counted and logged as 499 rather than as a 500.
        return json(
            error_body("client_closed_request", "The client closed the connection"),
            status=CLIENT_CLOSED,
        )

    app.error_handler.add(Exception, handler)
    app.error_handler.add(RequestCancelled, client_gone)
