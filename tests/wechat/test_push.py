"""The message-push URL: WeChat's URL check, safe-mode pushes, and every forgery refused."""

from __future__ import annotations

import base64
import json
import time
from typing import Any

import httpx

from mall.config import Settings
from mall.wechat.pushcrypto import PushKeys, decrypt, encrypt, new_encoding_aes_key, seal, signature
from tests.factories import assert_error

PUSH = "/api/v1/wechat/push"


def keys(settings: Settings) -> PushKeys:
    return PushKeys.of(
        token=settings.wechat_push_token,
        encoding_aes_key=settings.wechat_push_aes_key,
        appid=settings.wechat_appid,
    )


def event(name: str = "debug_demo", **fields: Any) -> bytes:
    payload = {
        "ToUserName": "gh_0123456789ab",
        "FromUserName": "o-someone",
        "CreateTime": int(time.time()),
        "MsgType": "event",
        "Event": name,
        **fields,
    }
    return json.dumps(payload).encode()


async def post(client: httpx.AsyncClient, query: dict[str, str], body: dict[str, str]) -> Any:
    return await client.post(PUSH, params=query, json=body)


def test_encrypt_then_decrypt_gives_the_message_and_appid_back() -> None:
    key = PushKeys.of(token="t", encoding_aes_key=new_encoding_aes_key(), appid="wx1").aes_key
    for message in (b"", b"{}", "中文消息".encode() * 40):
        assert decrypt(encrypt(message, aes_key=key, appid="wx1"), aes_key=key) == (message, "wx1")


async def test_url_verification_echoes_echostr(client: httpx.AsyncClient, settings) -> None:
    stamp, nonce = str(int(time.time())), "12345"
    sig = signature(settings.wechat_push_token, stamp, nonce)
    ok = await client.get(
        PUSH, params={"signature": sig, "timestamp": stamp, "nonce": nonce, "echostr": "abc1"}
    )
    assert ok.status_code == 200 and ok.text == "abc1"
    bad = await client.get(
        PUSH, params={"signature": "0" * 40, "timestamp": stamp, "nonce": nonce, "echostr": "x"}
    )
    assert_error(bad, 401, "invalid_signature")


async def test_a_sealed_push_is_accepted(client: httpx.AsyncClient, settings) -> None:
    sealed = seal(event(), keys=keys(settings), timestamp=int(time.time()))
    resp = await post(client, sealed.query, sealed.body)
    assert resp.status_code == 200 and resp.text == "success"


async def test_a_forged_signature_is_refused(client: httpx.AsyncClient, settings) -> None:
    forger = PushKeys(token="not-the-token", aes_key=keys(settings).aes_key, appid="x")
    sealed = seal(event(), keys=forger, timestamp=int(time.time()))
    assert_error(await post(client, sealed.query, sealed.body), 401, "invalid_signature")
    # The right signature over other ciphertext does not carry over either.
    good = seal(event(), keys=keys(settings), timestamp=int(time.time()))
    other = seal(event(), keys=keys(settings), timestamp=int(time.time()))
    assert_error(await post(client, good.query, other.body), 401, "invalid_signature")


async def test_tampered_ciphertext_is_refused(client: httpx.AsyncClient, settings) -> None:
    """Someone with the token but not the key re-signs altered ciphertext: it does not open."""
    k = keys(settings)
    sealed = seal(event(), keys=k, timestamp=int(time.time()))
    raw = bytearray(base64.b64decode(sealed.body["Encrypt"]))
    raw[-1] ^= 0x01  # the padding byte, in the last block
    tampered = base64.b64encode(bytes(raw)).decode()
    query = dict(sealed.query)
    query["msg_signature"] = signature(k.token, query["timestamp"], query["nonce"], tampered)
    resp = await post(client, query, {"ToUserName": "", "Encrypt": tampered})
    assert_error(resp, 400, "bad_ciphertext")
    # Ciphertext sealed with another key opens to garbage the same way.
    foreign = encrypt(
        event(),
        aes_key=PushKeys.of(
            token="t", encoding_aes_key=new_encoding_aes_key(), appid=k.appid
        ).aes_key,
        appid=k.appid,
    )
    query["msg_signature"] = signature(k.token, query["timestamp"], query["nonce"], foreign)
    assert_error(await post(client, query, {"Encrypt": foreign}), 400, "bad_ciphertext")


async def test_a_push_for_another_appid_is_refused(client: httpx.AsyncClient, settings) -> None:
    k = keys(settings)
    other_app = PushKeys(token=k.token, aes_key=k.aes_key, appid="wx-someone-else")
    sealed = seal(event(), keys=other_app, timestamp=int(time.time()))
    assert_error(await post(client, sealed.query, sealed.body), 403, "wrong_appid")


async def test_stale_and_future_timestamps_are_refused(client: httpx.AsyncClient, settings) -> None:
    for offset in (-(settings.wechat_push_max_skew + 30), settings.wechat_push_max_skew + 30):
        sealed = seal(event(), keys=keys(settings), timestamp=int(time.time()) + offset)
        assert_error(await post(client, sealed.query, sealed.body), 401, "stale_push")


async def test_a_replayed_push_is_refused(client: httpx.AsyncClient, settings) -> None:
    sealed = seal(event(), keys=keys(settings), timestamp=int(time.time()))
    assert (await post(client, sealed.query, sealed.body)).text == "success"
    assert_error(await post(client, sealed.query, sealed.body), 409, "replayed_push")


async def test_malformed_pushes_are_400(client: httpx.AsyncClient, settings) -> None:
    sealed = seal(event(), keys=keys(settings), timestamp=int(time.time()))
    assert_error(await client.post(PUSH, params=sealed.query, content=b"not json"), 400)
    assert_error(await post(client, {}, sealed.body), 400, "malformed_push")
    no_encrypt = await post(client, sealed.query, {"ToUserName": "x"})
    assert_error(no_encrypt, 400, "malformed_push")


async def test_a_refused_push_changes_nothing(client: httpx.AsyncClient, settings) -> None:
    """A popup push records acceptances only when it is genuine."""
    from models import SubscriptionGrant, User
    from tests.factories import login

    user_id = (await login(client, "popper"))["user"]["id"]
    openid = (await User.get(id=user_id)).openid
    popup = event(
        "subscribe_msg_popup_event",
        FromUserName=openid,
        List={"TemplateId": "TPL_A", "SubscribeStatusString": "accept", "PopupScene": "0"},
    )
    k = keys(settings)
    forged = seal(
        popup,
        keys=PushKeys(token="guess", aes_key=k.aes_key, appid=k.appid),
        timestamp=int(time.time()),
    )
    assert_error(await post(client, forged.query, forged.body), 401, "invalid_signature")
    stale = seal(popup, keys=k, timestamp=int(time.time()) - 3600)
    assert_error(await post(client, stale.query, stale.body), 401, "stale_push")
    assert await SubscriptionGrant.filter(user_id=user_id).count() == 0

    genuine = seal(popup, keys=k, timestamp=int(time.time()))
    assert (await post(client, genuine.query, genuine.body)).text == "success"
    assert_error(await post(client, genuine.query, genuine.body), 409, "replayed_push")
    grants = await SubscriptionGrant.filter(user_id=user_id).values_list("template_id", "state")
    assert grants == [("TPL_A", "available")]
