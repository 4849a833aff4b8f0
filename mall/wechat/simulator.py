"""A stand-in for WeChat's servers that speaks their real wire formats.

Login side: code2session, stable_token, getuserphonenumber. Pay side (when given a
SimPayConfig): the Pay API v3 endpoints the gateway uses, checking the merchant's request
signatures, signing every answer with the platform key, and sending signed, AES-256-GCM
encrypted notifications with WeChat's retry schedule.

It plays WeChat, not the mall: its state lives in this process's memory, never in mall's DB.
Simulator controls live under /sim/ (stats, a clock to advance, phone codes, paying, refunds).
"""

from __future__ import annotations

import asyncio
import base64
import gzip
import hashlib
import json as jsonlib
import re
import secrets
import time
import uuid
from collections.abc import Callable, Coroutine, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey, RSAPublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.serialization import (
    load_pem_private_key,
    load_pem_public_key,
)
from sanic import Request, Sanic
from sanic.exceptions import BadRequest, MethodNotAllowed, NotFound
from sanic.response import HTTPResponse, json

from mall.wechat import sim_bill, sim_controls
from mall.wechat.bill import write_bill
from mall.wechat.sim_controls import arm_wxa_fault
from mall.wechat.sim_push import Pusher, SimPushConfig
from mall.wechat.sim_wxa import WXA_APIS, WxaState, add_wxa_side

if TYPE_CHECKING:
    from mall.config import Settings

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
    *,
    appid: str,
    secret: str,
    redis_url: str | None = None,
    name: str = "wechat-sim",
    pay: SimPayConfig | None = None,
    push: SimPushConfig | None = None,
) -> Sanic:
    """The simulator for one mini-program (appid + secret), with the pay side when PAY is
    given and message pushes to the mall when PUSH is."""
    app = Sanic(name)
    app.config.FALLBACK_ERROR_FORMAT = "json"
    # WeChat serves no /docs or CORS. sanic-ext stays attached all the same: Sanic compiles
    # its request handler per class, so every app in one process needs the same signals.
    app.config.OAS = False
    app.config.CORS = False
    # Nor automatic HEAD/OPTIONS routes, whose per-route router rebuilds slow every start.
    app.config.HTTP_AUTO_HEAD = False
    app.config.HTTP_AUTO_OPTIONS = False
    app.ctx.login = LoginState(appid=appid, secret=secret)
    # The login side keeps its state in memory; the URL is for simulator parts that need Redis.
    app.ctx.redis_url = redis_url
    app.ctx.pay = None

    app.error_handler.add(WeChatFault, _render_fault)
    app.error_handler.add(PayFault, _render_pay_fault)
    app.error_handler.add(NotFound, _render_not_found)
    app.error_handler.add(MethodNotAllowed, _render_wrong_method)

    app.add_route(sim_index, "/", methods=["GET"])
    app.add_route(jscode2session, "/sns/jscode2session", methods=["GET"])
    app.add_route(stable_token, "/cgi-bin/stable_token", methods=["POST"])
    app.add_route(get_user_phone_number, "/wxa/business/getuserphonenumber", methods=["POST"])
    app.add_route(sim_stats, "/sim/stats", methods=["GET"])
    app.add_route(sim_clock, "/sim/clock", methods=["POST"])
    app.add_route(sim_phone_code, "/sim/phone_code", methods=["POST"])
    app.add_route(sim_fault, "/sim/fault", methods=["POST"])
    if pay is not None:
        _add_pay_side(app, PayState(config=pay, appid=appid, now=app.ctx.login.now))
    pusher = None if push is None else Pusher(config=push, appid=appid)
    add_wxa_side(app, WxaState(login=app.ctx.login, pay=app.ctx.pay, pusher=pusher))
    sim_controls.add_routes(app)
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


async def sim_index(request: Request) -> HTTPResponse:
    """GET /: what the simulator plays and how to play the customer (`mall dev`'s link)."""
    pay = request.app.ctx.pay is not None
    return json(
        {
            "name": "WeChat simulator (development and tests only)",
            "login": "GET /sns/jscode2session: a code NAME or NAME:ANYTHING logs in NAME; "
            "each code works once",
            "pay": "POST /sim/pay/<order_no>: the customer pays; WeChat notifies the mall"
            if pay
            else "WeChat Pay is not simulated (no pay keys configured)",
            "refund": "POST /sim/refund/<out_refund_no>" if pay else None,
            "notifications": "GET /sim/notifications" if pay else None,
        }
    )


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
    if request.path.startswith("/v3/"):
        return await _render_pay_fault(request, PayFault(404, "NOT_FOUND", "无效的请求地址"))
    return json({"errcode": 40066, "errmsg": "invalid url"}, status=404)


async def _render_wrong_method(request: Request, exc: Exception) -> HTTPResponse:
    allowed = getattr(exc, "allowed_methods", None) or ()
    if "POST" in allowed:
        return json({"errcode": 43002, "errmsg": "require POST method"}, status=405)
    return json({"errcode": 43001, "errmsg": "require GET method"}, status=405)


# --- Pay API v3 ----------------------------------------------------------------------------

# WeChat writes times as RFC 3339 in Beijing time.
CHINA_TZ = timezone(timedelta(hours=8))
SIGNATURE_TYPE = "WECHATPAY2-SHA256-RSA2048"
# WeChat's documented schedule after a failed delivery: 15 retries over about 24 hours.
NOTIFY_RETRY_SCHEDULE = tuple(
    minutes * 60
    for minutes in (0.25, 0.25, 0.5, 3, 10, 20, 30, 30, 30, 60, 180, 180, 180, 360, 360)
)
NOTIFY_TIMEOUT = 5.0  # WeChat gives the merchant 5 s to answer
NOTIFY_ACCEPTED = frozenset({200, 204})
REQUEST_MAX_SKEW = 300
MAX_REPLAYS = 50
PAY_APIS = frozenset(
    {"prepay", "query", "close", "refund", "query_refund", "trade_bill", "download_bill"}
)
AUTH_FIELD = re.compile(r'(\w+)="([^"]*)"')
OUT_TRADE_NO_PATTERN = re.compile(r"[0-9A-Za-z_\-|*]{6,32}")
OUT_REFUND_NO_PATTERN = re.compile(r"[0-9A-Za-z_\-|*@]{1,64}")
TRADE_STATE_DESC = {
    "NOTPAY": "订单未支付",
    "SUCCESS": "支付成功",
    "CLOSED": "订单已关闭",
    "REFUND": "转入退款",
    "PAYERROR": "支付失败，请重新下单支付",
}
REFUND_SUMMARY = {"SUCCESS": "退款成功", "CLOSED": "退款关闭", "ABNORMAL": "退款异常"}
# Refunds in these states hold money back from what is still refundable.
HOLDING_REFUND_STATES = frozenset({"PROCESSING", "SUCCESS", "ABNORMAL"})


class PayFault(Exception):
    """A Pay v3 error answer: {"code", "message"} with its HTTP status."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message


@dataclass(frozen=True)
class SimPayConfig:
    """The pay side's keys and merchant: it verifies with the merchant's public key, signs with
    the platform's private key (known to the mall by its public key id)."""

    mchid: str
    merchant_public_key: RSAPublicKey
    platform_private_key: RSAPrivateKey = field(repr=False)
    public_key_id: str
    apiv3_key: str = field(repr=False)
    # When set, a request signed under another merchant serial is refused, as WeChat does.
    merchant_serial_no: str | None = None
    # Multiplies NOTIFY_RETRY_SCHEDULE; tests use 0.001 to retry within milliseconds.
    notify_retry_scale: float = 1.0
    # When set, refunds settle as SUCCESS (and notify) this many seconds after they are made.
    auto_refund_seconds: float | None = None

    @classmethod
    def from_pem(
        cls,
        *,
        mchid: str,
        merchant_public_key_pem: str | bytes,
        platform_private_key_pem: str | bytes,
        public_key_id: str,
        apiv3_key: str,
        merchant_serial_no: str | None = None,
        notify_retry_scale: float = 1.0,
        auto_refund_seconds: float | None = None,
    ) -> SimPayConfig:
        """The config from PEM texts (as ensure_dev_keys writes them)."""
        return cls(
            mchid=mchid,
            merchant_public_key=_public_key(merchant_public_key_pem),
            platform_private_key=_private_key(platform_private_key_pem),
            public_key_id=public_key_id,
            apiv3_key=apiv3_key,
            merchant_serial_no=merchant_serial_no,
            notify_retry_scale=notify_retry_scale,
            auto_refund_seconds=auto_refund_seconds,
        )

    @classmethod
    def from_settings(cls, settings: Settings) -> SimPayConfig | None:
        """The config `mall wechat-sim` reads from MALL_*; None when no simulator keys are set."""
        platform = settings.wechat_sim_platform_private_key_path
        merchant = settings.wechat_sim_merchant_public_key_path
        if platform is None or merchant is None:
            return None
        return cls.from_pem(
            mchid=settings.wechat_mchid,
            merchant_public_key_pem=Path(merchant).read_bytes(),
            platform_private_key_pem=Path(platform).read_bytes(),
            public_key_id=settings.wechat_pay_public_key_id,
            apiv3_key=settings.wechat_pay_apiv3_key,
            merchant_serial_no=settings.wechat_pay_cert_serial_no or None,
            notify_retry_scale=settings.wechat_sim_notify_retry_scale,
        )


@dataclass(frozen=True, slots=True)
class SignedNotification:
    """A notification as it goes over the wire: the Wechatpay-* headers and the exact body."""

    headers: dict[str, str]
    body: bytes


def sign_message(
    body: bytes,
    *,
    private_key: RSAPrivateKey,
    serial: str,
    timestamp: int | None = None,
    nonce: str | None = None,
) -> dict[str, str]:
    """The Wechatpay-* headers WeChat puts on an answer or a notification carrying BODY."""
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    nonce = nonce or secrets.token_hex(16).upper()
    message = f"{stamp}\n{nonce}\n".encode() + body + b"\n"
    signature = private_key.sign(message, PKCS1v15(), SHA256())
    return {
        "Wechatpay-Timestamp": stamp,
        "Wechatpay-Nonce": nonce,
        "Wechatpay-Signature": base64.b64encode(signature).decode(),
        "Wechatpay-Serial": serial,
        "Wechatpay-Signature-Type": SIGNATURE_TYPE,
    }


def encrypt_resource(
    plaintext: Mapping[str, Any], *, apiv3_key: str, associated_data: str, original_type: str
) -> dict[str, str]:
    """A notification's resource object: PLAINTEXT sealed with AES-256-GCM under the APIv3 key."""
    nonce = secrets.token_urlsafe(9)[:12]  # WeChat's nonce is a 12-character string
    sealed = AESGCM(apiv3_key.encode()).encrypt(
        nonce.encode(), _json_bytes(plaintext), associated_data.encode()
    )
    return {
        "original_type": original_type,
        "algorithm": "AEAD_AES_256_GCM",
        "ciphertext": base64.b64encode(sealed).decode(),
        "associated_data": associated_data,
        "nonce": nonce,
    }


def build_notification(
    *,
    event_type: str,
    resource: Mapping[str, Any],
    apiv3_key: str,
    sign_with: RSAPrivateKey,
    public_key_id: str,
    timestamp: int | None = None,
    notification_id: str | None = None,
    summary: str | None = None,
    create_time: datetime | None = None,
) -> SignedNotification:
    """A signed, encrypted notification; every knob is there so tests can forge bad ones
    (another signing key, another APIv3 key, a stale timestamp, a resource that lies)."""
    kind = "refund" if event_type.startswith("REFUND.") else "transaction"
    if summary is None:
        summary = "支付成功" if kind == "transaction" else REFUND_SUMMARY.get(event_type[7:], "")
    envelope = {
        "id": notification_id or str(uuid.uuid4()),
        "create_time": wechat_time(create_time or datetime.now(CHINA_TZ)),
        "resource_type": "encrypt-resource",
        "event_type": event_type,
        "summary": summary,
        "resource": encrypt_resource(
            resource, apiv3_key=apiv3_key, associated_data=kind, original_type=kind
        ),
    }
    body = _json_bytes(envelope)
    headers = sign_message(body, private_key=sign_with, serial=public_key_id, timestamp=timestamp)
    return SignedNotification(headers=headers, body=body)


def transaction_resource(
    *,
    appid: str,
    mchid: str,
    out_trade_no: str,
    total_fen: int,
    openid: str,
    transaction_id: str | None = None,
    trade_state: str = "SUCCESS",
    success_time: datetime | None = None,
    payer_total_fen: int | None = None,
) -> dict[str, Any]:
    """A paid transaction in WeChat's format (the TRANSACTION.SUCCESS plaintext)."""
    resource: dict[str, Any] = {
        "appid": appid,
        "mchid": mchid,
        "out_trade_no": out_trade_no,
        "trade_type": "JSAPI",
        "trade_state": trade_state,
        "trade_state_desc": TRADE_STATE_DESC.get(trade_state, trade_state),
        "attach": "",
        "payer": {"openid": openid},
        "amount": {"total": total_fen, "currency": "CNY", "payer_currency": "CNY"},
    }
    if trade_state in ("SUCCESS", "REFUND"):
        resource["transaction_id"] = transaction_id or new_transaction_id()
        resource["bank_type"] = "OTHERS"
        resource["success_time"] = wechat_time(success_time or datetime.now(CHINA_TZ))
        paid = total_fen if payer_total_fen is None else payer_total_fen
        resource["amount"]["payer_total"] = paid
    return resource


def refund_resource(
    *,
    mchid: str,
    out_trade_no: str,
    transaction_id: str,
    out_refund_no: str,
    refund_id: str,
    refund_fen: int,
    total_fen: int,
    refund_status: str = "SUCCESS",
    success_time: datetime | None = None,
) -> dict[str, Any]:
    """A settled refund in WeChat's format (the REFUND.* plaintext)."""
    resource: dict[str, Any] = {
        "mchid": mchid,
        "out_trade_no": out_trade_no,
        "transaction_id": transaction_id,
        "out_refund_no": out_refund_no,
        "refund_id": refund_id,
        "refund_status": refund_status,
        "user_received_account": "支付用户零钱",
        "amount": {
            "total": total_fen,
            "refund": refund_fen,
            "payer_total": total_fen,
            "payer_refund": refund_fen,
        },
    }
    if refund_status == "SUCCESS":
        resource["success_time"] = wechat_time(success_time or datetime.now(CHINA_TZ))
    return resource


def wechat_time(moment: datetime | float) -> str:
    """RFC 3339 in Beijing time, as WeChat writes it: 2026-11-23T10:34:56+08:00."""
    if not isinstance(moment, datetime):
        moment = datetime.fromtimestamp(moment, CHINA_TZ)
    return moment.astimezone(CHINA_TZ).isoformat(timespec="seconds")


def new_transaction_id() -> str:
    """A 28-digit WeChat transaction id."""
    return "4200" + "".join(secrets.choice("0123456789") for _ in range(24))


@dataclass
class SimOrder:
    """One out_trade_no as WeChat tracks it."""

    out_trade_no: str
    appid: str
    mchid: str
    description: str
    total: int
    openid: str
    notify_url: str
    time_expire: datetime | None
    prepay_id: str
    trade_state: str = "NOTPAY"
    transaction_id: str | None = None
    success_time: float | None = None

    def as_transaction(self) -> dict[str, Any]:
        """The query answer for this order."""
        return transaction_resource(
            appid=self.appid,
            mchid=self.mchid,
            out_trade_no=self.out_trade_no,
            total_fen=self.total,
            openid=self.openid,
            transaction_id=self.transaction_id,
            trade_state=self.trade_state,
            success_time=None if self.success_time is None else _at(self.success_time),
        )


@dataclass
class SimRefund:
    """One out_refund_no as WeChat tracks it."""

    out_refund_no: str
    refund_id: str
    order: SimOrder
    amount: int
    reason: str
    notify_url: str
    create_time: float
    status: str = "PROCESSING"
    success_time: float | None = None

    def as_refund(self) -> dict[str, Any]:
        """The refund/query-refund answer for this refund."""
        answer: dict[str, Any] = {
            "refund_id": self.refund_id,
            "out_refund_no": self.out_refund_no,
            "transaction_id": self.order.transaction_id,
            "out_trade_no": self.order.out_trade_no,
            "channel": "ORIGINAL",
            "user_received_account": "支付用户零钱",
            "create_time": wechat_time(self.create_time),
            "status": self.status,
            "funds_account": "AVAILABLE",
            "amount": {
                "total": self.order.total,
                "refund": self.amount,
                "payer_total": self.order.total,
                "payer_refund": self.amount,
                "settlement_total": self.order.total,
                "settlement_refund": self.amount,
                "discount_refund": 0,
                "currency": "CNY",
            },
            "promotion_detail": [],
        }
        if self.success_time is not None:
            answer["success_time"] = wechat_time(self.success_time)
        return answer

    def as_resource(self) -> dict[str, Any]:
        """The REFUND.* notification plaintext for this refund."""
        return refund_resource(
            mchid=self.order.mchid,
            out_trade_no=self.order.out_trade_no,
            transaction_id=self.order.transaction_id or "",
            out_refund_no=self.out_refund_no,
            refund_id=self.refund_id,
            refund_fen=self.amount,
            total_fen=self.order.total,
            refund_status=self.status,
            success_time=None if self.success_time is None else _at(self.success_time),
        )


@dataclass(frozen=True, slots=True)
class Outgoing:
    """A notification to deliver: the same id and body on every attempt, signed afresh each time."""

    id: str
    event_type: str
    subject: str  # out_trade_no or out_refund_no: what /sim/notify/replay/ names
    url: str
    body: bytes


@dataclass(frozen=True, slots=True)
class Delivery:
    """One attempt to deliver a notification, as /sim/notifications lists it."""

    notification_id: str
    event_type: str
    subject: str
    url: str
    attempt: int
    replay: bool
    status: int | None
    error: str | None
    at: float

    def as_json(self) -> dict[str, Any]:
        return {
            "notification_id": self.notification_id,
            "event_type": self.event_type,
            "subject": self.subject,
            "url": self.url,
            "attempt": self.attempt,
            "replay": self.replay,
            "status": self.status,
            "error": self.error,
            "at": self.at,
        }


@dataclass
class Fault:
    """An error armed by /sim/fault for the next calls of one API."""

    status: int
    code: str
    message: str
    times: int


@dataclass
class PayState:
    """Everything the pay side remembers: orders, refunds, notifications and armed faults."""

    config: SimPayConfig
    appid: str
    now: Callable[[], float]
    orders: dict[str, SimOrder] = field(default_factory=dict)
    refunds: dict[str, SimRefund] = field(default_factory=dict)
    deliveries: list[Delivery] = field(default_factory=list)
    last_notification: dict[str, Outgoing] = field(default_factory=dict)
    faults: dict[str, Fault] = field(default_factory=dict)
    tasks: set[asyncio.Task[None]] = field(default_factory=set)
    http: httpx.AsyncClient | None = None
    # /sim/bill/fault: out_trade_no or out_refund_no -> {"drop": True} or {"amount": fen}.
    bill_faults: dict[str, dict[str, Any]] = field(default_factory=dict)
    # download token -> the bill file as served (gzip or plain).
    bills: dict[str, bytes] = field(default_factory=dict)

    def authenticate(self, request: Request, api: str) -> None:
        """Check the merchant's WECHATPAY2-SHA256-RSA2048 signature, then any armed fault."""
        scheme, _, params = request.headers.get("authorization", "").partition(" ")
        if scheme != SIGNATURE_TYPE:
            raise PayFault(401, "SIGN_ERROR", "Authorization 认证类型错误")
        fields = dict(AUTH_FIELD.findall(params))
        if any(not fields.get(k) for k in ("mchid", "nonce_str", "signature", "timestamp")):
            raise PayFault(401, "SIGN_ERROR", "Authorization 缺少必要字段")
        if fields["mchid"] != self.config.mchid:
            raise PayFault(401, "SIGN_ERROR", "商户号与签名不匹配")
        serial = self.config.merchant_serial_no
        if serial is not None and fields.get("serial_no", "").upper() != serial.upper():
            raise PayFault(401, "SIGN_ERROR", "商户证书序列号错误")
        try:
            stamp = int(fields["timestamp"])
        except ValueError:
            raise PayFault(401, "SIGN_ERROR", "时间戳格式错误") from None
        if abs(time.time() - stamp) > REQUEST_MAX_SKEW:
            raise PayFault(401, "SIGN_ERROR", "请求时间戳已过期")
        message = (
            f"{request.method}\n{request.raw_url.decode()}\n{fields['timestamp']}\n"
            f"{fields['nonce_str']}\n".encode()
            + (request.body or b"")
            + b"\n"
        )
        try:
            self.config.merchant_public_key.verify(
                base64.b64decode(fields["signature"], validate=True),
                message,
                PKCS1v15(),
                SHA256(),
            )
        except (InvalidSignature, ValueError):
            raise PayFault(401, "SIGN_ERROR", "签名错误") from None
        wechatpay_serial = request.headers.get("wechatpay-serial")
        if wechatpay_serial is not None and wechatpay_serial != self.config.public_key_id:
            raise PayFault(400, "PARAM_ERROR", "Wechatpay-Serial 与微信支付公钥ID不匹配")
        fault = self.faults.get(api)
        if fault is not None:
            fault.times -= 1
            if fault.times <= 0:
                del self.faults[api]
            raise PayFault(fault.status, fault.code, fault.message)

    def prepay(self, body: dict[str, Any]) -> dict[str, str]:
        """JSAPI prepay: a prepay_id for a new order, the same one for an identical repeat."""
        if body.get("appid") != self.appid:
            raise PayFault(400, "APPID_MCHID_NOT_MATCH", "appid和mch_id不匹配")
        self._check_mchid(body.get("mchid"))
        out_trade_no = _field(body, "out_trade_no", OUT_TRADE_NO_PATTERN)
        description = body.get("description")
        if not isinstance(description, str) or not 1 <= len(description) <= 127:
            raise PayFault(400, "PARAM_ERROR", "description 长度须为1-127")
        notify_url = body.get("notify_url")
        if not isinstance(notify_url, str) or not re.match(r"https?://", notify_url):
            raise PayFault(400, "PARAM_ERROR", "notify_url 格式错误")
        amount = body.get("amount")
        if not isinstance(amount, dict):
            amount = {}
        total = amount.get("total")
        if not _positive_int(total) or amount.get("currency", "CNY") != "CNY":
            raise PayFault(400, "PARAM_ERROR", "amount.total 须为正整数（分）")
        assert isinstance(total, int)
        payer = body.get("payer")
        openid = payer.get("openid") if isinstance(payer, dict) else None
        if not isinstance(openid, str) or not openid:
            raise PayFault(400, "PARAM_ERROR", "payer.openid 不能为空")
        time_expire = _parse_time_expire(body.get("time_expire"))
        if time_expire is not None and time_expire.timestamp() <= self.now():
            raise PayFault(400, "PARAM_ERROR", "time_expire 早于当前时间")
        order = self.orders.get(out_trade_no)
        if order is not None:
            if order.trade_state in ("SUCCESS", "REFUND"):
                raise PayFault(400, "ORDERPAID", "该订单已支付")
            if order.trade_state == "CLOSED":
                raise PayFault(400, "ORDER_CLOSED", "订单已关闭")
            if (order.total, order.openid) != (total, openid):
                raise PayFault(400, "OUT_TRADE_NO_USED", "商户订单号重复")
            return {"prepay_id": order.prepay_id}
        stamp = datetime.fromtimestamp(self.now(), CHINA_TZ).strftime("%Y%m%d%H%M%S")
        order = SimOrder(
            out_trade_no=out_trade_no,
            appid=self.appid,
            mchid=self.config.mchid,
            description=description,
            total=total,
            openid=openid,
            notify_url=notify_url,
            time_expire=time_expire,
            prepay_id=f"wx{stamp}{secrets.token_hex(10)}",
        )
        self.orders[out_trade_no] = order
        return {"prepay_id": order.prepay_id}

    def query(self, out_trade_no: str, mchid: str | None) -> dict[str, Any]:
        """Query by out_trade_no."""
        self._check_mchid(mchid)
        return self._order(out_trade_no).as_transaction()

    def close(self, out_trade_no: str, body: dict[str, Any]) -> None:
        """Close an unpaid order; closing a closed one again is fine, a paid one is not."""
        self._check_mchid(body.get("mchid"))
        order = self._order(out_trade_no)
        if order.trade_state in ("SUCCESS", "REFUND"):
            raise PayFault(400, "ORDERPAID", "订单已支付")
        order.trade_state = "CLOSED"

    def refund(self, body: dict[str, Any]) -> dict[str, Any]:
        """Create a refund (PROCESSING); a repeated out_refund_no answers the existing one."""
        out_refund_no = _field(body, "out_refund_no", OUT_REFUND_NO_PATTERN)
        out_trade_no = body.get("out_trade_no")
        transaction_id = body.get("transaction_id")
        amount = body.get("amount")
        refund = amount.get("refund") if isinstance(amount, dict) else None
        total = amount.get("total") if isinstance(amount, dict) else None
        if not _positive_int(refund) or not _positive_int(total):
            raise PayFault(400, "PARAM_ERROR", "amount.refund 和 amount.total 须为正整数（分）")
        assert isinstance(refund, int) and isinstance(total, int)
        order = next(
            (
                o
                for o in self.orders.values()
                if o.out_trade_no == out_trade_no
                or (transaction_id and o.transaction_id == transaction_id)
            ),
            None,
        )
        if order is None:
            raise PayFault(404, "RESOURCE_NOT_EXISTS", "订单不存在")
        existing = self.refunds.get(out_refund_no)
        if existing is not None:
            if existing.order is not order or existing.amount != refund:
                raise PayFault(400, "INVALID_REQUEST", "同一退款单号的请求参数不一致")
            return existing.as_refund()
        if order.trade_state not in ("SUCCESS", "REFUND"):
            raise PayFault(400, "INVALID_REQUEST", "订单未支付，不能退款")
        if total != order.total:
            raise PayFault(400, "PARAM_ERROR", "订单金额与原订单不一致")
        if refund > order.total - self._refunded(order):
            raise PayFault(400, "INVALID_REQUEST", "申请退款金额超过订单可退金额")
        reason = body.get("reason")
        notify_url = body.get("notify_url")
        created = SimRefund(
            out_refund_no=out_refund_no,
            refund_id="50" + "".join(secrets.choice("0123456789") for _ in range(30)),
            order=order,
            amount=refund,
            reason=reason if isinstance(reason, str) else "",
            notify_url=notify_url if isinstance(notify_url, str) else "",
            create_time=self.now(),
        )
        self.refunds[out_refund_no] = created
        order.trade_state = "REFUND"
        if self.config.auto_refund_seconds is not None:
            self._spawn(self._auto_refund(created, self.config.auto_refund_seconds))
        return created.as_refund()

    def query_refund(self, out_refund_no: str) -> dict[str, Any]:
        """Query a refund by out_refund_no."""
        refund = self.refunds.get(out_refund_no)
        if refund is None:
            raise PayFault(404, "RESOURCE_NOT_EXISTS", "退款单不存在")
        return refund.as_refund()

    def pay(self, out_trade_no: str, *, result: str, notify: bool, force: bool) -> dict[str, Any]:
        """Play the customer paying (SUCCESS) or failing to (PAYERROR); notify on success."""
        order = self._order(out_trade_no)
        if result not in ("SUCCESS", "PAYERROR"):
            raise PayFault(400, "PARAM_ERROR", "result must be SUCCESS or PAYERROR")
        if order.trade_state in ("SUCCESS", "REFUND"):
            raise PayFault(409, "ORDERPAID", "该订单已支付")
        # force plays the race WeChat allows: a payment completing just as the order closes.
        if not force:
            if order.trade_state == "CLOSED":
                raise PayFault(409, "ORDER_CLOSED", "订单已关闭")
            if order.time_expire is not None and order.time_expire.timestamp() <= self.now():
                raise PayFault(409, "ORDER_EXPIRED", "订单已过支付截止时间")
        notification_id: str | None = None
        if result == "PAYERROR":
            order.trade_state = "PAYERROR"  # WeChat notifies successes only
        else:
            order.trade_state = "SUCCESS"
            order.transaction_id = new_transaction_id()
            order.success_time = self.now()
            outgoing = self._outgoing(
                "TRANSACTION.SUCCESS", out_trade_no, order.notify_url, order.as_transaction()
            )
            notification_id = outgoing.id
            if notify:
                self._spawn(self._deliver_with_retries(outgoing))
        return {
            "out_trade_no": out_trade_no,
            "trade_state": order.trade_state,
            "transaction_id": order.transaction_id,
            "notification_id": notification_id,
            "notified": notify and notification_id is not None,
        }

    def settle_refund(self, out_refund_no: str, *, result: str, notify: bool) -> dict[str, Any]:
        """Finish a PROCESSING refund as SUCCESS, CLOSED or ABNORMAL, and notify."""
        refund = self.refunds.get(out_refund_no)
        if refund is None:
            raise PayFault(404, "RESOURCE_NOT_EXISTS", "退款单不存在")
        if result not in REFUND_SUMMARY:
            raise PayFault(400, "PARAM_ERROR", "result must be SUCCESS, CLOSED or ABNORMAL")
        if refund.status != "PROCESSING":
            raise PayFault(409, "INVALID_REQUEST", f"退款已是 {refund.status}")
        refund.status = result
        if result == "SUCCESS":
            refund.success_time = self.now()
        if not any(
            r.order is refund.order and r.status in HOLDING_REFUND_STATES
            for r in self.refunds.values()
        ):
            refund.order.trade_state = "SUCCESS"
        outgoing = self._outgoing(
            f"REFUND.{result}", out_refund_no, refund.notify_url, refund.as_resource()
        )
        if notify:
            self._spawn(self._deliver_with_retries(outgoing))
        return refund.as_refund() | {"notification_id": outgoing.id, "notified": notify}

    async def replay(self, subject: str, *, times: int) -> list[Delivery]:
        """Send the last notification about SUBJECT again, TIMES at once, one attempt each."""
        outgoing = self.last_notification.get(subject)
        if outgoing is None:
            raise PayFault(404, "RESOURCE_NOT_EXISTS", "no notification was sent for this number")
        return list(
            await asyncio.gather(
                *(self._send(outgoing, attempt=1, replay=True) for _ in range(times))
            )
        )

    def arm_fault(self, api: str, fault: Fault) -> None:
        """Make the next FAULT.times calls of API answer FAULT's error."""
        if api not in PAY_APIS:
            raise PayFault(400, "PARAM_ERROR", f"api must be one of {sorted(PAY_APIS)}")
        self.faults[api] = fault

    def snapshot(self, out_trade_no: str) -> dict[str, Any]:
        """What the simulator knows about an order, for tests and curious developers."""
        order = self._order(out_trade_no)
        return {
            "order": order.as_transaction()
            | {"prepay_id": order.prepay_id, "notify_url": order.notify_url},
            "refunds": [r.as_refund() for r in self.refunds.values() if r.order is order],
        }

    async def reset(self) -> None:
        """Forget every order, refund, delivery and fault; stop pending deliveries."""
        for task in list(self.tasks):
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
        self.orders.clear()
        self.refunds.clear()
        self.deliveries.clear()
        self.last_notification.clear()
        self.faults.clear()
        self.bill_faults.clear()
        self.bills.clear()

    async def shutdown(self) -> None:
        """Stop pending deliveries and close the delivery client."""
        await self.reset()
        if self.http is not None:
            await self.http.aclose()
            self.http = None

    def _order(self, out_trade_no: str) -> SimOrder:
        order = self.orders.get(out_trade_no)
        if order is None:
            raise PayFault(404, "ORDER_NOT_EXIST", "订单不存在")
        return order

    def _check_mchid(self, mchid: Any) -> None:
        if mchid != self.config.mchid:
            raise PayFault(400, "MCH_NOT_EXISTS", "商户号不存在或与请求方不一致")

    def _refunded(self, order: SimOrder) -> int:
        return sum(
            r.amount
            for r in self.refunds.values()
            if r.order is order and r.status in HOLDING_REFUND_STATES
        )

    def _outgoing(
        self, event_type: str, subject: str, url: str, resource: dict[str, Any]
    ) -> Outgoing:
        notification_id = str(uuid.uuid4())
        note = build_notification(
            event_type=event_type,
            resource=resource,
            apiv3_key=self.config.apiv3_key,
            sign_with=self.config.platform_private_key,
            public_key_id=self.config.public_key_id,
            notification_id=notification_id,
            create_time=_at(self.now()),
        )
        outgoing = Outgoing(
            id=notification_id,
            event_type=event_type,
            subject=subject,
            url=url,
            body=note.body,
        )
        self.last_notification[subject] = outgoing
        return outgoing

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        task: asyncio.Task[None] = asyncio.get_running_loop().create_task(coro)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def _auto_refund(self, refund: SimRefund, delay: float) -> None:
        await asyncio.sleep(delay)
        if refund.status == "PROCESSING":
            self.settle_refund(refund.out_refund_no, result="SUCCESS", notify=True)

    async def _deliver_with_retries(self, outgoing: Outgoing) -> None:
        scale = self.config.notify_retry_scale
        delays = (0.0, *(seconds * scale for seconds in NOTIFY_RETRY_SCHEDULE))
        for attempt, delay in enumerate(delays, start=1):
            if delay > 0:
                await asyncio.sleep(delay)
            delivery = await self._send(outgoing, attempt=attempt, replay=False)
            if delivery.status in NOTIFY_ACCEPTED:
                return

    async def _send(self, outgoing: Outgoing, *, attempt: int, replay: bool) -> Delivery:
        status: int | None = None
        error: str | None = None
        if not outgoing.url:
            error = "no notify_url"
        else:
            if self.http is None:
                self.http = httpx.AsyncClient(timeout=NOTIFY_TIMEOUT)
            # Signed at send time, like WeChat's retries: the timestamp must stay fresh.
            headers = sign_message(
                outgoing.body,
                private_key=self.config.platform_private_key,
                serial=self.config.public_key_id,
            )
            headers |= {"Content-Type": "application/json", "User-Agent": "Mozilla/4.0"}
            try:
                response = await self.http.post(
                    outgoing.url, content=outgoing.body, headers=headers
                )
                status = response.status_code
            except httpx.HTTPError as exc:
                error = f"{type(exc).__name__}: {exc}"
        delivery = Delivery(
            notification_id=outgoing.id,
            event_type=outgoing.event_type,
            subject=outgoing.subject,
            url=outgoing.url,
            attempt=attempt,
            replay=replay,
            status=status,
            error=error,
            at=time.time(),
        )
        self.deliveries.append(delivery)
        return delivery


def _add_pay_side(app: Sanic, state: PayState) -> None:
    app.ctx.pay = state
    app.add_route(pay_jsapi, "/v3/pay/transactions/jsapi", methods=["POST"])
    app.add_route(
        pay_query, "/v3/pay/transactions/out-trade-no/<out_trade_no:str>", methods=["GET"]
    )
    app.add_route(
        pay_close, "/v3/pay/transactions/out-trade-no/<out_trade_no:str>/close", methods=["POST"]
    )
    app.add_route(pay_refund, "/v3/refund/domestic/refunds", methods=["POST"])
    app.add_route(
        pay_query_refund, "/v3/refund/domestic/refunds/<out_refund_no:str>", methods=["GET"]
    )
    app.add_route(sim_pay, "/sim/pay/<out_trade_no:str>", methods=["POST"])
    app.add_route(sim_pay_view, "/sim/pay/<out_trade_no:str>", methods=["GET"])
    app.add_route(sim_refund, "/sim/refund/<out_refund_no:str>", methods=["POST"])
    app.add_route(sim_notifications, "/sim/notifications", methods=["GET"])
    app.add_route(sim_notify_replay, "/sim/notify/replay/<subject:str>", methods=["POST"])
    app.add_route(sim_pay_reset, "/sim/pay-reset", methods=["POST"])
    app.add_route(pay_trade_bill, "/v3/bill/tradebill", methods=["GET"])
    app.add_route(pay_download_bill, "/v3/billdownload/file", methods=["GET"])
    app.add_route(sim_bill_fault, "/sim/bill/fault", methods=["POST"])

    async def stop_deliveries(app: Sanic) -> None:
        await state.shutdown()

    app.register_listener(stop_deliveries, "before_server_stop")


async def pay_jsapi(request: Request) -> HTTPResponse:
    """POST /v3/pay/transactions/jsapi: a prepay_id for a mini-program payment."""
    state = _pay(request)
    state.authenticate(request, "prepay")
    return _signed(state, 200, state.prepay(_pay_body(request)))


async def pay_query(request: Request, out_trade_no: str) -> HTTPResponse:
    """GET /v3/pay/transactions/out-trade-no/<no>?mchid=: the order's trade_state."""
    state = _pay(request)
    state.authenticate(request, "query")
    return _signed(state, 200, state.query(out_trade_no, request.args.get("mchid")))


async def pay_close(request: Request, out_trade_no: str) -> HTTPResponse:
    """POST /v3/pay/transactions/out-trade-no/<no>/close: 204, the order can't be paid now."""
    state = _pay(request)
    state.authenticate(request, "close")
    state.close(out_trade_no, _pay_body(request))
    return _signed(state, 204, None)


async def pay_refund(request: Request) -> HTTPResponse:
    """POST /v3/refund/domestic/refunds: a refund, usually PROCESSING."""
    state = _pay(request)
    state.authenticate(request, "refund")
    return _signed(state, 200, state.refund(_pay_body(request)))


async def pay_query_refund(request: Request, out_refund_no: str) -> HTTPResponse:
    """GET /v3/refund/domestic/refunds/<no>: the refund's status."""
    state = _pay(request)
    state.authenticate(request, "query_refund")
    return _signed(state, 200, state.query_refund(out_refund_no))


async def sim_pay(request: Request, out_trade_no: str) -> HTTPResponse:
    """POST /sim/pay/<no> {"result", "notify", "force"}: the customer pays (or fails to)."""
    body = _optional_body(request)
    result = _pay(request).pay(
        out_trade_no,
        result=str(body.get("result", "SUCCESS")),
        notify=body.get("notify", True) is not False,
        force=body.get("force") is True,
    )
    return json(result)


async def sim_pay_view(request: Request, out_trade_no: str) -> HTTPResponse:
    """GET /sim/pay/<no>: the simulator's view of the order and its refunds."""
    return json(_pay(request).snapshot(out_trade_no))


async def sim_refund(request: Request, out_refund_no: str) -> HTTPResponse:
    """POST /sim/refund/<no> {"result", "notify"}: the refund settles and WeChat notifies."""
    body = _optional_body(request)
    result = _pay(request).settle_refund(
        out_refund_no,
        result=str(body.get("result", "SUCCESS")),
        notify=body.get("notify", True) is not False,
    )
    return json(result)


async def sim_notifications(request: Request) -> HTTPResponse:
    """GET /sim/notifications[?subject=]: every delivery attempt, and how many still run."""
    state = _pay(request)
    subject = request.args.get("subject")
    deliveries = [d.as_json() for d in state.deliveries if subject in (None, d.subject)]
    return json({"deliveries": deliveries, "pending": len(state.tasks)})


async def sim_notify_replay(request: Request, subject: str) -> HTTPResponse:
    """POST /sim/notify/replay/<no> {"times"}: resend the last notification, TIMES at once."""
    times = _optional_body(request).get("times", 1)
    if not isinstance(times, int) or isinstance(times, bool) or not 1 <= times <= MAX_REPLAYS:
        raise PayFault(400, "PARAM_ERROR", f"times must be 1..{MAX_REPLAYS}")
    deliveries = await _pay(request).replay(subject, times=times)
    return json({"deliveries": [d.as_json() for d in deliveries]})


async def sim_fault(request: Request) -> HTTPResponse:
    """POST /sim/fault {"api", "status", "code", "message", "times"}: make the next calls fail.

    For a server API (upload_shipping_info, subscribe_send, ...): {"api", "errcode",
    "errmsg", "times"}.
    """
    body = _optional_body(request)
    if body.get("api") in WXA_APIS:
        return json(arm_wxa_fault(request.app.ctx.wxa, body))
    if request.app.ctx.pay is None:
        raise PayFault(404, "NOT_FOUND", "the pay side is off")
    status, times = body.get("status", 500), body.get("times", 1)
    if not _positive_int(status) or not _positive_int(times):
        raise PayFault(400, "PARAM_ERROR", "status and times must be positive integers")
    fault = Fault(
        status=status,
        code=str(body.get("code", "SYSTEM_ERROR")),
        message=str(body.get("message", "系统错误")),
        times=times,
    )
    _pay(request).arm_fault(str(body.get("api")), fault)
    return json({"armed": body.get("api"), "times": times})


async def pay_trade_bill(request: Request) -> HTTPResponse:
    """GET /v3/bill/tradebill?bill_date=&bill_type=ALL&tar_type=GZIP: where to download it."""
    state = _pay(request)
    state.authenticate(request, "trade_bill")
    try:
        day = date.fromisoformat(request.args.get("bill_date", ""))
    except ValueError:
        raise PayFault(400, "PARAM_ERROR", "bill_date 格式错误") from None
    if request.args.get("bill_type", "ALL") not in ("ALL", "SUCCESS", "REFUND"):
        raise PayFault(400, "PARAM_ERROR", "bill_type 错误")
    entries = sim_bill.entries_of(state, day)
    bill_type = request.args.get("bill_type", "ALL")
    if bill_type == "SUCCESS":
        entries = [e for e in entries if not e.out_refund_no]
    elif bill_type == "REFUND":
        entries = [e for e in entries if e.out_refund_no]
    if not entries:
        raise PayFault(400, "NO_STATEMENT_EXIST", "当日无交易，账单不存在")
    plain = write_bill(entries)
    token = secrets.token_urlsafe(24)
    gzipped = request.args.get("tar_type") == "GZIP"
    state.bills[token] = gzip.compress(plain) if gzipped else plain
    url = f"{request.scheme}://{request.host}/v3/billdownload/file?token={token}"
    answer = {
        "hash_type": "SHA1",
        "hash_value": hashlib.sha1(plain).hexdigest(),  # noqa: S324 - WeChat's digest
        "download_url": url,
    }
    return _signed(state, 200, answer)


async def pay_download_bill(request: Request) -> HTTPResponse:
    """GET /v3/billdownload/file?token=: the bill file (signed request, unsigned answer)."""
    state = _pay(request)
    state.authenticate(request, "download_bill")
    content = state.bills.get(request.args.get("token", ""))
    if content is None:
        raise PayFault(400, "PARAM_ERROR", "token 无效或已过期")
    gzipped = content[:2] == b"\x1f\x8b"
    return HTTPResponse(
        body=content,
        status=200,
        content_type="application/x-gzip" if gzipped else "text/csv; charset=utf-8",
    )


async def sim_bill_fault(request: Request) -> HTTPResponse:
    """POST /sim/bill/fault {"out_trade_no" | "out_refund_no", "drop": true | "amount": fen}:
    leave the entry out of bills, or bill another amount; {"..", "clear": true} undoes it."""
    body = _optional_body(request)
    key = body.get("out_refund_no") or body.get("out_trade_no")
    if not isinstance(key, str) or not key:
        raise PayFault(400, "PARAM_ERROR", "out_trade_no or out_refund_no is required")
    state = _pay(request)
    if body.get("clear") is True:
        state.bill_faults.pop(key, None)
        return json({"cleared": key})
    amount = body.get("amount")
    if body.get("drop") is True:
        state.bill_faults[key] = {"drop": True}
    elif isinstance(amount, int) and not isinstance(amount, bool) and amount >= 0:
        state.bill_faults[key] = {"amount": amount}
    else:
        raise PayFault(400, "PARAM_ERROR", 'give "drop": true or "amount": fen')
    return json({"armed": key, **state.bill_faults[key]})


async def sim_pay_reset(request: Request) -> HTTPResponse:
    """POST /sim/pay-reset: forget all pay-side state, so one simulator serves many tests."""
    await _pay(request).reset()
    return json({"reset": True})


def _pay(request: Request) -> PayState:
    state: PayState = request.app.ctx.pay
    return state


def _pay_body(request: Request) -> dict[str, Any]:
    try:
        body = jsonlib.loads(request.body or b"")
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise PayFault(400, "PARAM_ERROR", "请求体不是合法的JSON对象")
    return body


def _optional_body(request: Request) -> dict[str, Any]:
    return _pay_body(request) if request.body else {}


def _signed(state: PayState, status: int, payload: Mapping[str, Any] | None) -> HTTPResponse:
    # Signed over the exact bytes sent; the SDK refuses any 2xx answer it cannot verify.
    body = b"" if payload is None else _json_bytes(payload)
    headers = sign_message(
        body, private_key=state.config.platform_private_key, serial=state.config.public_key_id
    )
    headers["Request-ID"] = uuid.uuid4().hex
    return HTTPResponse(
        body=body or None,
        status=status,
        headers=headers,
        content_type="application/json; charset=utf-8",
    )


async def _render_pay_fault(request: Request, exc: Exception) -> HTTPResponse:
    assert isinstance(exc, PayFault)
    payload = {"code": exc.code, "message": exc.message}
    state: PayState | None = request.app.ctx.pay
    if state is not None and request.path.startswith("/v3/"):
        return _signed(state, exc.status, payload)
    return json(payload, status=exc.status)


def _json_bytes(payload: Mapping[str, Any]) -> bytes:
    return jsonlib.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()


def _field(body: Mapping[str, Any], name: str, pattern: re.Pattern[str]) -> str:
    value = body.get(name)
    if not isinstance(value, str) or not pattern.fullmatch(value):
        raise PayFault(400, "PARAM_ERROR", f"{name} 格式错误")
    return value


def _positive_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def _parse_time_expire(value: Any) -> datetime | None:
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise PayFault(400, "PARAM_ERROR", "time_expire 须为 RFC 3339 格式，带时区")
    return moment


def _at(timestamp: float) -> datetime:
    return datetime.fromtimestamp(timestamp, CHINA_TZ)


def _public_key(pem: str | bytes) -> RSAPublicKey:
    key = load_pem_public_key(pem.encode() if isinstance(pem, str) else pem)
    if not isinstance(key, RSAPublicKey):
        raise ValueError("expected an RSA public key")
    return key


def _private_key(pem: str | bytes) -> RSAPrivateKey:
    key = load_pem_private_key(pem.encode() if isinstance(pem, str) else pem, password=None)
    if not isinstance(key, RSAPrivateKey):
        raise ValueError("expected an RSA private key")
    return key
