"""The WeChat Pay API v3 gateway: the wechatpayv3 SDK (async, mini-program) behind one interface.

Services call `WeChatPayGateway`; nothing outside this module touches the SDK. It runs in
"WeChat Pay public key" mode (public key + its id), so it never downloads platform certificates.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import logging
import re
import secrets
import string
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from functools import partial
from pathlib import Path
from typing import Any

import httpx
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
from cryptography.hazmat.primitives.serialization import load_pem_public_key
from wechatpayv3.async_ import AsyncWeChatPay, WeChatPayType
from wechatpayv3.utils import rsa_verify

from mall.config import Settings

log = logging.getLogger("mall.wechat.pay")

# WeChat writes and expects times as RFC 3339 in Beijing time.
CHINA_TZ = timezone(timedelta(hours=8))
MAX_NOTIFICATION_SKEW = 300
SIGNATURE_TYPE = "WECHATPAY2-SHA256-RSA2048"
NOTIFICATION_HEADERS = (
    "Wechatpay-Signature",
    "Wechatpay-Timestamp",
    "Wechatpay-Nonce",
    "Wechatpay-Serial",
    "Wechatpay-Signature-Type",
)
# WeChat's answer for a day without trades (no bill is made for it).
NO_BILL_CODES = frozenset({"NO_STATEMENT_EXIST"})
NOT_FOUND_CODES = frozenset({"ORDER_NOT_EXIST", "RESOURCE_NOT_EXISTS"})
RETRYABLE_CODES = frozenset(
    {"SYSTEM_ERROR", "SYSTEMERROR", "BANKERROR", "FREQUENCY_LIMITED", "NETWORK_ERROR"}
)
NONCE_ALPHABET = string.ascii_uppercase + string.digits
# WeChat's alphabets. The SDK pastes these numbers into URL paths unescaped, so anything
# else (/ ? # % ..) would let a number rewrite the request path.
OUT_TRADE_NO = re.compile(r"[0-9A-Za-z_\-|*]{6,32}")
OUT_REFUND_NO = re.compile(r"[0-9A-Za-z_\-|*@]{1,64}")


class PayError(Exception):
    """WeChat Pay refused a call or could not be reached (status 0: no HTTP answer)."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"WeChat Pay {status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message

    @property
    def retryable(self) -> bool:
        """True when the same call may succeed later (network, 5xx, rate limit); calls are
        keyed by out_trade_no / out_refund_no, so repeating one never pays or refunds twice."""
        return self.status >= 500 or self.status == 429 or self.code in RETRYABLE_CODES


class PayOrderNotFound(PayError):
    """WeChat has no order (or refund) under that number."""


class OrderAlreadyPaid(PayError):
    """The order is paid: it cannot be closed or prepaid again."""


class PayOrderClosed(PayError):
    """The order was closed: it can no longer be paid."""


class NotificationRejected(Exception):
    """A callback that is not a genuine, fresh, readable WeChat Pay notification."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class PayQueryResult:
    """A transaction as WeChat sees it (query answer or TRANSACTION.* resource)."""

    out_trade_no: str
    trade_state: str  # SUCCESS, NOTPAY, CLOSED, REFUND, PAYERROR, USERPAYING, REVOKED
    trade_state_desc: str
    transaction_id: str | None
    total_fen: int | None
    payer_total_fen: int | None
    success_time: datetime | None
    payer_openid: str | None
    appid: str | None
    mchid: str | None
    raw: dict[str, Any] = field(repr=False)

    @property
    def paid(self) -> bool:
        """Money was taken (REFUND means paid, then refunded in part or whole)."""
        return self.trade_state in ("SUCCESS", "REFUND")


@dataclass(frozen=True, slots=True)
class RefundResult:
    """A refund as WeChat sees it (refund/query answer or REFUND.* resource)."""

    out_refund_no: str
    refund_id: str | None
    out_trade_no: str | None
    transaction_id: str | None
    status: str  # PROCESSING, SUCCESS, CLOSED, ABNORMAL
    refund_fen: int | None
    total_fen: int | None
    success_time: datetime | None
    raw: dict[str, Any] = field(repr=False)


@dataclass(frozen=True, slots=True)
class Notification:
    """A verified, decrypted notification: the envelope's fields and the plaintext resource."""

    id: str
    event_type: str  # TRANSACTION.SUCCESS, REFUND.SUCCESS, REFUND.ABNORMAL, REFUND.CLOSED
    create_time: str
    summary: str
    resource: dict[str, Any]

    def transaction(self) -> PayQueryResult:
        """The resource read as a transaction (for TRANSACTION.* events)."""
        return transaction_from(self.resource)

    def refund(self) -> RefundResult:
        """The resource read as a refund (for REFUND.* events)."""
        return refund_from(self.resource)


class WeChatPayGateway:
    """One merchant's WeChat Pay: one SDK client and one httpx connection pool per process."""

    def __init__(
        self,
        *,
        mchid: str,
        appid: str,
        private_key_pem: str,
        cert_serial_no: str,
        apiv3_key: str,
        public_key_pem: str,
        public_key_id: str,
        notify_url: str,
        refund_notify_url: str,
        api_base: str = "https://api.mch.weixin.qq.com",
        timeout: float = 10.0,
        max_notification_skew: float = MAX_NOTIFICATION_SKEW,
    ) -> None:
        if len(apiv3_key.encode()) != 32:
            raise ValueError("the WeChat Pay APIv3 key must be 32 bytes")
        try:
            # No logger: the SDK would log Authorization headers and decrypted payloads.
            self._sdk = AsyncWeChatPay(
                wechatpay_type=WeChatPayType.MINIPROG,
                mchid=mchid,
                private_key=private_key_pem,
                cert_serial_no=cert_serial_no,
                appid=appid,
                apiv3_key=apiv3_key,
                notify_url=notify_url,
                timeout=(min(timeout, 5.0), timeout),
                public_key=public_key_pem,
                public_key_id=public_key_id,
            )
        except Exception as exc:  # the SDK raises bare Exception for unreadable keys
            raise ValueError(f"WeChat Pay keys could not be loaded: {exc}") from exc
        # The SDK has no option for the host; every request goes to _gate_way + path.
        self._sdk._core._gate_way = api_base.rstrip("/")
        self._mchid = mchid
        self._appid = appid
        self._refund_notify_url = refund_notify_url
        self._public_key_id = public_key_id
        public_key = load_pem_public_key(public_key_pem.encode())
        if not isinstance(public_key, RSAPublicKey):
            raise ValueError("the WeChat Pay public key must be an RSA key")
        self._public_key = public_key
        self._max_skew = max_notification_skew
        self._open = False

    @classmethod
    def from_settings(cls, settings: Settings) -> WeChatPayGateway:
        """The gateway configured by MALL_WECHAT_* settings; refuses a half-configured one."""
        missing = [
            name
            for name in (
                "wechat_pay_private_key_path",
                "wechat_pay_cert_serial_no",
                "wechat_pay_apiv3_key",
                "wechat_pay_public_key_path",
                "wechat_pay_public_key_id",
            )
            if not getattr(settings, name)
        ]
        if missing:
            names = ", ".join(f"MALL_{name.upper()}" for name in missing)
            raise ValueError(f"WeChat Pay is not configured: set {names}")
        assert settings.wechat_pay_private_key_path and settings.wechat_pay_public_key_path
        return cls(
            mchid=settings.wechat_mchid,
            appid=settings.wechat_appid,
            private_key_pem=_read(settings.wechat_pay_private_key_path),
            cert_serial_no=settings.wechat_pay_cert_serial_no,
            apiv3_key=settings.wechat_pay_apiv3_key,
            public_key_pem=_read(settings.wechat_pay_public_key_path),
            public_key_id=settings.wechat_pay_public_key_id,
            notify_url=settings.wechat_pay_notify_url,
            refund_notify_url=settings.wechat_pay_refund_notify_url,
            api_base=settings.wechat_pay_api_base,
            timeout=settings.wechat_timeout,
        )

    async def __aenter__(self) -> WeChatPayGateway:
        await self._ensure_open()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the connection pool; a later call opens a new one."""
        if self._open:
            self._open = False
            await self._sdk.__aexit__(None, None, None)

    async def prepay(
        self,
        *,
        out_trade_no: str,
        description: str,
        total_fen: int,
        openid: str,
        time_expire: datetime,
    ) -> str:
        """A JSAPI (mini-program) prepay for the order; returns the prepay_id."""
        _check(OUT_TRADE_NO, out_trade_no, "out_trade_no")
        if time_expire.tzinfo is None:
            raise ValueError("time_expire must be timezone-aware")
        data = await self._call(
            "prepay",
            partial(
                self._sdk.pay,
                description=description,
                out_trade_no=out_trade_no,
                amount={"total": total_fen, "currency": "CNY"},
                payer={"openid": openid},
                time_expire=format_time(time_expire),
            ),
        )
        prepay_id = data.get("prepay_id")
        if not isinstance(prepay_id, str) or not prepay_id:
            raise PayError(200, "INVALID_RESPONSE", "prepay answered without prepay_id")
        return prepay_id

    def request_payment_params(self, prepay_id: str) -> dict[str, str]:
        """The arguments of wx.requestPayment, signed with the merchant key."""
        time_stamp = str(int(time.time()))
        nonce = "".join(secrets.choice(NONCE_ALPHABET) for _ in range(32))
        package = f"prepay_id={prepay_id}"
        return {
            "timeStamp": time_stamp,
            "nonceStr": nonce,
            "package": package,
            "signType": "RSA",
            "paySign": self._sdk.sign([self._appid, time_stamp, nonce, package]),
        }

    async def query(self, *, out_trade_no: str) -> PayQueryResult:
        """The transaction's state by out_trade_no; PayOrderNotFound when never prepaid."""
        _check(OUT_TRADE_NO, out_trade_no, "out_trade_no")
        data = await self._call("query", partial(self._sdk.query, out_trade_no=out_trade_no))
        return transaction_from(data)

    async def close(self, *, out_trade_no: str) -> None:
        """Close the order so it can no longer be paid; OrderAlreadyPaid if it was paid.

        Closing a closed order, or one WeChat never saw (no prepay, so nothing payable), is fine.
        """
        _check(OUT_TRADE_NO, out_trade_no, "out_trade_no")
        try:
            await self._call("close", partial(self._sdk.close, out_trade_no=out_trade_no))
        except (PayOrderClosed, PayOrderNotFound):
            return

    async def refund(
        self,
        *,
        out_trade_no: str,
        out_refund_no: str,
        refund_fen: int,
        total_fen: int,
        reason: str,
    ) -> RefundResult:
        """Ask for a refund; the answer is usually PROCESSING, settled by notification or query."""
        _check(OUT_TRADE_NO, out_trade_no, "out_trade_no")
        _check(OUT_REFUND_NO, out_refund_no, "out_refund_no")
        data = await self._call(
            "refund",
            partial(
                self._sdk.refund,
                out_refund_no=out_refund_no,
                amount={"refund": refund_fen, "total": total_fen, "currency": "CNY"},
                out_trade_no=out_trade_no,
                reason=reason or None,
                notify_url=self._refund_notify_url,
            ),
        )
        return refund_from(data)

    async def query_refund(self, *, out_refund_no: str) -> RefundResult:
        """The refund's state by out_refund_no; PayOrderNotFound when WeChat has none."""
        _check(OUT_REFUND_NO, out_refund_no, "out_refund_no")
        data = await self._call(
            "query_refund", partial(self._sdk.query_refund, out_refund_no=out_refund_no)
        )
        return refund_from(data)

    async def trade_bill(self, *, bill_date: date) -> bytes | None:
        """The day's trade bill (bill_type ALL) as plain CSV bytes, its hash checked; None when
        WeChat has no bill for the day (NO_STATEMENT_EXIST: nothing was traded)."""
        try:
            data = await self._call(
                "trade_bill",
                partial(self._sdk.trade_bill, bill_date=bill_date.isoformat(), bill_type="ALL"),
            )
        except PayError as exc:
            if exc.code in NO_BILL_CODES:
                return None
            raise
        url, hash_type = data.get("download_url"), str(data.get("hash_type", "SHA1"))
        if not isinstance(url, str) or not url:
            raise PayError(200, "INVALID_RESPONSE", "trade_bill answered without download_url")
        await self._ensure_open()
        try:
            status, content = await self._sdk.download_bill(url)
        except httpx.HTTPError as exc:
            raise PayError(0, "NETWORK_ERROR", f"download_bill: {exc}") from exc
        raw = content.encode() if isinstance(content, str) else content
        if not 200 <= status < 300:
            answer = _json_object(raw.decode("utf-8", "replace"))
            raise PayError(
                status, str(answer.get("code") or "UNKNOWN"), str(answer.get("message") or "")
            )
        if raw[:2] == b"\x1f\x8b":
            try:
                raw = gzip.decompress(raw)
            except (OSError, EOFError) as exc:
                raise PayError(
                    200, "INVALID_BILL", f"the bill is not readable gzip: {exc}"
                ) from exc
        # hash_value is the digest of the bill itself (after gunzip).
        algorithm = "sha256" if hash_type.upper() == "SHA256" else "sha1"
        expected = data.get("hash_value")
        digest = hashlib.new(algorithm, raw).hexdigest().lower()
        if isinstance(expected, str) and expected and digest != expected.lower():
            raise PayError(200, "INVALID_BILL", "the bill does not match its hash_value")
        return raw

    def parse_notification(self, *, headers: Mapping[str, str], body: bytes) -> Notification:
        """Verify (signature, serial, fresh timestamp), decrypt and check a callback's body."""
        lowered = {key.lower(): value for key, value in headers.items()}
        # Canonical names: the SDK only knows a few spellings of these headers.
        wanted = {name: lowered.get(name.lower(), "") for name in NOTIFICATION_HEADERS}
        missing = [name for name, value in wanted.items() if not value]
        if missing:
            raise NotificationRejected(f"missing headers: {', '.join(missing)}")
        if wanted["Wechatpay-Signature-Type"] != SIGNATURE_TYPE:
            raise NotificationRejected("unsupported signature type")
        if wanted["Wechatpay-Serial"] != self._public_key_id:
            raise NotificationRejected("signed with an unknown key (Wechatpay-Serial)")
        try:
            timestamp = int(wanted["Wechatpay-Timestamp"])
        except ValueError:
            raise NotificationRejected("malformed Wechatpay-Timestamp") from None
        # The SDK does not look at the timestamp; without this a captured call replays forever.
        if abs(time.time() - timestamp) > self._max_skew:
            raise NotificationRejected("stale Wechatpay-Timestamp")
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            raise NotificationRejected("body is not UTF-8") from None
        if not rsa_verify(
            wanted["Wechatpay-Timestamp"],
            wanted["Wechatpay-Nonce"],
            text,
            wanted["Wechatpay-Signature"],
            self._public_key,
        ):
            raise NotificationRejected("signature does not verify")
        try:
            # Verifies again and decrypts; None means the APIv3 key does not open the resource.
            data = self._sdk.callback(wanted, text)
        except Exception as exc:  # the SDK raises bare Exception / JSON / base64 errors
            raise NotificationRejected(f"unreadable notification: {exc}") from exc
        if not isinstance(data, dict) or not isinstance(data.get("resource"), dict):
            raise NotificationRejected("resource could not be decrypted")
        resource: dict[str, Any] = data["resource"]
        if resource.get("mchid", self._mchid) != self._mchid:
            raise NotificationRejected("notification for another merchant (mchid)")
        if resource.get("appid", self._appid) != self._appid:
            raise NotificationRejected("notification for another app (appid)")
        return Notification(
            id=str(data.get("id", "")),
            event_type=str(data.get("event_type", "")),
            create_time=str(data.get("create_time", "")),
            summary=str(data.get("summary", "")),
            resource=resource,
        )

    async def _ensure_open(self) -> None:
        # The SDK makes its httpx client in __aenter__ and closes it in __aexit__: entered once
        # and kept, every call shares one pool. In public-key mode __aenter__ never suspends
        # (no certificate download), so two first callers cannot both open it.
        if not self._open:
            self._open = True
            await self._sdk.__aenter__()

    async def _call(
        self, api: str, request: Callable[[], Awaitable[tuple[int, str | bytes]]]
    ) -> dict[str, Any]:
        await self._ensure_open()
        try:
            status, text = await request()
        except httpx.HTTPError as exc:
            raise PayError(0, "NETWORK_ERROR", f"{api}: {type(exc).__name__}: {exc}") from exc
        except Exception as exc:  # the SDK's bare Exception, e.g. a response it cannot verify
            if "verify the signature" in str(exc):
                raise PayError(0, "INVALID_RESPONSE_SIGNATURE", f"{api}: {exc}") from exc
            raise PayError(0, "SDK_ERROR", f"{api}: {exc}") from exc
        if isinstance(text, bytes):
            text = text.decode("utf-8", "replace")
        data = _json_object(text)
        if 200 <= status < 300:
            return data
        code = str(data.get("code") or "UNKNOWN")
        message = str(data.get("message") or text or f"HTTP {status}")
        log.info("wechat pay %s refused: %s %s %s", api, status, code, message)
        if code in NOT_FOUND_CODES:
            raise PayOrderNotFound(status, code, message)
        if code == "ORDERPAID":
            raise OrderAlreadyPaid(status, code, message)
        if code == "ORDER_CLOSED":
            raise PayOrderClosed(status, code, message)
        raise PayError(status, code, message)


def format_time(moment: datetime) -> str:
    """RFC 3339 in Beijing time, as WeChat writes it: 2026-11-23T10:34:56+08:00."""
    return moment.astimezone(CHINA_TZ).isoformat(timespec="seconds")


def parse_time(value: Any) -> datetime | None:
    """A WeChat RFC 3339 time as an aware UTC datetime; None when absent or unreadable."""
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.fromisoformat(value).astimezone(UTC)
    except ValueError:
        return None


def transaction_from(data: Mapping[str, Any]) -> PayQueryResult:
    """Read a transaction object (query answer or decrypted TRANSACTION resource)."""
    amount = data.get("amount") if isinstance(data.get("amount"), dict) else {}
    payer = data.get("payer") if isinstance(data.get("payer"), dict) else {}
    assert isinstance(amount, dict) and isinstance(payer, dict)
    return PayQueryResult(
        out_trade_no=str(data.get("out_trade_no", "")),
        trade_state=str(data.get("trade_state", "")),
        trade_state_desc=str(data.get("trade_state_desc", "")),
        transaction_id=_str_or_none(data.get("transaction_id")),
        total_fen=_int_or_none(amount.get("total")),
        payer_total_fen=_int_or_none(amount.get("payer_total")),
        success_time=parse_time(data.get("success_time")),
        payer_openid=_str_or_none(payer.get("openid")),
        appid=_str_or_none(data.get("appid")),
        mchid=_str_or_none(data.get("mchid")),
        raw=dict(data),
    )


def refund_from(data: Mapping[str, Any]) -> RefundResult:
    """Read a refund object (refund/query answer, or REFUND resource with refund_status)."""
    amount = data.get("amount") if isinstance(data.get("amount"), dict) else {}
    assert isinstance(amount, dict)
    return RefundResult(
        out_refund_no=str(data.get("out_refund_no", "")),
        refund_id=_str_or_none(data.get("refund_id")),
        out_trade_no=_str_or_none(data.get("out_trade_no")),
        transaction_id=_str_or_none(data.get("transaction_id")),
        status=str(data.get("status") or data.get("refund_status") or ""),
        refund_fen=_int_or_none(amount.get("refund")),
        total_fen=_int_or_none(amount.get("total")),
        success_time=parse_time(data.get("success_time")),
        raw=dict(data),
    )


def _check(pattern: re.Pattern[str], value: str, name: str) -> None:
    if not pattern.fullmatch(value):
        raise ValueError(f"{name} must match {pattern.pattern}")


def _json_object(text: str) -> dict[str, Any]:
    if not text:
        return {}
    try:
        data = json.loads(text)
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _str_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _int_or_none(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _read(path: Path) -> str:
    return Path(path).read_text()
