"""The mini-program server API client: login codes, phone numbers and the app's access token."""

from __future__ import annotations

import asyncio
import logging
import re
from dataclasses import dataclass, field
from typing import Any

import httpx
import redis.asyncio as aioredis
from redis.exceptions import LockError

from mall.config import Settings

log = logging.getLogger("mall.wechat")

# Renew the cached token 5 minutes early, the window in which WeChat already mints the next one.
TOKEN_EARLY_EXPIRY = 300
# 40001: revoked by someone's forced refresh; 42001: expired by WeChat's clock, not ours.
STALE_TOKEN_ERRCODES = frozenset({40001, 42001})


class WeChatError(Exception):
    """WeChat answered errcode != 0, or could not be reached (errcode -1)."""

    def __init__(self, errcode: int, errmsg: str) -> None:
        super().__init__(f"WeChat error {errcode}: {errmsg}")
        self.errcode = errcode
        self.errmsg = errmsg


@dataclass(frozen=True, slots=True)
class WxSession:
    """What jscode2session says about the person behind a login code."""

    openid: str
    session_key: str = field(repr=False)  # decrypts the user's data: keep it out of logs
    unionid: str | None = None


@dataclass(frozen=True, slots=True)
class PhoneInfo:
    """The phone number the user agreed to share."""

    phone_number: str
    pure_phone_number: str
    country_code: str


class _RedactSecrets(logging.Filter):
    """httpx logs every request URL at INFO, and WeChat wants the secret and token in the URL."""

    pattern = re.compile(r"((?:secret|access_token)=)[^&\s\"]+")

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(
                self.pattern.sub(r"\1***", str(arg)) if isinstance(arg, httpx.URL) else arg
                for arg in record.args
            )
        return True


def _install_redaction() -> None:
    httpx_log = logging.getLogger("httpx")
    if not any(isinstance(f, _RedactSecrets) for f in httpx_log.filters):
        httpx_log.addFilter(_RedactSecrets())


class MiniProgramClient:
    """One mini-program's server API, with the access token cached in Redis for every process."""

    def __init__(
        self,
        *,
        settings: Settings,
        redis: aioredis.Redis,
        http: httpx.AsyncClient | None = None,
    ) -> None:
        self._appid = settings.wechat_appid
        self._secret = settings.wechat_secret
        # Absolute URLs, so an injected client works whatever its base_url.
        self._base = settings.wechat_api_base.rstrip("/")
        self._lock_timeout = settings.wechat_timeout + 5
        self._redis = redis
        self._owns_http = http is None
        self._http = http or httpx.AsyncClient(
            base_url=self._base, timeout=httpx.Timeout(settings.wechat_timeout)
        )
        self._token_key = f"mall:wechat:access_token:{self._appid}"
        # The asyncio lock keeps one process's waiters off Redis; the Redis lock spans workers.
        self._token_lock = asyncio.Lock()
        _install_redaction()

    async def code2session(self, code: str) -> WxSession:
        """Exchange a wx.login code for the user's openid, session_key and unionid."""
        data = await self._request(
            "GET",
            "/sns/jscode2session",
            params={
                "appid": self._appid,
                "secret": self._secret,
                "js_code": code,
                "grant_type": "authorization_code",
            },
        )
        openid, session_key = data.get("openid"), data.get("session_key")
        if not isinstance(openid, str) or not isinstance(session_key, str):
            raise WeChatError(-1, "jscode2session answered without openid/session_key")
        unionid = data.get("unionid")
        return WxSession(
            openid=openid,
            session_key=session_key,
            unionid=unionid if isinstance(unionid, str) else None,
        )

    async def phone_number(self, code: str) -> PhoneInfo:
        """Exchange a getPhoneNumber code for the number; refreshes a stale token once."""
        data = await self.call("/wxa/business/getuserphonenumber", {"code": code})
        info = data.get("phone_info")
        fields = ("phoneNumber", "purePhoneNumber", "countryCode")
        if not isinstance(info, dict) or not all(isinstance(info.get(f), str) for f in fields):
            raise WeChatError(-1, "getuserphonenumber answered without phone_info")
        return PhoneInfo(
            phone_number=info["phoneNumber"],
            pure_phone_number=info["purePhoneNumber"],
            country_code=info["countryCode"],
        )

    async def call(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        """POST a server API with the app's access token (errcode != 0 raises WeChatError).

        A token WeChat calls stale (40001 revoked, 42001 expired) is refreshed once and the
        call repeated; every server API of the mall goes through here.
        """
        token = await self.access_token()
        try:
            return await self._request("POST", path, params={"access_token": token}, json=body)
        except WeChatError as exc:
            if exc.errcode not in STALE_TOKEN_ERRCODES:
                raise
            log.info("wechat access token rejected (%s), refreshing once", exc.errcode)
            token = await self._refresh_token(stale=token, force=True)
            return await self._request("POST", path, params={"access_token": token}, json=body)

    async def access_token(self, *, force: bool = False) -> str:
        """The app's access token from the Redis cache, fetched by one caller when missing."""
        cached = await self._cached_token()
        if cached and not force:
            return cached
        return await self._refresh_token(stale=cached if force else None, force=force)

    async def aclose(self) -> None:
        """Close the HTTP client if this client made it; Redis belongs to the caller."""
        if self._owns_http:
            await self._http.aclose()

    async def _refresh_token(self, *, stale: str | None, force: bool) -> str:
        # Whoever waited on a lock re-reads the cache: a token other than the stale one means
        # someone already fetched it, and a second forced refresh would revoke theirs.
        async with self._token_lock:
            cached = await self._cached_token()
            if cached and cached != stale:
                return cached
            lock = self._redis.lock(
                f"{self._token_key}:lock",
                timeout=self._lock_timeout,
                blocking_timeout=self._lock_timeout,
                sleep=0.05,
                thread_local=False,
            )
            # Past the wait, fetch anyway: a slow peer must not turn into a failed login.
            acquired = await lock.acquire()
            try:
                if acquired:
                    cached = await self._cached_token()
                    if cached and cached != stale:
                        return cached
                return await self._fetch_token(force=force)
            finally:
                if acquired:
                    try:
                        await lock.release()
                    except LockError:
                        log.warning("wechat token lock expired before release")

    async def _cached_token(self) -> str | None:
        cached = await self._redis.get(self._token_key)
        if isinstance(cached, bytes):  # a Redis client without decode_responses
            return cached.decode()
        return cached if isinstance(cached, str) else None

    async def _fetch_token(self, *, force: bool) -> str:
        body: dict[str, Any] = {
            "grant_type": "client_credential",
            "appid": self._appid,
            "secret": self._secret,
        }
        if force:
            body["force_refresh"] = True
        data = await self._request("POST", "/cgi-bin/stable_token", json=body)
        token, expires_in = data.get("access_token"), data.get("expires_in")
        if not isinstance(token, str) or not isinstance(expires_in, int):
            raise WeChatError(-1, "stable_token answered without access_token/expires_in")
        ttl = expires_in - TOKEN_EARLY_EXPIRY
        if ttl > 0:
            await self._redis.set(self._token_key, token, ex=ttl)
        return token

    async def _request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, str] | None = None,
        json: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        try:
            response = await self._http.request(
                method, f"{self._base}{path}", params=params, json=json
            )
        except httpx.HTTPError as exc:
            raise WeChatError(-1, f"{path} failed: {type(exc).__name__}: {exc}") from exc
        try:
            data = response.json()
        except ValueError as exc:
            raise WeChatError(
                -1, f"{path} answered HTTP {response.status_code} with a non-JSON body"
            ) from exc
        if not isinstance(data, dict):
            raise WeChatError(-1, f"{path} answered HTTP {response.status_code} with non-object")
        errcode = data.get("errcode") or 0
        if errcode != 0:
            raise WeChatError(
                errcode if isinstance(errcode, int) else -1, str(data.get("errmsg", errcode))
            )
        if response.status_code != httpx.codes.OK:
            raise WeChatError(-1, f"{path} answered HTTP {response.status_code}")
        return data
