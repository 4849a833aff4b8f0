"""Image uploads: checked by content, stored under their content hash."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from mall.admin import audit
from mall.admin.audit import Staff
from mall.catalog.images import ImageInfo, sniff
from mall.catalog.storage import REF_PREFIX, ImageStorage
from mall.errors import PayloadTooLarge, ValidationFailed


@dataclass(frozen=True)
class StoredImage:
    name: str
    sha256: str
    size: int
    info: ImageInfo

    @property
    def ref(self) -> str:
        return REF_PREFIX + self.name


async def store_image(
    *, storage: ImageStorage, data: bytes, max_bytes: int, filename: str, staff: Staff | None
) -> StoredImage:
    """Keep a JPEG, PNG, GIF or WebP image (413 over max_bytes, 422 for anything else),
    and log who uploaded it.

    The same bytes uploaded twice get the same name: the URL of an image never changes."""
    if len(data) > max_bytes:
        raise PayloadTooLarge(
            f"Images are limited to {max_bytes} bytes",
            code="upload_too_large",
            details={"max_bytes": max_bytes, "size": len(data)},
        )
    info = sniff(data)
    if info is None:
        raise ValidationFailed(
            "Not a JPEG, PNG, GIF or WebP image (or its dimensions are out of range)",
            code="unsupported_image",
            details=[{"field": "file", "message": "not a supported image", "type": "image"}],
        )
    digest = hashlib.sha256(data).hexdigest()
    name = f"{digest}.{info.kind.extension}"
    await storage.save(name, data)
    await audit.record(
        staff,
        "upload.create",
        target_type="upload",
        target_id=digest[:16],
        detail={"name": name, "size": len(data), "filename": filename[:100]},
    )
    return StoredImage(name=name, sha256=digest, size=len(data), info=info)
