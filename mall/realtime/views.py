"""GET /ws (mini-program) and GET /ws/admin: authenticated event channels with resume."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from typing import Any

import orjson
from sanic import Blueprint, Request
from sanic.server.websockets.impl import WebsocketImplProtocol

from mall import events
from mall.auth.guards import authenticate_admin, authenticate_user
from mall.context import runtime_of
from mall.errors import Unauthorized
from mall.realtime.hub import Connection, Hub, ResumeTooOld

bp = Blueprint("realtime")

CHANNEL_PATTERN = re.compile(r"^(?:(?:user|product):[1-9][0-9]{0,18}|admin)$")
STREAM_ID_PATTERN = re.compile(r"^[0-9]{1,20}-[0-9]{1,20}$")

MayRead = Callable[[str], bool]


def _token(request: Request) -> str:
    token = request.args.get("token") or ""
    if not token:
        header = request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        token = token if scheme.lower() == "bearer" else ""
    if not token:
        raise Unauthorized("Pass ?token=<access token>", code="missing_token")
    return token.strip()


@bp.on_request
async def authenticate_handshake(request: Request) -> None:
    """Refuse the handshake (401/403 JSON) before any event could be sent."""
    route = request.route.path if request.route else ""
    token = _token(request)
    if route == "ws/admin":
        request.ctx.claims, request.ctx.admin, _ = await authenticate_admin(request, token)
    else:
        request.ctx.claims, request.ctx.user = await authenticate_user(request, token)


@bp.websocket("/ws")
async def user_socket(request: Request, ws: WebsocketImplProtocol) -> None:
    user = request.ctx.user
    home = events.user_channel(user.id)

    def may_read(channel: str) -> bool:
        return channel == home or channel.startswith("product:")

    await serve(request, ws, endpoint="user", home=home, may_read=may_read)


@bp.websocket("/ws/admin")
async def admin_socket(request: Request, ws: WebsocketImplProtocol) -> None:
    await serve(
        request, ws, endpoint="admin", home=events.ADMIN_CHANNEL, may_read=lambda channel: True
    )


async def serve(
    request: Request,
    ws: WebsocketImplProtocol,
    *,
    endpoint: str,
    home: str,
    may_read: MayRead,
) -> None:
    """Run one socket: welcome, then client ops and events until either side ends it."""
    settings = runtime_of(request).settings
    hub: Hub = request.app.ctx.hub
    conn = Connection(
        ws,
        endpoint=endpoint,
        claims=request.ctx.claims,
        max_subscriptions=settings.ws_max_subscriptions,
    )
    hub.register(conn)
    # `?resume=<event id>`: the client was here before; what its home channel missed goes
    # out before any live event (a resume op after the welcome could be overtaken).
    after = request.args.get("resume")
    if after is not None and not _is_stream_id(after):
        after = None
        conn.send_json_text(_error("invalid_after", "resume must be an event id", home))
    try:
        if after is not None:
            conn.replaying[home] = []
        await hub.join(conn, home)
        conn.send_json_text(_msg({"type": "welcome", "channels": [home]}))
        if after is not None:
            await _resume(conn, hub, home, after)
        # Read in this task itself (no reader task per socket): the server ends a socket by
        # closing it (Connection.close), which ends the pending recv().
        await _read_ops(conn, hub, ws, may_read)
    finally:
        conn.close(1000, "")
        try:
            await conn.closing()
        finally:
            # Last: a server shutting down waits for this (Hub.stop), so the close frame
            # with its code is out before connections are dropped.
            hub.unregister(conn)


async def _read_ops(
    conn: Connection, hub: Hub, ws: WebsocketImplProtocol, may_read: MayRead
) -> None:
    """Client ops until the client leaves or the server closes the socket."""
    while not conn.closed:
        try:
            raw = await ws.recv()
        except asyncio.CancelledError:
            task = asyncio.current_task()
            if task is not None and task.cancelling():
                raise  # this handler is being cancelled (the server stops)
            return  # Sanic's recv() ends this way when the connection closes
        if raw is None:
            return
        try:
            message = orjson.loads(raw)
            op = message.get("op") if isinstance(message, dict) else None
        except orjson.JSONDecodeError:
            op = message = None
        if not isinstance(message, dict) or not isinstance(op, str):
            conn.send_json_text(_error("bad_message", "Send a JSON object with an op"))
            continue
        await _handle(conn, hub, op, message, may_read)


async def _handle(
    conn: Connection, hub: Hub, op: str, message: dict[str, Any], may_read: MayRead
) -> None:
    if op == "ping":
        conn.send_json_text(_msg({"type": "pong"}))
        return
    channel = message.get("channel")
    if op not in ("subscribe", "unsubscribe", "resume"):
        conn.send_json_text(_error("unknown_op", f"Unknown op {op!r}"))
        return
    if not isinstance(channel, str) or not CHANNEL_PATTERN.match(channel):
        conn.send_json_text(_error("invalid_channel", "No such channel", channel))
        return
    if op == "unsubscribe":
        hub.leave(conn, channel)
        conn.send_json_text(_msg({"type": "unsubscribed", "channel": channel}))
        return
    if not may_read(channel):
        conn.send_json_text(_error("forbidden_channel", "You may not read this channel", channel))
        return
    after = message.get("after")
    if op == "resume" and (not isinstance(after, str) or not _is_stream_id(after)):
        conn.send_json_text(_error("invalid_after", "after must be an event id", channel))
        return
    if channel not in conn.channels:
        if len(conn.channels) >= conn.max_subscriptions:
            conn.send_json_text(
                _error("too_many_subscriptions", f"At most {conn.max_subscriptions}", channel)
            )
            return
        if op == "resume":
            # Resuming a channel not yet joined: live events wait until what was missed
            # is out, so the client gets them in order.
            conn.replaying.setdefault(channel, [])
        try:
            await hub.join(conn, channel)
        except BaseException:
            conn.replaying.pop(channel, None)
            raise
    if op == "subscribe":
        conn.send_json_text(_msg({"type": "subscribed", "channel": channel}))
        return
    assert isinstance(after, str)
    await _resume(conn, hub, channel, after)


async def _resume(conn: Connection, hub: Hub, channel: str, after: str) -> None:
    try:
        count = await hub.resume(conn, channel, after)
    except ResumeTooOld:
        conn.send_json_text(
            _error(
                "resume_too_old",
                "Events after that id are no longer kept: reload the data, then resume "
                "from the newest id",
                channel,
            )
        )
        return
    conn.send_json_text(_msg({"type": "resumed", "channel": channel, "replayed": count}))


def _is_stream_id(value: str) -> bool:
    return STREAM_ID_PATTERN.fullmatch(value) is not None


def _msg(body: dict[str, Any]) -> str:
    return orjson.dumps(body).decode()


def _error(code: str, message: str, channel: str | None = None) -> str:
    body: dict[str, Any] = {"type": "error", "code": code, "message": message}
    if channel is not None:
        body["channel"] = channel
    return _msg(body)
