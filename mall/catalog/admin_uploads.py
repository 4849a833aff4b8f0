"""Admin image uploads (/api/admin/uploads). Each route names its
permission; each write lands in the audit log (written by the service, in its transaction)."""

from __future__ import annotations

from collections.abc import AsyncIterable
from typing import cast

from sanic import Blueprint, Request
from sanic.response import HTTPResponse
from sanic_ext.extensions.openapi import openapi

from mall.admin.permissions import Permission
from mall.auth.guards import admin_required
from mall.catalog.schemas import (
    UploadOut,
)
from mall.catalog.uploads import receive_image
from mall.context import runtime_of
from mall.web import doc, render

bp = Blueprint("admin_catalog_uploads")

P = Permission


@bp.post("/uploads", stream=True)
@openapi.body(
    {
        "multipart/form-data": {
            "type": "object",
            "required": ["file"],
            "properties": {"file": {"type": "string", "format": "binary"}},
        }
    },
    required=True,
)
@doc(
    summary="Upload an image (JPEG, PNG, GIF or WebP, by content; size-limited)",
    tag="admin-catalog",
    response=UploadOut,
    status=201,
    secured=True,
    errors=(400, 403, 413, 422, 503),
)
@admin_required(P.UPLOADS_WRITE)
async def upload(request: Request) -> HTTPResponse:
    # A streamed route: the body is read here, after the permission check, in pieces.
    rt = runtime_of(request)
    storage = rt.images
    length = request.headers.get("content-length")
    stored = await receive_image(
        storage=storage,
        content_type=request.headers.get("content-type", ""),
        # Sanic's HTTP/1.1 and ASGI streams both iterate over the body's pieces.
        body=cast("AsyncIterable[bytes] | None", request.stream),
        content_length=int(length) if length else None,  # Sanic has checked it is a number
        max_bytes=rt.settings.upload_max_bytes,
        staff=request.ctx.staff,
    )
    info = stored.info
    out = UploadOut(
        url=storage.url(stored.name),
        path=stored.ref,
        content_type=info.kind.content_type,
        size=stored.size,
        width=info.width,
        height=info.height,
        sha256=stored.sha256,
    )
    return render(out, status=201)
