"""The API's HTTP protocol: Sanic's, with a total deadline on reading a request head and a
cap on the connections one client address may hold open in a process.

Sanic's REQUEST_TIMEOUT restarts with every byte received, so a client that trickles its
request head a byte at a time holds a connection forever (slowloris). Here the head has to
be complete within `request_head_timeout` seconds of its first byte, however it arrives;
a client late with it gets 408 and the connection is closed. Connections beyond
`http_max_connections_per_ip` from one address are answered 429 and closed at once. A
websocket handshake makes a LeanWebsocket (mall/websocket.py), Sanic's connection with less
kept per socket. The servers (`mall serve` and the tests) pass `MallProtocol` to Sanic.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Sequence
from typing import Any

import orjson
from sanic.exceptions import RequestTimeout, SanicException
from sanic.http import Http
from sanic.log import websockets_logger
from sanic.request import Request
from sanic.server.protocols.websocket_protocol import WebSocketProtocol
from websockets import http11
from websockets.datastructures import Headers
from websockets.protocol import State
from websockets.server import ServerProtocol
from websockets.typing import Subprotocol

from mall.config import Settings
from mall.errors import error_body
from mall.websocket import LeanWebsocket

CAP_RETRY_AFTER = 5


class ConnectionGate:
    """Open connections per client address in this process, and the most one may hold."""

    def __init__(self, *, limit: int) -> None:
        self.limit = limit
        self.open: Counter[str] = Counter()

    @classmethod
    def from_settings(cls, settings: Settings) -> ConnectionGate:
        """Off (no limit) behind proxies: every connection then comes from the proxy, which
        is where per-client connection limits belong."""
        limit = 0 if settings.proxies_count else settings.http_max_connections_per_ip
        return cls(limit=limit)

    def admit(self, ip: str) -> bool:
        """Count a new connection from IP, unless it already holds the most allowed."""
        if self.limit and self.open[ip] >= self.limit:
            return False
        self.open[ip] += 1
        return True

    def release(self, ip: str) -> None:
        self.open[ip] -= 1
        if self.open[ip] <= 0:
            del self.open[ip]


class HeadDeadlineHttp(Http):
    """HTTP/1.1 whose request head must arrive in full within the protocol's deadline."""

    __slots__ = ()

    async def http1_request_header(self) -> None:
        deadline: float = getattr(self.protocol, "head_timeout", 0.0)
        if not deadline:
            await super().http1_request_header()
            return
        try:
            async with asyncio.timeout(deadline):
                await super().http1_request_header()
        except TimeoutError:
            raise RequestTimeout("The request head did not arrive in time") from None


def _refusal(message: str) -> bytes:
    body = orjson.dumps(
        error_body("too_many_connections", message, {"retry_after": CAP_RETRY_AFTER})
    )
    head = (
        "HTTP/1.1 429 Too Many Requests\r\n"
        "content-type: application/json\r\n"
        f"content-length: {len(body)}\r\n"
        f"retry-after: {CAP_RETRY_AFTER}\r\n"
        "x-content-type-options: nosniff\r\n"
        "connection: close\r\n\r\n"
    )
    return head.encode() + body


class LazyEvent:
    """asyncio.Event's set/clear/is_set/wait, its list of waiters made only when a task
    waits: an asyncio.Event makes a 600-byte deque at once, and Sanic's protocol has two
    per connection, which nothing waits on while a websocket is idle."""

    __slots__ = ("_value", "_waiters")

    def __init__(self, *, value: bool = False) -> None:
        self._value = value
        self._waiters: list[asyncio.Future[bool]] | None = None

    def is_set(self) -> bool:
        return self._value

    def set(self) -> None:
        if self._value:
            return
        self._value = True
        waiters, self._waiters = self._waiters, None
        for waiter in waiters or ():
            if not waiter.done():
                waiter.set_result(True)

    def clear(self) -> None:
        self._value = False

    async def wait(self) -> bool:
        if self._value:
            return True
        waiter = asyncio.get_running_loop().create_future()
        if self._waiters is None:
            self._waiters = []
        self._waiters.append(waiter)
        try:
            return await waiter
        finally:
            if self._waiters is not None and waiter in self._waiters:
                self._waiters.remove(waiter)


class MallProtocol(WebSocketProtocol):
    """Sanic's HTTP + websocket protocol with the head deadline and the per-address cap."""

    HTTP_CLASS = HeadDeadlineHttp
    __slots__ = ("head_timeout", "peer_ip", "refused")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Sanic's write backpressure and read wake-up, without a deque each per connection.
        self._can_write = LazyEvent(value=True)  # type: ignore[assignment]
        self._data_received = LazyEvent()  # type: ignore[assignment]
        self.head_timeout = 0.0
        self.peer_ip: str | None = None
        self.refused = False

    def connection_made(self, transport: Any) -> None:
        settings: Settings | None = getattr(
            getattr(self.app.ctx, "runtime", None), "settings", None
        )
        gate: ConnectionGate | None = getattr(self.app.ctx, "connection_gate", None)
        if settings is not None:
            self.head_timeout = settings.request_head_timeout
        peer = transport.get_extra_info("peername")
        ip = peer[0] if isinstance(peer, tuple) and peer else None
        if gate is not None and ip is not None:
            if not gate.admit(ip):
                self.refused = True
                self.transport = transport
                transport.write(_refusal(f"At most {gate.limit} open connections per address"))
                transport.close()
                return
            self.peer_ip = ip
        super().connection_made(transport)

    def data_received(self, data: bytes) -> None:
        if not self.refused:
            super().data_received(data)

    async def websocket_handshake(
        self, request: Request, subprotocols: Sequence[str] | None = None
    ) -> LeanWebsocket:
        """Sanic's handshake (sanic/server/protocols/websocket_protocol.py), making a
        LeanWebsocket, and keeping the request's URL for the access log only when that
        log is on."""
        try:
            ws_proto = ServerProtocol(
                max_size=self.websocket_max_size,
                subprotocols=None
                if subprotocols is None
                else [Subprotocol(name) for name in subprotocols],
                state=State.OPEN,
                logger=websockets_logger,
            )
            resp = ws_proto.accept(
                http11.Request(path=request.path, headers=Headers(request.headers))
            )
        except Exception:
            raise SanicException(
                "Failed to open a WebSocket connection.\nSee server log for more information.\n",
                status_code=500,
            ) from None
        if not 100 <= resp.status_code <= 299:
            raise SanicException(bytes(resp.body), resp.status_code)
        head = f"HTTP/1.1 {resp.status_code} {resp.reason_phrase}\r\n" + "".join(
            f"{k}: {v}\r\n" for k, v in resp.headers.items()
        )
        body = head.encode() + b"\r\n"
        if resp.body:
            body += resp.body + b"\r\n\r\n"
        await self.send(body)
        ws = LeanWebsocket(
            ws_proto,
            ping_interval=self.websocket_ping_interval,
            ping_timeout=self.websocket_ping_timeout,
            close_timeout=self.websocket_timeout,
        )
        self.websocket = ws
        await ws.connection_made(self, loop=self.loop)
        if self.access_log:
            self.websocket_url = request.url
            self.websocket_peer = f"{request.client_ip}:{request.port}"
            self.log_websocket("OPEN")
        return ws

    def connection_lost(self, exc: Exception | None) -> None:
        if self.refused:
            return
        gate: ConnectionGate | None = getattr(self.app.ctx, "connection_gate", None)
        if gate is not None and self.peer_ip is not None:
            gate.release(self.peer_ip)
            self.peer_ip = None
        super().connection_lost(exc)
