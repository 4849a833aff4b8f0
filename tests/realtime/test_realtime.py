"""Websockets: handshake auth, channels, live events, resume, slow clients, revocation."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any
from urllib.parse import quote

import httpx
import pytest
import websockets
from tortoise.transactions import in_transaction

from mall import events
from mall.runtime import Runtime
from tests.factories import admin_login, bearer, login, make_admin


def ws_url(base_url: str, path: str, token: str) -> str:
    return base_url.replace("http://", "ws://") + f"{path}?token={token}"


async def recv_json(ws: Any, timeout: float = 5.0) -> dict[str, Any]:
    message: dict[str, Any] = json.loads(await asyncio.wait_for(ws.recv(), timeout))
    return message


async def next_of_type(ws: Any, kind: str, timeout: float = 5.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        message = await recv_json(ws, max(deadline - time.monotonic(), 0.01))
        if message["type"] == kind:
            return message


async def emit(rt: Runtime, channel: str, name: str, data: dict[str, Any]) -> None:
    async with in_transaction():
        event = await events.record(channel=channel, name=name, data=data)
    await rt.events.publish([event])


async def test_bad_tokens_are_refused_at_handshake(client: httpx.AsyncClient, base_url) -> None:
    await make_admin("root")
    admin = await admin_login(client)
    user = await login(client, "alice")
    cases = [
        ("/ws", "garbage"),
        ("/ws", ""),
        ("/ws", admin["access_token"]),
        ("/ws/admin", user["access_token"]),
        ("/ws", user["refresh_token"]),
    ]
    for path, token in cases:
        with pytest.raises(websockets.exceptions.InvalidStatus) as info:
            async with websockets.connect(ws_url(base_url, path, token)):
                pass
        assert info.value.response.status_code == 401, (path, token[:10])
        assert json.loads(info.value.response.body)["error"]["code"]


async def test_welcome_user_channel_and_forbidden_channels(
    client: httpx.AsyncClient, base_url, rt: Runtime
) -> None:
    alice = await login(client, "alice")
    bob = await login(client, "bob")
    uid = alice["user"]["id"]
    async with websockets.connect(ws_url(base_url, "/ws", alice["access_token"])) as ws:
        assert await recv_json(ws) == {"type": "welcome", "channels": [f"user:{uid}"]}
        await ws.send(json.dumps({"op": "subscribe", "channel": f"user:{bob['user']['id']}"}))
        error = await recv_json(ws)
        assert error["type"] == "error" and error["code"] == "forbidden_channel"
        await ws.send(json.dumps({"op": "subscribe", "channel": "admin"}))
        assert (await recv_json(ws))["code"] == "forbidden_channel"
        await ws.send(json.dumps({"op": "subscribe", "channel": "bogus:1"}))
        assert (await recv_json(ws))["code"] == "invalid_channel"
        await ws.send("not json")
        assert (await recv_json(ws))["code"] == "bad_message"
        await ws.send(json.dumps({"op": "ping"}))
        assert await recv_json(ws) == {"type": "pong"}

        # Bob's events never reach Alice; her own do.
        await emit(rt, f"user:{bob['user']['id']}", "order.paid", {"order_id": 2})
        await emit(rt, f"user:{uid}", "order.paid", {"order_id": 1, "status": "paid"})
        event = await next_of_type(ws, "event")
        assert event["channel"] == f"user:{uid}" and event["event"] == "order.paid"
        assert event["data"] == {"order_id": 1, "status": "paid"}
        assert event["id"] and event["at"]


async def test_product_subscription_and_admin_channel(
    client: httpx.AsyncClient, base_url, rt: Runtime
) -> None:
    await make_admin("root")
    admin = await admin_login(client)
    user = await login(client, "carol")
    async with (
        websockets.connect(ws_url(base_url, "/ws", user["access_token"])) as ws,
        websockets.connect(ws_url(base_url, "/ws/admin", admin["access_token"])) as admin_ws,
    ):
        await recv_json(ws)
        assert await recv_json(admin_ws) == {"type": "welcome", "channels": ["admin"]}
        await ws.send(json.dumps({"op": "subscribe", "channel": "product:12"}))
        assert await recv_json(ws) == {"type": "subscribed", "channel": "product:12"}
        await emit(rt, "product:12", "stock.changed", {"product_id": 12, "stock": 3})
        await emit(rt, "admin", "stock.low", {"product_id": 12, "stock": 3})
        assert (await next_of_type(ws, "event"))["event"] == "stock.changed"
        assert (await next_of_type(admin_ws, "event"))["event"] == "stock.low"
        await ws.send(json.dumps({"op": "unsubscribe", "channel": "product:12"}))
        assert (await recv_json(ws))["type"] == "unsubscribed"
        await emit(rt, "product:12", "stock.changed", {"product_id": 12, "stock": 2})
        with pytest.raises(TimeoutError):
            await next_of_type(ws, "event", timeout=0.5)


async def test_resume_replays_exactly_what_was_missed(
    client: httpx.AsyncClient, base_url, rt: Runtime
) -> None:
    user = await login(client, "dave")
    channel = f"user:{user['user']['id']}"
    url = ws_url(base_url, "/ws", user["access_token"])
    async with websockets.connect(url) as ws:
        await recv_json(ws)
        await emit(rt, channel, "order.created", {"n": 0})
        last_seen = (await next_of_type(ws, "event"))["id"]
    for n in (1, 2, 3):
        await emit(rt, channel, "order.paid", {"n": n})
    async with websockets.connect(url) as ws:
        await recv_json(ws)
        await ws.send(json.dumps({"op": "resume", "channel": channel, "after": last_seen}))
        got = [await next_of_type(ws, "event") for _ in range(3)]
        assert [e["data"]["n"] for e in got] == [1, 2, 3]
        ids = [e["id"] for e in got]
        assert len(set(ids)) == 3 and ids[0] > last_seen
        resumed = await next_of_type(ws, "resumed")
        assert resumed["replayed"] == 3
        await emit(rt, channel, "order.shipped", {"n": 4})
        live = await next_of_type(ws, "event")
        assert live["data"] == {"n": 4}
        with pytest.raises(TimeoutError):
            await next_of_type(ws, "event", timeout=0.3)
        await ws.send(json.dumps({"op": "resume", "channel": channel, "after": "x"}))
        assert (await next_of_type(ws, "error"))["code"] == "invalid_after"


async def test_slow_client_is_dropped_without_delaying_others(
    client: httpx.AsyncClient, base_url, redis, rt: Runtime
) -> None:
    slow_user = await login(client, "slow")
    fast_user = await login(client, "fast")
    payload = json.dumps({"event": "stock.changed", "data": {"blob": "x" * 32_000}, "at": "now"})
    # The slow client stops reading after the welcome; its TCP window and then its send
    # queue fill up.
    slow = await websockets.connect(ws_url(base_url, "/ws", slow_user["access_token"]), max_queue=1)
    fast = await websockets.connect(ws_url(base_url, "/ws", fast_user["access_token"]))
    try:
        await recv_json(slow)
        await recv_json(fast)
        for ws in (slow, fast):
            await ws.send(json.dumps({"op": "subscribe", "channel": "product:1"}))
        await recv_json(fast)
        await asyncio.sleep(0.2)
        received = 0
        started = time.monotonic()
        for n in range(1, 801):
            await redis.publish(rt.events.live_channel("product:1"), f"{n}-0 {payload}")
            if n % 50 == 0:
                while received < n:
                    await next_of_type(fast, "event", timeout=5)
                    received += 1
        assert received == 800
        assert time.monotonic() - started < 30
        # The slow one was cut off with the "too slow" code, not kept at the others' cost.
        with pytest.raises(websockets.exceptions.ConnectionClosed) as info:
            for _ in range(10_000):
                await asyncio.wait_for(slow.recv(), 5)
        assert info.value.rcvd is not None and info.value.rcvd.code == 4408
    finally:
        await slow.close()
        await fast.close()


async def test_logout_ends_open_sockets(client: httpx.AsyncClient, base_url) -> None:
    user = await login(client, "erin")
    async with websockets.connect(ws_url(base_url, "/ws", user["access_token"])) as ws:
        await recv_json(ws)
        await client.post("/api/v1/auth/logout", headers=bearer(user["access_token"]))
        with pytest.raises(websockets.exceptions.ConnectionClosed) as info:
            while True:
                await asyncio.wait_for(ws.recv(), 5)
        assert info.value.rcvd is not None and info.value.rcvd.code == 4401


async def test_subscription_cap(client: httpx.AsyncClient, base_url, settings) -> None:
    user = await login(client, "fred")
    async with websockets.connect(ws_url(base_url, "/ws", user["access_token"])) as ws:
        await recv_json(ws)
        for n in range(1, settings.ws_max_subscriptions + 1):
            await ws.send(json.dumps({"op": "subscribe", "channel": f"product:{n}"}))
        replies = [await recv_json(ws) for _ in range(settings.ws_max_subscriptions)]
        assert [r["type"] for r in replies].count("subscribed") == settings.ws_max_subscriptions - 1
        assert replies[-1]["code"] == "too_many_subscriptions"


async def test_resume_after_live_events_sends_each_missed_event_once(
    client: httpx.AsyncClient, base_url, rt: Runtime
) -> None:
    user = await login(client, "gail")
    channel = f"user:{user['user']['id']}"
    url = ws_url(base_url, "/ws", user["access_token"])
    async with websockets.connect(url) as ws:
        await recv_json(ws)
        await emit(rt, channel, "order.created", {"n": 0})
        seen = (await next_of_type(ws, "event"))["id"]
    await emit(rt, channel, "order.paid", {"n": 1})  # missed while away
    async with websockets.connect(url) as ws:
        await recv_json(ws)
        # A live event reaches the new socket before the client gets to ask for a resume.
        await emit(rt, channel, "order.shipped", {"n": 2})
        assert (await next_of_type(ws, "event"))["data"] == {"n": 2}
        await ws.send(json.dumps({"op": "resume", "channel": channel, "after": seen}))
        replayed = await next_of_type(ws, "event")
        assert replayed["data"] == {"n": 1}
        assert (await next_of_type(ws, "resumed"))["replayed"] == 1
        await emit(rt, channel, "order.completed", {"n": 3})
        assert (await next_of_type(ws, "event"))["data"] == {"n": 3}
        with pytest.raises(TimeoutError):
            await next_of_type(ws, "event", timeout=0.3)


async def test_ban_ends_open_sockets(client: httpx.AsyncClient, base_url) -> None:
    await make_admin("root")
    admin = await admin_login(client)
    user = await login(client, "hugo")
    async with websockets.connect(ws_url(base_url, "/ws", user["access_token"])) as ws:
        await recv_json(ws)
        banned = await client.post(
            f"/api/admin/users/{user['user']['id']}/ban",
            json={"reason": "fraud"},
            headers=bearer(admin["access_token"]),
        )
        assert banned.status_code == 200
        with pytest.raises(websockets.exceptions.ConnectionClosed) as info:
            while True:
                await asyncio.wait_for(ws.recv(), 5)
        assert info.value.rcvd is not None and info.value.rcvd.code == 4401


async def test_server_shutdown_tells_clients_to_reconnect(
    client: httpx.AsyncClient, tmp_path
) -> None:
    import os

    from tests.conftest import _free_port
    from tests.processes import MallProcess, wait_http_ready

    user = await login(client, "ivan")
    port = _free_port()
    api = MallProcess(
        "api-shutdown",
        ["serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "1"],
        env=dict(os.environ),
        log_dir=tmp_path,
    )
    api.start()
    try:
        await wait_http_ready(f"http://127.0.0.1:{port}", timeout=30, watch=[api])
        url = ws_url(f"http://127.0.0.1:{port}", "/ws", user["access_token"])
        async with websockets.connect(url) as ws:
            await recv_json(ws)
            stopping = asyncio.create_task(api.stop())  # SIGTERM, as a deploy would send
            with pytest.raises(websockets.exceptions.ConnectionClosed) as info:
                while True:
                    await asyncio.wait_for(ws.recv(), 15)
            await stopping
        assert info.value.rcvd is not None and info.value.rcvd.code == 1012, api.log_tail()
    finally:
        await api.stop()


async def test_a_staff_change_reaches_every_admin_socket_without_its_detail(
    client: httpx.AsyncClient, base_url
) -> None:
    # Given two staff members, one with a console open on /ws/admin
    await make_admin("root")
    await make_admin("watcher", superuser=False, permissions=["orders.read"])
    root = bearer((await admin_login(client))["access_token"])
    watcher = (await admin_login(client, "watcher"))["access_token"]
    async with websockets.connect(ws_url(base_url, "/ws/admin", watcher)) as ws:
        assert (await recv_json(ws))["type"] == "welcome"
        # When the other changes the shop settings
        current = (await client.get("/api/admin/settings", headers=root)).json()
        resp = await client.put(
            "/api/admin/settings", json={**current, "freight_flat": 1200}, headers=root
        )
        assert resp.status_code == 200, resp.text
        # Then the open console hears what changed and who changed it, not the values
        event = await next_of_type(ws, "event")
    assert event["channel"] == "admin" and event["event"] == "admin.action"
    log = (await client.get("/api/admin/logs", headers=root)).json()["items"][0]
    assert event["data"] == {
        "log_id": log["id"],
        "action": "settings.update",
        "target_type": "settings",
        "target_id": "1",
        "admin_id": log["admin_id"],
        "admin_username": "root",
    }


async def test_a_socket_ends_when_its_token_expires(
    client: httpx.AsyncClient, base_url, settings
) -> None:
    from mall.auth.tokens import Audience, TokenType, encode

    user = await login(client, "brief")
    short = settings.model_copy(update={"access_token_ttl": 1})
    token, _ = encode(
        short, subject=user["user"]["id"], audience=Audience.USER, typ=TokenType.ACCESS, family="f"
    )
    async with websockets.connect(ws_url(base_url, "/ws", token)) as ws:
        await recv_json(ws)
        with pytest.raises(websockets.exceptions.ConnectionClosed) as info:
            while True:
                await asyncio.wait_for(ws.recv(), 5)
        assert info.value.rcvd is not None and info.value.rcvd.code == 4401
        assert info.value.rcvd.reason == "token expired"


async def test_a_client_resumes_its_home_channel_in_the_handshake(
    client: httpx.AsyncClient, base_url, rt: Runtime
) -> None:
    user = await login(client, "handshake")
    channel = f"user:{user['user']['id']}"
    async with websockets.connect(ws_url(base_url, "/ws", user["access_token"])) as ws:
        await recv_json(ws)
        await emit(rt, channel, "order.created", {"n": 0})
        seen = (await next_of_type(ws, "event"))["id"]
    for n in (1, 2):
        await emit(rt, channel, "order.paid", {"n": n})  # missed while away
    url = ws_url(base_url, "/ws", user["access_token"]) + f"&resume={seen}"
    async with websockets.connect(url) as ws:
        assert (await recv_json(ws))["type"] == "welcome"
        first, second = await next_of_type(ws, "event"), await next_of_type(ws, "event")
        assert [first["data"]["n"], second["data"]["n"]] == [1, 2]
        resumed = await next_of_type(ws, "resumed")
        assert resumed == {"type": "resumed", "channel": channel, "replayed": 2}
    for bad in ("x", "", "1-0\n"):
        url = ws_url(base_url, "/ws", user["access_token"]) + f"&resume={quote(bad)}"
        with pytest.raises(websockets.exceptions.InvalidStatus) as refused:
            await websockets.connect(url)
        assert refused.value.response.status_code == 422
        assert json.loads(refused.value.response.body)["error"]["code"] == "invalid_after"
