"""Sockets that record what they are sent, and the checks of exactly-once, in-order
delivery against the outbox, for the tests that run real processes under faults."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections import defaultdict
from typing import Any

import websockets

from models import OutboxEvent


def ws_url(base_url: str, path: str, token: str) -> str:
    return base_url.replace("http://", "ws://") + f"{path}?token={token}"


class LiveSocket:
    """A client of /ws or /ws/admin that keeps every event it is sent, resumes from the
    last id it saw per channel when its connection drops, and can be asked to wait."""

    def __init__(self, base_urls: list[str], path: str, token: str) -> None:
        self.base_urls = base_urls
        self.path = path
        self.token = token
        self.events: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self.channels: set[str] = set()
        self.last_id: dict[str, str] = {}
        self.closes: list[int] = []
        self.errors: list[dict[str, Any]] = []
        self.connects = 0
        self.home: str | None = None
        # The newest outbox id when the socket opened (set by the test): it is owed what
        # came after.
        self.opened_after = 0
        self._ws: Any = None
        self._task: asyncio.Task[None] | None = None
        self._welcomed = asyncio.Event()

    async def open(self) -> None:
        self._task = asyncio.create_task(self._run())
        await asyncio.wait_for(self._welcomed.wait(), 15)

    async def subscribe(self, channel: str) -> None:
        self.channels.add(channel)
        await self._ws.send(json.dumps({"op": "subscribe", "channel": channel}))

    async def _run(self) -> None:
        attempt = 0
        while True:
            url = ws_url(self.base_urls[attempt % len(self.base_urls)], self.path, self.token)
            if self.home is not None and self.home in self.last_id:
                # Back after a drop: the home channel resumes in the handshake, so what it
                # missed comes before any live event.
                url += f"&resume={self.last_id[self.home]}"
            attempt += 1
            try:
                async with websockets.connect(url, open_timeout=5) as ws:
                    self._ws = ws
                    self.connects += 1
                    await self._serve(ws)
                    self.closes.append(ws.close_code or 1006)
            except asyncio.CancelledError:
                raise
            except websockets.ConnectionClosed as closed:
                self.closes.append(closed.rcvd.code if closed.rcvd else 1006)
            except (OSError, websockets.InvalidHandshake, TimeoutError):
                pass
            self._welcomed.clear()
            if self.closes and self.closes[-1] == 4401:
                return  # logged out or banned: a client would log in again, not reconnect
            await asyncio.sleep(0.2)

    async def _serve(self, ws: Any) -> None:
        async for raw in ws:
            message = json.loads(raw)
            kind = message.get("type")
            if kind == "welcome":
                self.home = message["channels"][0]
                # Back after a drop: every other channel again, resumed from the last id
                # seen (a resume op joins the channel and replays before going live).
                for channel in sorted(self.channels - set(message["channels"])):
                    if channel in self.last_id:
                        op = {"op": "resume", "channel": channel, "after": self.last_id[channel]}
                    else:
                        op = {"op": "subscribe", "channel": channel}
                    await ws.send(json.dumps(op))
                self.channels |= set(message["channels"])
                self._welcomed.set()
            elif kind == "event":
                self.events[message["channel"]].append(message)
                self.last_id[message["channel"]] = message["id"]
            elif kind == "error":
                self.errors.append(message)

    def outbox_ids(self, channel: str) -> list[int]:
        return [e["outbox_id"] for e in self.events.get(channel, [])]

    async def wait_for_outbox_ids(
        self, channel: str, wanted: set[int], timeout: float = 15.0
    ) -> None:
        deadline = time.monotonic() + timeout
        while not wanted <= set(self.outbox_ids(channel)):
            if time.monotonic() > deadline:
                missing = sorted(wanted - set(self.outbox_ids(channel)))
                raise AssertionError(f"{self.path} never got {missing} on {channel}")
            await asyncio.sleep(0.05)

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task


async def outbox_ids(channel: str, *, after: int = 0) -> list[int]:
    """The outbox ids of a channel's events, oldest first (what sockets must receive)."""
    rows = await OutboxEvent.filter(channel=channel, id__gt=after).order_by("id")
    return [row.id for row in rows]


def assert_exactly_once_in_order(socket: LiveSocket, channel: str, expected: list[int]) -> None:
    """Every expected event once, nothing else; events of one order in the order they
    happened (outbox ids grow with them)."""
    got = socket.outbox_ids(channel)
    assert len(got) == len(set(got)), f"duplicates on {channel}: {got}"
    assert sorted(got) == sorted(expected), (
        f"{channel}: missing {sorted(set(expected) - set(got))}, "
        f"unexpected {sorted(set(got) - set(expected))}"
    )
    by_order: dict[Any, list[int]] = defaultdict(list)
    for event in socket.events[channel]:
        order_id = event["data"].get("order_id")
        if order_id is not None:
            by_order[order_id].append(event["outbox_id"])
    for order_id, ids in by_order.items():
        assert ids == sorted(ids), f"order {order_id}'s events out of order on {channel}: {ids}"
