"""Sanic's typed application context: the process's runtime and its websocket hub."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sanic import Request

from mall.runtime import Runtime

if TYPE_CHECKING:
    from mall.realtime.hub import Hub


class AppContext:
    """`app.ctx` of the API: set in create_app (runtime once the server starts)."""

    runtime: Runtime
    hub: Hub
    # Per-worker tasks of the app itself (the hub's are the hub's).
    background: list[Any]


def runtime_of(request: Request) -> Runtime:
    """The runtime of the process serving `request`."""
    rt: Runtime = request.app.ctx.runtime
    return rt
