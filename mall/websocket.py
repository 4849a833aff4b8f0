"""Sanic's websocket connection with less kept per idle socket.

Sanic's WebsocketImplProtocol assembles incoming messages in a frame assembler made of an
asyncio.Queue, two Events and two Locks (six deques of 600 bytes each, per socket), and
each recv() starts a task and an asyncio.wait() around it. Here complete messages wait in
a deque made when the first one arrives, fragments are joined in a list made when a
fragmented message arrives, and recv() awaits one future, which is also the future Sanic
cancels when the client closes (recv_cancel). No task waits to close the connection
(Sanic's auto-closer): when the closing handshake is over or the handler ends, the
transport is closed at once, as Sanic does once its auto-closer has run. The hub's
heartbeat writes a ping frame with ping_now() (no future per ping); sending, ping() and
the close frames are Sanic's own. Reading stops (the transport pauses) while a message
waits to be read, as Sanic's assembler does. MallProtocol (mall/protocol.py) makes these
instead of Sanic's at the handshake.
"""

from __future__ import annotations

import asyncio
import codecs
from collections import deque
from collections.abc import AsyncIterator, Sequence
from typing import Any

from sanic.exceptions import ServerError, WebsocketClosed
from sanic.server.websockets.impl import WebsocketImplProtocol
from websockets.frames import Frame, Opcode
from websockets.protocol import Event, State

# The payload of the hub's heartbeat pings.
HEARTBEAT = b"hb"
# Close code for a text message that is not UTF-8 (RFC 6455 7.4.1).
CLOSE_INVALID_DATA = 1007


class LeanWebsocket(WebsocketImplProtocol):
    """One server websocket: Sanic's, minus the frame assembler and recv()'s task."""

    def __init__(
        self,
        ws_proto: Any,
        *,
        ping_interval: float | None,
        ping_timeout: float | None,
        close_timeout: float,
    ) -> None:
        # Not super().__init__(): that builds the frame assembler this class replaces. The
        # attributes are the ones Sanic's methods (kept here) read.
        self.ws_proto = ws_proto
        self.io_proto = None
        self.loop = None
        self.close_timeout = close_timeout
        self.ping_interval = ping_interval
        self.ping_timeout = ping_timeout
        self.pings = {}
        # asyncio.Lock makes its waiter deque only when someone waits.
        self.conn_mutex = asyncio.Lock()
        self.process_event_mutex = asyncio.Lock()
        self.recv_cancel = None
        self.data_finished_fut = None
        self.can_pause = True
        self.pause_frame_fut = None
        self.keepalive_ping_task = None
        self.auto_closer_task = None
        self.connection_lost_waiter = None
        # Complete messages not read yet; the parts of a fragmented message so far.
        self._messages: deque[str | bytes] | None = None
        self._parts: list[bytes] | None = None
        self._text = False
        # A heartbeat ping (ping_now) went out and no pong has come back since.
        self.awaiting_pong = False

    async def connection_made(
        self, io_proto: Any, loop: asyncio.AbstractEventLoop | None = None
    ) -> None:
        """Sanic's, without the auto-closer task and its futures."""
        if self.loop is not None:
            raise ServerError("Cannot call connection_made more than once on a websocket.")
        self.loop = loop or io_proto.loop
        self.io_proto = io_proto
        # Done (or cancelled) when the socket is finished: send() refuses to write after.
        self.data_finished_fut = self.loop.create_future()
        if self.ping_interval:
            self.keepalive_ping_task = asyncio.create_task(self.keepalive_ping())

    def ping_now(self) -> bool:
        """Write a heartbeat ping if nothing else is being written: no future, no task
        (the hub pings every socket in one pass). Any pong from the client clears
        awaiting_pong."""
        transport = getattr(self.io_proto, "transport", None)
        if (
            transport is None
            or transport.is_closing()
            or self.conn_mutex.locked()
            or self.ws_proto.state is not State.OPEN
        ):
            return False
        self.ws_proto.send_ping(HEARTBEAT)
        for data in self.ws_proto.data_to_send():
            transport.write(data)
        self.awaiting_pong = True
        return True

    async def process_pong(self, frame: Frame) -> None:
        self.awaiting_pong = False
        await super().process_pong(frame)

    async def process_events(self, events: Sequence[Event]) -> None:
        async with self.process_event_mutex:
            for event in events:
                if not isinstance(event, Frame):
                    continue
                if event.opcode is Opcode.PONG:
                    await self.process_pong(event)
                elif event.opcode is Opcode.CLOSE:
                    if self.recv_cancel is not None:
                        self.recv_cancel.cancel()
                elif event.opcode in (Opcode.TEXT, Opcode.BINARY, Opcode.CONT):
                    self._take(event)

    def _take(self, frame: Frame) -> None:
        """Add a data frame to the message under way; a complete message waits for recv()."""
        if frame.opcode is not Opcode.CONT:
            self._text = frame.opcode is Opcode.TEXT
            self._parts = None
        if not frame.fin:
            if self._parts is None:
                self._parts = []
            self._parts.append(bytes(frame.data))
            return
        data = bytes(frame.data)
        if self._parts is not None:
            self._parts.append(data)
            data = b"".join(self._parts)
            self._parts = None
        message: str | bytes = data
        if self._text:
            try:
                message = codecs.decode(data, "utf-8")
            except UnicodeDecodeError:
                self.fail_connection(CLOSE_INVALID_DATA, "invalid UTF-8")
                return
        waiter = self.recv_cancel
        if waiter is not None and not waiter.done() and not self._messages:
            waiter.set_result(message)
            return
        if self._messages is None:
            self._messages = deque()
        self._messages.append(message)
        # Nobody reads just now: stop reading from the client until somebody does.
        self.pause_frames()

    # Sanic's signature (Sanic's recv() takes the timeout).
    async def recv(self, timeout: float | None = None) -> str | bytes | None:  # noqa: ASYNC109
        """The next message; None if TIMEOUT passes first. CancelledError when the client
        closes the connection while this waits (as Sanic's recv())."""
        if self.recv_cancel is not None:
            raise ServerError(
                "cannot call recv while another task is already waiting for the next message"
            )
        if self._messages:
            message = self._messages.popleft()
            if not self._messages:
                self._messages = None
                if self.pause_frame_fut is not None:
                    self.resume_frames()
            return message
        if self.ws_proto.state is State.CLOSED:
            raise WebsocketClosed("Cannot receive from websocket interface after it is closed.")
        if timeout is not None and timeout <= 0:
            return None
        loop = self.loop or asyncio.get_running_loop()
        waiter: asyncio.Future[str | bytes] = loop.create_future()
        self.recv_cancel = waiter
        try:
            if timeout is None:
                return await waiter
            try:
                async with asyncio.timeout(timeout):
                    return await waiter
            except TimeoutError:
                return None
        finally:
            self.recv_cancel = None

    async def recv_burst(self, max_recv: int = 256) -> Sequence[str | bytes]:
        """Sanic's interface: the next message, alone (reading pauses while one waits, so
        no more are held); ends as recv() does when the client closes."""
        message = await self.recv()
        return [] if message is None else [message]

    async def recv_streaming(self) -> AsyncIterator[str | bytes]:
        """Sanic's interface: every message, one by one; ends as recv() does when the
        client closes."""
        while (message := await self.recv()) is not None:
            yield message
