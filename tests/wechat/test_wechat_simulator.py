"""The WeChat simulator's login side, run as a real server and driven by the real client."""

from __future__ import annotations

import asyncio
import base64
import logging
import os
import socket
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import redis.asyncio as aioredis
from sanic import Sanic

from mall.config import Settings
from mall.wechat.miniprogram import MiniProgramClient, WeChatError
from mall.wechat.simulator import create_sim_app

Sanic.test_mode = True  # a fresh simulator (same app name) per test

SECRET = "sim-test-secret"


@dataclass
class Sim:
    """A running simulator: its URL, appid, and the /sim/ controls."""

    url: str
    appid: str
    http: httpx.AsyncClient

    async def stats(self) -> dict[str, Any]:
        return (await self.http.get("/sim/stats")).json()

    async def advance_clock(self, seconds: float) -> None:
        (await self.http.post("/sim/clock", json={"advance": seconds})).raise_for_status()

    async def issue_phone_code(self, name: str) -> str:
        return (await self.http.post("/sim/phone_code", json={"name": name})).json()["code"]

    async def stable_token(self, **extra: Any) -> dict[str, Any]:
        body = {"grant_type": "client_credential", "appid": self.appid, "secret": SECRET}
        return (await self.http.post("/cgi-bin/stable_token", json=body | extra)).json()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
async def sim() -> AsyncIterator[Sim]:
    appid = f"wx-sim-test-{uuid.uuid4().hex[:12]}"
    app = create_sim_app(appid=appid, secret=SECRET)
    port = free_port()
    server = await app.create_server(
        host="127.0.0.1", port=port, return_asyncio_server=True, access_log=False
    )
    assert server is not None
    await server.startup()
    await server.before_start()
    await server.after_start()
    url = f"http://127.0.0.1:{port}"
    async with httpx.AsyncClient(base_url=url) as http:
        yield Sim(url=url, appid=appid, http=http)
    await server.before_stop()
    server.close()
    await server.wait_closed()
    await server.after_stop()


@pytest.fixture
async def redis(sim: Sim) -> AsyncIterator[aioredis.Redis]:
    client = aioredis.from_url(
        os.environ.get("MALL_TEST_REDIS_URL", "redis://127.0.0.1:6379/15"), decode_responses=True
    )
    yield client
    async for key in client.scan_iter(match=f"mall:wechat:access_token:{sim.appid}*"):
        await client.delete(key)
    await client.aclose()


def settings_for(sim: Sim, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "wechat_appid": sim.appid,
        "wechat_secret": SECRET,
        "wechat_api_base": sim.url,
        "wechat_timeout": 2.0,
    }
    return Settings(**(values | overrides))


@pytest.fixture
async def wechat(sim: Sim, redis: aioredis.Redis) -> AsyncIterator[MiniProgramClient]:
    client = MiniProgramClient(settings=settings_for(sim), redis=redis)
    yield client
    await client.aclose()


async def test_codes_of_one_name_log_in_one_person(wechat: MiniProgramClient) -> None:
    alice = [await wechat.code2session(code) for code in ("alice", "alice:phone", "alice:2")]
    bob = await wechat.code2session("bob:1")

    assert len({s.openid for s in alice}) == 1
    assert len({s.unionid for s in alice}) == 1
    assert bob.openid != alice[0].openid and bob.unionid != alice[0].unionid
    assert alice[0].openid.startswith("o") and len(alice[0].openid) == 28
    assert len(base64.b64decode(alice[0].session_key)) == 16
    assert alice[0].session_key != alice[1].session_key
    assert "session_key" not in repr(alice[0])


async def test_openid_differs_per_app_and_unionid_does_not(wechat: MiniProgramClient) -> None:
    other_app = create_sim_app(appid="wx-other-app", secret=SECRET)
    here = await wechat.code2session("carol")
    login = other_app.ctx.login.login("carol")

    assert login["openid"] != here.openid
    assert login["unionid"] == here.unionid


async def test_a_code_is_accepted_once(wechat: MiniProgramClient) -> None:
    await wechat.code2session("dave:once")

    with pytest.raises(WeChatError) as err:
        await wechat.code2session("dave:once")
    assert (err.value.errcode, err.value.errmsg) == (40163, "code been used")


@pytest.mark.parametrize("code", ["invalid", "invalid:x", "", "bad code", "名字", "x" * 129])
async def test_invalid_codes_are_refused(wechat: MiniProgramClient, code: str) -> None:
    with pytest.raises(WeChatError) as err:
        await wechat.code2session(code)
    assert err.value.errcode == 40029


@pytest.mark.parametrize(("code", "errcode"), [("ratelimited", 45011), ("busy:7", -1)])
async def test_reserved_names_answer_like_a_struggling_wechat(
    wechat: MiniProgramClient, code: str, errcode: int
) -> None:
    for _ in range(2):  # a failed code is not spent
        with pytest.raises(WeChatError) as err:
            await wechat.code2session(code)
        assert err.value.errcode == errcode


async def test_wrong_credentials_and_grant_are_refused(sim: Sim, redis: aioredis.Redis) -> None:
    wrong_secret = MiniProgramClient(settings=settings_for(sim, wechat_secret="nope"), redis=redis)
    wrong_appid = MiniProgramClient(settings=settings_for(sim, wechat_appid="wx-nope"), redis=redis)
    try:
        with pytest.raises(WeChatError) as err:
            await wrong_secret.code2session("erin")
        assert err.value.errcode == 40125
        with pytest.raises(WeChatError) as err:
            await wrong_secret.access_token()
        assert err.value.errcode == 40125
        with pytest.raises(WeChatError) as err:
            await wrong_appid.code2session("erin")
        assert err.value.errcode == 40013
    finally:
        await wrong_secret.aclose()
        await wrong_appid.aclose()

    login = await sim.http.get(
        "/sns/jscode2session",
        params={"appid": sim.appid, "secret": SECRET, "js_code": "erin", "grant_type": "password"},
    )
    assert login.status_code == 200
    assert login.json()["errcode"] == 40002
    assert (await sim.stable_token(grant_type="password"))["errcode"] == 40002


async def test_unknown_routes_answer_invalid_url(sim: Sim) -> None:
    response = await sim.http.get("/cgi-bin/nothing-here")

    assert response.status_code == 404
    assert response.json() == {"errcode": 40066, "errmsg": "invalid url"}


async def test_phone_numbers_reuse_one_cached_token(wechat: MiniProgramClient, sim: Sim) -> None:
    first = await wechat.phone_number("frank")
    second = await wechat.phone_number("frank:again")
    other = await wechat.phone_number("grace")

    assert first == second
    assert first.phone_number == first.pure_phone_number
    assert len(first.phone_number) == 11 and first.phone_number.startswith("13")
    assert first.country_code == "86"
    assert other.phone_number != first.phone_number
    assert await sim.stats() == {"stable_token_calls": 1, "tokens_issued": 1}


async def test_concurrent_callers_share_one_token_fetch(
    wechat: MiniProgramClient, sim: Sim, redis: aioredis.Redis
) -> None:
    tokens = await asyncio.gather(*(wechat.access_token() for _ in range(20)))

    assert len(set(tokens)) == 1
    assert (await sim.stats())["stable_token_calls"] == 1
    ttl = await redis.ttl(f"mall:wechat:access_token:{sim.appid}")
    assert 7200 - 300 - 5 < ttl <= 7200 - 300


async def test_processes_share_the_cached_token(
    wechat: MiniProgramClient, sim: Sim, redis: aioredis.Redis
) -> None:
    other_worker = MiniProgramClient(settings=settings_for(sim), redis=redis)
    try:
        assert await wechat.access_token() == await other_worker.access_token()
    finally:
        await other_worker.aclose()
    assert (await sim.stats())["stable_token_calls"] == 1


async def test_a_revoked_cached_token_is_refreshed_once(
    wechat: MiniProgramClient, sim: Sim, redis: aioredis.Redis
) -> None:
    await redis.set(f"mall:wechat:access_token:{sim.appid}", "revoked-token", ex=60)

    results = await asyncio.gather(*(wechat.phone_number(f"heidi:{i}") for i in range(5)))

    assert len({r.phone_number for r in results}) == 1
    assert (await sim.stats())["tokens_issued"] == 1
    assert await wechat.access_token() != "revoked-token"


async def test_an_expired_token_is_refreshed_and_retried(
    wechat: MiniProgramClient, sim: Sim
) -> None:
    stale = await wechat.access_token()
    await sim.advance_clock(7200)  # WeChat's clock says expired; the Redis cache still holds it

    info = await wechat.phone_number("ivan")

    assert info.phone_number.startswith("13")
    assert await wechat.access_token() != stale
    assert (await sim.stats())["tokens_issued"] == 2


async def test_a_forced_refresh_revokes_the_previous_token(sim: Sim) -> None:
    first = await sim.stable_token()
    again = await sim.stable_token()
    forced = await sim.stable_token(force_refresh=True)

    assert again["access_token"] == first["access_token"]
    assert first["expires_in"] == 7200
    assert forced["access_token"] != first["access_token"]
    response = await sim.http.post(
        "/wxa/business/getuserphonenumber",
        params={"access_token": first["access_token"]},
        json={"code": "judy"},
    )
    assert response.json()["errcode"] == 40001
    assert await sim.stats() == {"stable_token_calls": 3, "tokens_issued": 2}


async def test_a_phone_code_is_single_use(wechat: MiniProgramClient) -> None:
    await wechat.phone_number("kate:1")

    with pytest.raises(WeChatError) as err:
        await wechat.phone_number("kate:1")
    assert err.value.errcode == 40163
    with pytest.raises(WeChatError) as err:
        await wechat.phone_number("invalid")
    assert err.value.errcode == 40029


async def test_an_issued_phone_code_expires_after_five_minutes(
    wechat: MiniProgramClient, sim: Sim
) -> None:
    fresh = await sim.issue_phone_code("leo")
    stale = await sim.issue_phone_code("leo")
    await sim.advance_clock(299)
    assert (await wechat.phone_number(fresh)).phone_number.startswith("13")

    await sim.advance_clock(2)
    with pytest.raises(WeChatError) as err:
        await wechat.phone_number(stale)
    assert err.value.errcode == 40029


async def test_unreachable_wechat_is_errcode_minus_one(redis: aioredis.Redis, sim: Sim) -> None:
    down = settings_for(sim, wechat_api_base=f"http://127.0.0.1:{free_port()}")
    client = MiniProgramClient(settings=down, redis=redis)
    try:
        with pytest.raises(WeChatError) as err:
            await client.code2session("mia")
    finally:
        await client.aclose()
    assert err.value.errcode == -1
    assert isinstance(err.value.__cause__, httpx.ConnectError)


async def test_logs_never_show_the_secret_or_token(
    wechat: MiniProgramClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="httpx"):
        await wechat.code2session("nina")
        await wechat.phone_number("nina")

    logged = caplog.text
    assert "jscode2session" in logged
    assert SECRET not in logged
    assert await wechat.access_token() not in logged
