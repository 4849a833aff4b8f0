"""Schemathesis hooks for .ci/fuzz_api.py: tokens for both audiences, and the one check
that knows which refusals no schema can state.

Loaded by `st run` through SCHEMATHESIS_HOOKS; configured by the MALL_FUZZ_* variables the
runner sets.
"""

from __future__ import annotations

import itertools
import json
import os
import urllib.error
import urllib.request
from typing import Any

import schemathesis
from schemathesis.specs.openapi.checks import positive_data_acceptance

from mall.web import UNSTATED_RULES

BASE_URL = os.environ["MALL_FUZZ_BASE_URL"]
# [[username, password], ...]: the fuzzer may lock an account out of its own password
# (it can change it), so there are spares to fall back on.
ADMINS: list[list[str]] = json.loads(os.environ["MALL_FUZZ_ADMINS"])
CALLBACKS = ("/api/v1/payments/wechat/notify", "/api/v1/payments/wechat/refund-notify")

_people = itertools.count(1)


def _post(path: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    request = urllib.request.Request(
        BASE_URL + path,
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, {}


def audience(path: str) -> str:
    return "admin" if path.startswith(("/api/admin", "/ws/admin")) else "customer"


@schemathesis.auth(
    refresh_interval=120, cache_by_key=lambda case, ctx: audience(ctx.operation.path)
)
class Tokens:
    """A customer token (a new customer each time: the fuzzer bans and logs out) or an
    admin token (the first account that still logs in), by the operation's audience."""

    def get(self, case: Any, ctx: Any) -> str | None:
        if audience(ctx.operation.path) == "customer":
            status, body = _post("/api/v1/auth/wechat/login", {"code": f"fuzz{next(_people)}"})
            return str(body["access_token"]) if status == 200 else None
        for username, password in ADMINS:
            status, body = _post(
                "/api/admin/auth/login", {"username": username, "password": password}
            )
            if status == 200:
                return str(body["access_token"])
        return None

    def set(self, case: Any, data: str, ctx: Any) -> None:
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}


def _refused_by_unstated_rule(response: Any) -> bool:
    """A 422 whose every detail names a rule the document lists as one no schema states
    (unknown ids, a start after its end, ...): the request was schema-valid and still wrong."""
    if response.status_code != 422:
        return False
    try:
        details = json.loads(response.content)["error"]["details"]
    except (ValueError, KeyError, TypeError):
        return False
    return (
        isinstance(details, list)
        and bool(details)
        and all(isinstance(d, dict) and d.get("type") in UNSTATED_RULES for d in details)
    )


def _unsigned_callback(case: Any, response: Any) -> bool:
    """WeChat Pay's callbacks refuse (400 FAIL) anything WeChat Pay did not sign: a
    signature over the body is not something a schema can state."""
    if case.operation.path not in CALLBACKS or response.status_code != 400:
        return False
    try:
        return bool(json.loads(response.content).get("code") == "FAIL")
    except (ValueError, AttributeError):
        return False


def _websocket_over_http(case: Any, response: Any) -> bool:
    """A websocket route asked over plain HTTP answers 426: the upgrade handshake is not a
    request schemathesis makes (tests/test_realtime.py opens real sockets)."""
    return case.operation.path in ("/ws", "/ws/admin") and response.status_code == 426


@schemathesis.check
def positive_data_accepted_or_unstated_rule(ctx: Any, response: Any, case: Any) -> bool | None:
    """Schemathesis' positive_data_acceptance, except for the refusals named above."""
    if (
        _refused_by_unstated_rule(response)
        or _unsigned_callback(case, response)
        or _websocket_over_http(case, response)
    ):
        return None
    result: bool | None = positive_data_acceptance(ctx, response, case)
    return result
