"""What the server reads off a socket (mall/websocket.py): fragments joined, bursts read in
order while the handler is busy, binary frames, text that is not UTF-8 refused, and pongs
(the hub's heartbeat)."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest
import websockets

from tests.factories import login
from tests.realtime.test_realtime import recv_json, ws_url


async def test_a_fragmented_message_is_read_whole(client: httpx.AsyncClient, base_url) -> None:
    user = await login(client, "frag")
    async with websockets.connect(ws_url(base_url, "/ws", user["access_token"])) as ws:
        assert (await recv_json(ws))["type"] == "welcome"
        await ws.send(['{"op":', '"subscribe","chan', 'nel":"product:7"}'])
        assert await recv_json(ws) == {"type": "subscribed", "channel": "product:7"}
        await ws.send([b'{"op":', b'"ping"}'])  # binary fragments
        assert await recv_json(ws) == {"type": "pong"}
        await ws.send(b'{"op": "ping"}')
        assert await recv_json(ws) == {"type": "pong"}


async def test_a_burst_is_answered_in_order_while_the_handler_is_busy(
    client: httpx.AsyncClient, base_url
) -> None:
    """Each subscribe waits for Redis; the messages behind it wait, unread (the socket stops
    reading meanwhile), and are all read once the handler is back."""
    user = await login(client, "burst")
    async with websockets.connect(ws_url(base_url, "/ws", user["access_token"])) as ws:
        assert (await recv_json(ws))["type"] == "welcome"
        sent: list[dict[str, str]] = []
        for n in range(1, 41):
            op = (
                {"op": "subscribe", "channel": f"product:{n}"}
                if n % 4 == 0
                else {"op": "unsubscribe", "channel": f"product:{n - n % 4}"}
                if n % 4 == 1 and n > 4
                else {"op": "ping"}
            )
            sent.append(op)
        # One write: every frame reaches the server at once.
        await asyncio.gather(*(ws.send(json.dumps(op)) for op in sent))
        answers = [await recv_json(ws) for _ in sent]
        expected = [
            {"type": "subscribed", "channel": op["channel"]}
            if op["op"] == "subscribe"
            else {"type": "unsubscribed", "channel": op["channel"]}
            if op["op"] == "unsubscribe"
            else {"type": "pong"}
            for op in sent
        ]
        assert answers == expected


async def test_text_that_is_not_utf8_closes_the_socket_1007(
    client: httpx.AsyncClient, base_url
) -> None:
    user = await login(client, "utf")
    async with websockets.connect(ws_url(base_url, "/ws", user["access_token"])) as ws:
        assert (await recv_json(ws))["type"] == "welcome"
        await ws.send(b'{"op": "\xff\xfe"}', text=True)
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await asyncio.wait_for(ws.recv(), 5)
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 1007


async def test_heartbeat_keeps_answering_sockets_and_closes_silent_ones_1011(
    client: httpx.AsyncClient, base_url, app_server
) -> None:
    """One heartbeat round pings every socket; a socket whose pong has not come back by
    the next round is closed 1011, one that answered is pinged again and stays."""
    hub = app_server.ctx.hub
    user = await login(client, "beat")
    url = ws_url(base_url, "/ws", user["access_token"])
    async with websockets.connect(url) as alive, websockets.connect(url) as silent:
        assert (await recv_json(alive))["type"] == "welcome"
        assert (await recv_json(silent))["type"] == "welcome"
        # The silent client stops reading: the ping reaches it but no pong goes back.
        silent.transport.pause_reading()
        hub.ping_all()
        await asyncio.sleep(0.5)
        hub.ping_all()
        await asyncio.sleep(0.5)
        silent.transport.resume_reading()
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await asyncio.wait_for(silent.recv(), 5)
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 1011
        # The other one answered both pings and still works.
        await alive.send(json.dumps({"op": "ping"}))
        assert await recv_json(alive) == {"type": "pong"}
        assert len(hub.connections) == 1
