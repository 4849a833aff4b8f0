"""Admin image uploads (/api/admin/uploads). Each route names its
permission; each write lands in the audit log (written by the service, in its transaction)."""

from __future__ import annotations

from sanic import Blueprint, Request
from sanic.response import HTTPResponse
from sanic_ext.extensions.openapi import openapi

from mall.admin.permissions import Permission
from mall.auth.guards import admin_required
from mall.catalog.schemas import (
    UploadOut,
)
from mall.catalog.uploads import store_image
from mall.context import runtime_of
from mall.errors import ValidationFailed
from mall.web import doc, render

bp = Blueprint("admin_catalog_uploads")

P = Permission


@bp.post("/uploads")
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
    errors=(403, 413, 422),
)
@admin_required(P.UPLOADS_WRITE)
async def upload(request: Request) -> HTTPResponse:
    file = request.files.get("file") if request.files else None
    if file is None:
        raise ValidationFailed(
            "Send the image as multipart/form-data field 'file'",
            details=[{"field": "file", "message": "required", "type": "missing"}],
        )
    storage = runtime_of(request).images
    stored = await store_image(
        storage=storage,
        data=file.body,
        max_bytes=runtime_of(request).settings.upload_max_bytes,
        filename=file.name or "",
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
