"""GET /admin/: the operator console, plain HTML + CSS + ES modules with no build step.

The page is a client of the admin API and /ws/admin like any other; these routes only
hand out its files, so they are left out of the OpenAPI document.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path

from sanic import Blueprint, Request
from sanic.response import HTTPResponse, file, redirect
from sanic_ext.extensions.openapi import openapi

from mall.errors import NotFound

PAGE_DIR = Path(__file__).resolve().parent.parent / "static" / "admin"
ASSETS_DIR = PAGE_DIR / "assets"

# The files that exist when the process starts are all it will ever serve: no path from a
# request reaches the filesystem. Keys are paths under assets/ ("screens/orders.js").
ASSETS = {
    path.relative_to(ASSETS_DIR).as_posix(): path
    for path in sorted(ASSETS_DIR.rglob("*"))
    if path.is_file()
}

# The page holds staff tokens: no inline script, no third-party origin, no framing.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data: https:",
        "connect-src 'self'",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'",
    ]
)
HEADERS = {
    "cache-control": "no-cache",  # revalidated each time: a deploy shows up on reload
    "content-security-policy": CONTENT_SECURITY_POLICY,
    "referrer-policy": "no-referrer",
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
}
MIME_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}

bp = Blueprint("dashboard")


@bp.get("/admin", strict_slashes=True)
@openapi.exclude()
async def dashboard_redirect(request: Request) -> HTTPResponse:
    return redirect("/admin/", status=308)


@bp.get("/admin/", strict_slashes=True)
@openapi.exclude()
async def dashboard_page(request: Request) -> HTTPResponse:
    return await _send(request, PAGE_DIR / "index.html", "text/html; charset=utf-8")


@bp.get("/admin/assets/<name:path>")
@openapi.exclude()
async def dashboard_asset(request: Request, name: str) -> HTTPResponse:
    path = ASSETS.get(name)
    if path is None:
        raise NotFound("No such dashboard file", code="asset_not_found")
    mime = MIME_TYPES.get(path.suffix) or mimetypes.guess_type(path.name)[0]
    return await _send(request, path, mime or "application/octet-stream")


async def _send(request: Request, path: Path, mime_type: str) -> HTTPResponse:
    return await file(
        path, request_headers=request.headers, mime_type=mime_type, headers=dict(HEADERS)
    )
