"""Websocket abuse: who may read the admin feed and customer channels, how many sockets one
account may hold (across processes: tests/system/test_socket_caps.py), and bad frames."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
import websockets
from websockets.exceptions import InvalidStatus

from tests.factories import admin_login, login, make_admin
from tests.realtime.test_realtime import emit, next_of_type, recv_json, ws_url


async def refused(url: str) -> InvalidStatus:
    with pytest.raises(InvalidStatus) as info:
        async with websockets.connect(url):
            pass
    return info.value


def error_of(refusal: InvalidStatus) -> dict[str, Any]:
    assert refusal.response.headers["content-type"].startswith("application/json")
    error: dict[str, Any] = json.loads(refusal.response.body)["error"]
    return error


async def staff_token(client: httpx.AsyncClient, username: str, permissions: list[str]) -> str:
    await make_admin(username, superuser=False, permissions=permissions)
    token: str = (await admin_login(client, username))["access_token"]
    return token


# --- who may read what ---------------------------------------------------------------------


async def test_admin_feed_handshake_needs_orders_read(
    client: httpx.AsyncClient, base_url: str, rt: Any
) -> None:
    nobody = await staff_token(client, "nobody", [])
    catalog_only = await staff_token(client, "cataloguer", ["catalog.read", "catalog.write"])
    for token in (nobody, catalog_only):
        refusal = await refused(ws_url(base_url, "/ws/admin", token))
        assert refusal.response.status_code == 403
        error = error_of(refusal)
        assert error["code"] == "permission_denied"
        assert error["details"] == {"permission": "orders.read"}

    reader = await staff_token(client, "orders-reader", ["orders.read"])
    async with websockets.connect(ws_url(base_url, "/ws/admin", reader)) as ws:
        assert await recv_json(ws) == {"type": "welcome", "channels": ["admin"]}
        await emit(rt, "admin", "order.created", {"order_id": 1})
        assert (await next_of_type(ws, "event"))["event"] == "order.created"


async def test_customer_channels_need_users_read_on_subscribe_and_resume(
    client: httpx.AsyncClient, base_url: str, rt: Any
) -> None:
    alice = await login(client, "alice")
    channel = f"user:{alice['user']['id']}"
    await emit(rt, channel, "order.created", {"order_id": 7})
    orders_only = await staff_token(client, "orders-only", ["orders.read"])
    async with websockets.connect(ws_url(base_url, "/ws/admin", orders_only)) as ws:
        await recv_json(ws)
        await ws.send(json.dumps({"op": "subscribe", "channel": channel}))
        assert (await next_of_type(ws, "error"))["code"] == "forbidden_channel"
        await ws.send(json.dumps({"op": "resume", "channel": channel, "after": "0-0"}))
        assert (await next_of_type(ws, "error"))["code"] == "forbidden_channel"
        await emit(rt, channel, "order.paid", {"order_id": 7})
        with pytest.raises(TimeoutError):
            await next_of_type(ws, "event", timeout=0.5)

    support = await staff_token(client, "support", ["orders.read", "users.read"])
    async with websockets.connect(ws_url(base_url, "/ws/admin", support)) as ws:
        await recv_json(ws)
        await ws.send(json.dumps({"op": "resume", "channel": channel, "after": "0-0"}))
        replayed = [await next_of_type(ws, "event") for _ in range(2)]
        assert [e["event"] for e in replayed] == ["order.created", "order.paid"]


async def test_admin_feed_rights_are_checked_again_on_subscribe_and_resume(
    client: httpx.AsyncClient, base_url: str, rt: Any
) -> None:
    from models import Role

    token = await staff_token(client, "demoted", ["orders.read", "users.read"])
    async with websockets.connect(ws_url(base_url, "/ws/admin", token)) as ws:
        await recv_json(ws)
        await emit(rt, "admin", "order.created", {"order_id": 1})
        assert (await next_of_type(ws, "event"))["event"] == "order.created"

        # The role loses the feed while the socket is open.
        await Role.filter(name="role-demoted").update(permissions=["users.read"])
        await ws.send(json.dumps({"op": "resume", "channel": "admin", "after": "0-0"}))
        error = await next_of_type(ws, "error")
        assert error["code"] == "forbidden_channel" and error["channel"] == "admin"
        await ws.send(json.dumps({"op": "subscribe", "channel": "admin"}))
        assert (await next_of_type(ws, "error"))["code"] == "forbidden_channel"
        # Refused means gone: no more live admin events on this socket either.
        await emit(rt, "admin", "order.shipped", {"order_id": 1})
        with pytest.raises(TimeoutError):
            await next_of_type(ws, "event", timeout=0.5)
        await ws.send(json.dumps({"op": "ping"}))
        assert await recv_json(ws) == {"type": "pong"}


# --- bad frames ----------------------------------------------------------------------------


async def test_every_bad_frame_gets_an_error_and_the_socket_stays_open(
    client: httpx.AsyncClient, base_url: str, rt: Any
) -> None:
    user = await login(client, "mallory")
    home = f"user:{user['user']['id']}"
    bad_frames: list[tuple[str | bytes, str]] = [
        ("not json", "bad_message"),
        ("[]", "bad_message"),
        (b"\xff\x00binary", "bad_message"),
        ('{"op": 5}', "bad_message"),
        ('{"op": "subscribe"}', "invalid_channel"),
        ('{"op": "subscribe", "channel": {"a": 1}}', "invalid_channel"),
        # `$` lets a trailing newline through; fullmatch does not.
        ('{"op": "subscribe", "channel": "product:1\\n"}', "invalid_channel"),
        (json.dumps({"op": "resume", "channel": home + "\n", "after": "0-0"}), "invalid_channel"),
        (json.dumps({"op": "resume", "channel": home, "after": "1-0\n"}), "invalid_after"),
        (json.dumps({"op": "resume", "channel": home, "after": "99999999999999999999-0"}), ""),
        (json.dumps({"op": "resume", "channel": home, "after": 5}), "invalid_after"),
        ('{"op": "fly"}', "unknown_op"),
    ]
    async with websockets.connect(ws_url(base_url, "/ws", user["access_token"])) as ws:
        await recv_json(ws)
        for frame, code in bad_frames:
            await ws.send(frame)
            answer = await recv_json(ws)
            assert answer["type"] == "error", (frame, answer)
            if code:
                assert answer["code"] == code, (frame, answer)
        await ws.send(json.dumps({"op": "ping"}))
        assert await recv_json(ws) == {"type": "pong"}
        await emit(rt, home, "order.paid", {"order_id": 1})
        assert (await next_of_type(ws, "event"))["channel"] == home


# --- how many sockets ----------------------------------------------------------------------


async def test_sockets_per_account_are_capped_with_429(
    client: httpx.AsyncClient, base_url: str, settings: Any
) -> None:
    user = await login(client, "hoarder")
    url = ws_url(base_url, "/ws", user["access_token"])
    cap = settings.ws_max_per_user
    assert cap == 5  # the default
    sockets = [await websockets.connect(url) for _ in range(cap)]
    try:
        for ws in sockets:
            await recv_json(ws)
        refusal = await refused(url)
        assert refusal.response.status_code == 429
        assert error_of(refusal)["code"] == "too_many_sockets"
        assert int(refusal.response.headers["retry-after"]) > 0
        # Another login of the same person is the same account.
        again = await login(client, "hoarder")
        second_login = await refused(ws_url(base_url, "/ws", again["access_token"]))
        assert second_login.response.status_code == 429
        # Someone else is not affected.
        other = await login(client, "bystander")
        async with websockets.connect(ws_url(base_url, "/ws", other["access_token"])) as ws:
            assert (await recv_json(ws))["type"] == "welcome"

        # A socket that closes gives its slot back.
        await sockets.pop().close()

        async def reopened() -> Any:
            try:
                return await websockets.connect(url)
            except InvalidStatus:
                return None

        from tests.processes import wait_until

        sockets.append(await wait_until(reopened, timeout=5, what="slot given back"))
        assert (await recv_json(sockets[-1]))["type"] == "welcome"
    finally:
        for ws in sockets:
            await ws.close()


async def test_plain_gets_of_a_socket_route_are_426_and_take_no_slot(
    client: httpx.AsyncClient, base_url: str, settings: Any
) -> None:
    user = await login(client, "curious")
    staff = await staff_token(client, "curious-staff", ["orders.read"])
    for path, token in (("/ws", user["access_token"]), ("/ws/admin", staff)):
        for _ in range(settings.ws_max_per_user + 2):
            response = await client.get(path, params={"token": token})
            assert response.status_code == 426, response.text
            assert response.json()["error"]["code"] == "upgrade_required"
    # Every slot is still free: a real socket opens at once.
    async with websockets.connect(ws_url(base_url, "/ws", user["access_token"])) as ws:
        assert (await recv_json(ws))["type"] == "welcome"


async def test_sockets_cut_off_without_a_close_give_their_slots_back(
    client: httpx.AsyncClient, base_url: str, app_server: Any
) -> None:
    from tests.processes import wait_until

    user = await login(client, "dropper")
    url = ws_url(base_url, "/ws", user["access_token"])
    sockets = [await websockets.connect(url) for _ in range(5)]
    for ws in sockets:
        await recv_json(ws)
    assert (await refused(url)).response.status_code == 429
    # A failing network: some cut under the server, the others under the client.
    mine = [c for c in app_server.ctx.hub.connections if c.claims.subject == user["user"]["id"]]
    assert len(mine) == 5
    for conn in mine[:2]:
        conn.ws.io_proto.transport.abort()
    for ws in sockets:
        if ws.transport.get_extra_info("sockname")[1] not in {
            c.ws.io_proto.transport.get_extra_info("peername")[1] for c in mine[:2]
        }:
            ws.transport.abort()

    async def five_again() -> list[Any] | None:
        fresh: list[Any] = []
        try:
            for _ in range(5):
                fresh.append(await websockets.connect(url))
        except InvalidStatus:
            for ws in fresh:
                await ws.close()
            return None
        return fresh

    # Well before the slots' time to live runs out.
    fresh = await wait_until(five_again, timeout=5, what="slots of cut-off sockets")
    for ws in fresh:
        await ws.close()
