"""The simulator's message pushes (消息推送): events sealed in safe mode, POSTed to the mall.

WeChat signs and encrypts each JSON event with the token and EncodingAESKey configured in
the mini-program admin and POSTs it to the configured URL; so does this, with the same
crypto as the mall's receiver (mall.wechat.pushcrypto) and the keys from MALL_*.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import httpx

from mall.wechat.pushcrypto import PushKeys, seal

if TYPE_CHECKING:
    from mall.config import Settings

PUSH_TIMEOUT = 5.0  # WeChat waits 5 s for an answer
# The mini-program's original id (gh_...), the ToUserName of every push.
USERNAME = "gh_0123456789ab"


@dataclass(frozen=True)
class SimPushConfig:
    """Where and how the simulator pushes: the mall's URL, its token and EncodingAESKey."""

    url: str
    token: str = field(repr=False)
    encoding_aes_key: str = field(repr=False)
    # Seconds until a mediaCheckAsync verdict is pushed; None: only when a test asks for it
    # (POST /sim/push/wxa_media_check), so the moment is the test's to choose.
    media_check_delay: float | None = 1.0

    @classmethod
    def from_settings(cls, settings: Settings) -> SimPushConfig | None:
        """The config `mall wechat-sim` reads from MALL_*; None without a push token and key."""
        if not settings.wechat_push_token or not settings.wechat_push_aes_key:
            return None
        delay = settings.wechat_sim_media_check_delay
        return cls(
            url=settings.wechat_push_url,
            token=settings.wechat_push_token,
            encoding_aes_key=settings.wechat_push_aes_key,
            media_check_delay=None if delay < 0 else delay,
        )


@dataclass(frozen=True, slots=True)
class PushDelivery:
    """One push sent, as /sim/pushes lists it."""

    event: str
    payload: dict[str, Any]
    status: int | None
    answer: str
    error: str | None
    at: float

    def as_json(self) -> dict[str, Any]:
        return {
            "event": self.event,
            "payload": self.payload,
            "status": self.status,
            "answer": self.answer,
            "error": self.error,
            "at": self.at,
        }


@dataclass
class Pusher:
    """Seals and sends events; keeps a log of every attempt."""

    config: SimPushConfig
    appid: str
    deliveries: list[PushDelivery] = field(default_factory=list)
    http: httpx.AsyncClient | None = None

    @property
    def keys(self) -> PushKeys:
        return PushKeys.of(
            token=self.config.token,
            encoding_aes_key=self.config.encoding_aes_key,
            appid=self.appid,
        )

    def envelope(self, event: str, fields: dict[str, Any], *, now: float) -> dict[str, Any]:
        """The plaintext of an event push: WeChat's common fields, then the event's own."""
        return {
            "ToUserName": USERNAME,
            "FromUserName": "",
            "CreateTime": int(now),
            "MsgType": "event",
            "Event": event,
            **fields,
        }

    async def push(self, payload: dict[str, Any]) -> PushDelivery:
        """Seal PAYLOAD with a fresh timestamp and nonce and POST it to the mall."""
        message = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
        sealed = seal(message, keys=self.keys, timestamp=int(time.time()), to_user=USERNAME)
        if self.http is None:
            self.http = httpx.AsyncClient(timeout=PUSH_TIMEOUT)
        status: int | None = None
        answer, error = "", None
        try:
            response = await self.http.post(self.config.url, params=sealed.query, json=sealed.body)
            status, answer = response.status_code, response.text[:2000]
        except httpx.HTTPError as exc:
            error = f"{type(exc).__name__}: {exc}"
        delivery = PushDelivery(
            event=str(payload.get("Event", "")),
            payload=payload,
            status=status,
            answer=answer,
            error=error,
            at=time.time(),
        )
        self.deliveries.append(delivery)
        return delivery

    async def aclose(self) -> None:
        if self.http is not None:
            await self.http.aclose()
            self.http = None
