"""GET /ws (mini-program) and GET /ws/admin: authenticated event channels with resume."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any, TypeGuard

import orjson
from sanic import Blueprint, Request
from sanic.server.websockets.impl import WebsocketImplProtocol

from mall import events
from mall.admin.audit import Staff
from mall.admin.permissions import Permission
from mall.auth.guards import (
    authenticate_admin,
    authenticate_user,
    client_ip,
    current_staff,
    require_permission,
)
from mall.context import runtime_of
from mall.errors import RateLimited, Unauthorized, UpgradeRequired, ValidationFailed
from mall.realtime import slots
from mall.realtime.hub import Connection, Hub, ResumeTooOld

log = logging.getLogger("mall.realtime")

bp = Blueprint("realtime")

# Matched with fullmatch: `$` would also accept a trailing newline.
CHANNEL_PATTERN = re.compile(r"(?:(?:user|product):[1-9][0-9]{0,18}|admin)")
STREAM_ID_PATTERN = re.compile(r"([0-9]{1,20})-([0-9]{1,20})")
MAX_STREAM_PART = 2**64 - 1
# The admin feed carries every order, payment and refund event; a customer's channel
# carries that customer's orders.
ADMIN_FEED_PERMISSION = Permission.ORDERS_READ
USER_CHANNEL_PERMISSION = Permission.USERS_READ
# What a refused handshake tells the client to wait before trying again.
SOCKET_CAP_RETRY_AFTER = 10

MayRead = Callable[[str], Awaitable[bool]]


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
    """Refuse the handshake (401/403/429 JSON) before any event could be sent."""
    route = request.route.path if request.route else ""
    # Blank counts as given (Sanic's args drop blank values): `?resume=` is refused too.
    after = request.get_args(keep_blank_values=True).get("resume")
    if after is not None and not _is_stream_id(after):
        # The document's pattern states the shape; numbers past 64 bits are the rule it
        # cannot state (UNSTATED_RULES: too_large).
        kind = "too_large" if STREAM_ID_PATTERN.fullmatch(after) else "invalid_after"
        raise ValidationFailed(
            "resume must be an event id",
            code="invalid_after",
            details=[{"field": "resume", "message": "an event id", "type": kind}],
        )
    token = _token(request)
    if route == "ws/admin":
        claims, admin, granted = await authenticate_admin(request, token)
        staff = Staff(admin=admin, permissions=frozenset(granted))
        require_permission(staff, ADMIN_FEED_PERMISSION)
        request.ctx.claims, request.ctx.admin = claims, admin
        account = slots.account_key("admin", admin.id)
    else:
        request.ctx.claims, request.ctx.user = await authenticate_user(request, token)
        account = slots.account_key("user", request.ctx.user.id)
    if not _is_upgrade(request):
        # Before the slots: a plain GET must not hold a socket slot it never uses.
        raise UpgradeRequired()
    request.ctx.socket_slots = await _take_slots(request, account)
    request.app.ctx.hub.hold(request.ctx.socket_slots)


def _is_upgrade(request: Request) -> bool:
    """The request asks for the websocket upgrade (RFC 6455 4.1: both headers)."""
    upgrade = request.headers.get("upgrade", "").lower()
    connection = request.headers.get("connection", "").lower()
    return "websocket" in upgrade and "upgrade" in (t.strip() for t in connection.split(","))


async def _take_slots(request: Request, account: str) -> list[slots.Slot]:
    """One slot under the account's cap and one under the address's, or 429."""
    settings = runtime_of(request).settings
    hub: Hub = request.app.ctx.hub
    member = slots.SocketSlots.new_member()
    caps = (
        (account, settings.ws_max_per_user, "account"),
        (slots.address_key(client_ip(request)), settings.ws_max_per_ip, "address"),
    )
    taken: list[slots.Slot] = []
    for key, limit, per in caps:
        slot = await hub.slots.take(key=key, limit=limit, member=member)
        if slot is None:
            await hub.slots.give_back(taken)
            raise RateLimited(
                SOCKET_CAP_RETRY_AFTER,
                f"At most {limit} open websockets per {per}",
                code="too_many_sockets",
            )
        taken.append(slot)
    return taken


@bp.websocket("/ws")
async def user_socket(request: Request, ws: WebsocketImplProtocol) -> None:
    home = events.user_channel(request.ctx.user.id)

    async def may_read(channel: str) -> bool:
        return channel == home or channel.startswith("product:")

    await serve(request, ws, endpoint="user", home=home, may_read=may_read)


@bp.websocket("/ws/admin")
async def admin_socket(request: Request, ws: WebsocketImplProtocol) -> None:
    admin_id: int = request.ctx.admin.id

    async def may_read(channel: str) -> bool:
        # Permissions as they are now: roles may have changed since the handshake.
        if channel.startswith("product:"):
            return True
        staff = await current_staff(admin_id)
        if staff is None:
            return False
        if channel == events.ADMIN_CHANNEL:
            return staff.may(ADMIN_FEED_PERMISSION)
        return channel.startswith("user:") and staff.may(USER_CHANNEL_PERMISSION)

    await serve(request, ws, endpoint="admin", home=events.ADMIN_CHANNEL, may_read=may_read)


# The permission-matrix test and the docs read what each guarded route needs.
admin_socket.required_permission = ADMIN_FEED_PERMISSION


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
        slots=request.ctx.socket_slots,
    )
    hub.register(conn)
    # `?resume=<event id>`: the client was here before; what its home channel missed goes
    # out before any live event (a resume op after the welcome could be overtaken).
    # Checked in the handshake: a bad one was refused there (422 invalid_after).
    after = request.args.get("resume")
    _forget_handshake(request)
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
            # with its code is out before connections are dropped. It also gives back the
            # socket's cap slots, even when this handler is being cancelled.
            hub.unregister(conn)


def _forget_handshake(request: Request) -> None:
    """Sanic keeps a socket's handshake request until the socket ends: drop what nothing
    reads any more (the account loaded to check the token, the parsed query and the raw
    request head, both of which carry the token)."""
    for name in ("user", "admin", "socket_slots"):
        request.ctx.__dict__.pop(name, None)
    request.parsed_args.clear()
    request.parsed_not_grouped_args.clear()
    # request.raw_headers and request.request_line read this: now both empty.
    request.head = b"\r\n"


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
        try:
            await _handle(conn, hub, op, message, may_read)
        except Exception:
            # Whatever went wrong (Redis, the database) is this op's failure, not the socket's.
            log.warning("websocket op %r failed", op, exc_info=True)
            conn.send_json_text(_error("op_failed", "Could not do that now; try again"))


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
    if not isinstance(channel, str) or not CHANNEL_PATTERN.fullmatch(channel):
        conn.send_json_text(_error("invalid_channel", "No such channel", _shown(channel)))
        return
    if op == "unsubscribe":
        hub.leave(conn, channel)
        conn.send_json_text(_msg({"type": "unsubscribed", "channel": channel}))
        return
    if not await may_read(channel):
        # Rights can be lost while subscribed (the admin feed after a role change).
        hub.leave(conn, channel)
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


def _msg(body: dict[str, Any]) -> str:
    return orjson.dumps(body).decode()


def _error(code: str, message: str, channel: str | None = None) -> str:
    body: dict[str, Any] = {"type": "error", "code": code, "message": message}
    if channel is not None:
        body["channel"] = channel
    return _msg(body)


def _is_stream_id(value: object) -> TypeGuard[str]:
    """An event id Redis accepts as an exclusive start: two parts that fit 64 bits, below
    the largest id."""
    if not isinstance(value, str):
        return False
    found = STREAM_ID_PATTERN.fullmatch(value)
    if found is None:
        return False
    ms, seq = int(found[1]), int(found[2])
    return (
        ms <= MAX_STREAM_PART
        and seq <= MAX_STREAM_PART
        and (ms, seq)
        != (
            MAX_STREAM_PART,
            MAX_STREAM_PART,
        )
    )


def _shown(value: object) -> str | None:
    """A client's channel as echoed back in an error: strings only, never a huge one."""
    return value[:64] if isinstance(value, str) else None
