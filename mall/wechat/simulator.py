"""A stand-in for WeChat's mini-program login APIs that speaks their real wire formats.

It plays WeChat, not the mall: its state lives in this process's memory, never in mall's DB.
Simulator controls live under /sim/ (stats, a clock to advance, issued phone codes).
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

from sanic import Request, Sanic
from sanic.exceptions import BadRequest, MethodNotAllowed, NotFound
from sanic.response import HTTPResponse, json

ACCESS_TOKEN_TTL = 7200
# WeChat's normal-mode stable_token mints a fresh token during the old one's last 5 minutes,
# so well-behaved callers never hold a token that is about to die.
TOKEN_RENEW_WINDOW = 300
PHONE_CODE_TTL = 300
MAX_CODE_LENGTH = 128
# NAME or NAME:ANYTHING; real codes are short ASCII tokens, so anything else is "invalid code".
CODE_PATTERN = re.compile(r"[A-Za-z0-9._@~-]+(?::[A-Za-z0-9._@~:-]*)?")

INVALID_NAME = "invalid"
RATE_LIMITED_NAME = "ratelimited"
BUSY_NAME = "busy"


class WeChatFault(Exception):
    """An errcode/errmsg answer; the app renders it as WeChat does (HTTP 200 unless told)."""

    def __init__(self, errcode: int, errmsg: str, *, status: int = 200) -> None:
        super().__init__(f"{errcode}: {errmsg}")
        self.errcode = errcode
        self.errmsg = errmsg
        self.status = status


def openid_for(appid: str, name: str) -> str:
    """The stable openid of NAME in this mini-program (28 chars, per appid, like WeChat's)."""
    return _wechat_id(f"openid:{appid}:{name}")


def unionid_for(name: str) -> str:
    """The stable unionid of NAME; the same in every app, as unionids are per person."""
    return _wechat_id(f"unionid:{name}")


def phone_for(name: str) -> str:
    """NAME's Chinese mobile number: 11 digits starting with 138."""
    digest = hashlib.sha256(f"phone:{name}".encode()).digest()
    return str(13800000000 + int.from_bytes(digest[:8], "big") % 10**8)


def _wechat_id(seed: str) -> str:
    digest = hashlib.sha256(seed.encode()).digest()
    return ("o" + base64.urlsafe_b64encode(digest).decode().rstrip("="))[:28]


def name_of(code: Any) -> str:
    """The person a code stands for, or the fault a malformed or reserved code earns."""
    if not isinstance(code, str) or len(code) > MAX_CODE_LENGTH or not CODE_PATTERN.fullmatch(code):
        raise WeChatFault(40029, "invalid code")
    name = code.split(":", 1)[0]
    if name == INVALID_NAME:
        raise WeChatFault(40029, "invalid code")
    if name == RATE_LIMITED_NAME:
        raise WeChatFault(45011, "api minute-quota reach limit")
    if name == BUSY_NAME:
        raise WeChatFault(-1, "system error")
    return name


@dataclass
class LoginState:
    """Everything the login side remembers: used codes, live tokens, counters, a movable clock."""

    appid: str
    secret: str
    clock_offset: float = 0.0
    used_login_codes: set[str] = field(default_factory=set)
    used_phone_codes: set[str] = field(default_factory=set)
    issued_phone_codes: dict[str, float] = field(default_factory=dict)
    token_expiry: dict[str, float] = field(default_factory=dict)
    current_token: str | None = None
    stable_token_calls: int = 0
    tokens_issued: int = 0

    def now(self) -> float:
        """Simulated wall time; /sim/clock moves it so tests can expire tokens and codes."""
        return time.time() + self.clock_offset

    def check_app(self, appid: Any, secret: Any) -> None:
        """Reject a caller that is not this mini-program."""
        if appid != self.appid:
            raise WeChatFault(40013, "invalid appid")
        if secret != self.secret:
            raise WeChatFault(40125, "invalid appsecret")

    def login(self, code: Any) -> dict[str, str]:
        """jscode2session: accept each code once and answer with NAME's identity."""
        name = name_of(code)
        if code in self.used_login_codes:
            raise WeChatFault(40163, "code been used")
        self.used_login_codes.add(code)
        return {
            "openid": openid_for(self.appid, name),
            "session_key": base64.b64encode(secrets.token_bytes(16)).decode(),
            "unionid": unionid_for(name),
        }

    def stable_token(self, *, force: bool) -> dict[str, Any]:
        """The live token and its remaining life; minted when none, near its end, or forced."""
        now = self.now()
        if force:
            # A forced refresh revokes what was handed out before, as WeChat documents.
            for token, expires_at in list(self.token_expiry.items()):
                if expires_at > now:
                    del self.token_expiry[token]
            self.current_token = None
        current = self.current_token
        if current is None or self.token_expiry[current] - now <= TOKEN_RENEW_WINDOW:
            current = secrets.token_urlsafe(48)
            self.token_expiry[current] = now + ACCESS_TOKEN_TTL
            self.current_token = current
            self.tokens_issued += 1
        return {"access_token": current, "expires_in": int(self.token_expiry[current] - now)}

    def check_token(self, token: str | None) -> None:
        """Reject a missing, unknown (or revoked) and an expired access token, each its own way."""
        if not token:
            raise WeChatFault(41001, "access_token missing")
        expires_at = self.token_expiry.get(token)
        if expires_at is None:
            raise WeChatFault(40001, "invalid credential, access_token is invalid or not latest")
        if expires_at <= self.now():
            raise WeChatFault(42001, "access_token expired")

    def issue_phone_code(self, name: Any) -> str:
        """A phone code for NAME, as the mini-program's getPhoneNumber button would get."""
        code = f"{name_of(name)}:{secrets.token_urlsafe(12)}"
        self.issued_phone_codes[code] = self.now()
        return code

    def phone_info(self, code: Any) -> dict[str, Any]:
        """getuserphonenumber: each code once, issued ones for 5 minutes; NAME's number."""
        name = name_of(code)
        if code in self.used_phone_codes:
            raise WeChatFault(40163, "code been used")
        # Codes made up by a test have no known birth, so only issued ones can expire.
        issued_at = self.issued_phone_codes.get(code)
        if issued_at is not None and self.now() - issued_at > PHONE_CODE_TTL:
            raise WeChatFault(40029, "invalid code, code expired")
        self.used_phone_codes.add(code)
        self.issued_phone_codes.pop(code, None)
        number = phone_for(name)
        return {
            "phoneNumber": number,
            "purePhoneNumber": number,
            "countryCode": "86",
            "watermark": {"timestamp": int(self.now()), "appid": self.appid},
        }


def create_sim_app(
    *, appid: str, secret: str, redis_url: str | None = None, name: str = "wechat-sim"
) -> Sanic:
    """The simulator app for one mini-program (appid + secret); build it as often as needed."""
    app = Sanic(name)
    app.config.FALLBACK_ERROR_FORMAT = "json"
    # WeChat serves no /docs or CORS. sanic-ext stays attached all the same: Sanic compiles
    # its request handler per class, so every app in one process needs the same signals.
    app.config.OAS = False
    app.config.CORS = False
    app.ctx.login = LoginState(appid=appid, secret=secret)
    # The login side keeps its state in memory; the URL is for simulator parts that need Redis.
    app.ctx.redis_url = redis_url

    app.error_handler.add(WeChatFault, _render_fault)
    app.error_handler.add(NotFound, _render_not_found)
    app.error_handler.add(MethodNotAllowed, _render_wrong_method)

    app.add_route(jscode2session, "/sns/jscode2session", methods=["GET"])
    app.add_route(stable_token, "/cgi-bin/stable_token", methods=["POST"])
    app.add_route(get_user_phone_number, "/wxa/business/getuserphonenumber", methods=["POST"])
    app.add_route(sim_stats, "/sim/stats", methods=["GET"])
    app.add_route(sim_clock, "/sim/clock", methods=["POST"])
    app.add_route(sim_phone_code, "/sim/phone_code", methods=["POST"])
    return app


async def jscode2session(request: Request) -> HTTPResponse:
    """GET /sns/jscode2session: a login code for openid, session_key and unionid."""
    state = _state(request)
    state.check_app(request.args.get("appid"), request.args.get("secret"))
    if request.args.get("grant_type") != "authorization_code":
        raise WeChatFault(40002, "invalid grant_type")
    return json(state.login(request.args.get("js_code", "")))


async def stable_token(request: Request) -> HTTPResponse:
    """POST /cgi-bin/stable_token: the app's access token, the same one until it ends."""
    state = _state(request)
    state.stable_token_calls += 1
    body = _json_body(request)
    state.check_app(body.get("appid"), body.get("secret"))
    if body.get("grant_type") != "client_credential":
        raise WeChatFault(40002, "invalid grant_type")
    return json(state.stable_token(force=body.get("force_refresh") is True))


async def get_user_phone_number(request: Request) -> HTTPResponse:
    """POST /wxa/business/getuserphonenumber: a phone code for the user's phone number."""
    state = _state(request)
    state.check_token(request.args.get("access_token"))
    body = _json_body(request)
    return json({"errcode": 0, "errmsg": "ok", "phone_info": state.phone_info(body.get("code"))})


async def sim_stats(request: Request) -> HTTPResponse:
    """GET /sim/stats: counters that let tests prove the client caches its token."""
    state = _state(request)
    return json(
        {"stable_token_calls": state.stable_token_calls, "tokens_issued": state.tokens_issued}
    )


async def sim_clock(request: Request) -> HTTPResponse:
    """POST /sim/clock {"advance": seconds}: move simulated time forward."""
    state = _state(request)
    advance = _json_body(request).get("advance")
    if isinstance(advance, bool) or not isinstance(advance, int | float) or advance < 0:
        raise WeChatFault(47001, "data format error: advance must be seconds >= 0", status=400)
    state.clock_offset += advance
    return json({"now": state.now()})


async def sim_phone_code(request: Request) -> HTTPResponse:
    """POST /sim/phone_code {"name"}: issue a phone code that expires like WeChat's."""
    code = _state(request).issue_phone_code(_json_body(request).get("name"))
    return json({"code": code, "expires_in": PHONE_CODE_TTL})


def _state(request: Request) -> LoginState:
    state: LoginState = request.app.ctx.login
    return state


def _json_body(request: Request) -> dict[str, Any]:
    try:
        body = request.json
    except BadRequest:
        body = None
    if not isinstance(body, dict):
        raise WeChatFault(47001, "data format error")
    return body


async def _render_fault(request: Request, exc: Exception) -> HTTPResponse:
    assert isinstance(exc, WeChatFault)
    return json({"errcode": exc.errcode, "errmsg": exc.errmsg}, status=exc.status)


async def _render_not_found(request: Request, exc: Exception) -> HTTPResponse:
    return json({"errcode": 40066, "errmsg": "invalid url"}, status=404)


async def _render_wrong_method(request: Request, exc: Exception) -> HTTPResponse:
    allowed = getattr(exc, "allowed_methods", None) or ()
    if "POST" in allowed:
        return json({"errcode": 43002, "errmsg": "require POST method"}, status=405)
    return json({"errcode": 43001, "errmsg": "require GET method"}, status=405)
