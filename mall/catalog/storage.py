"""Where uploaded images live. Files are named by their content hash, so a name is final.

The catalogue stores an uploaded image as the reference `/uploads/<name>` and renders it
through the storage's public URL, so moving the files (another host, an object store)
needs no data migration. Other http(s) URLs are kept as given.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import re
import tempfile
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator
from pathlib import Path
from typing import BinaryIO, Protocol

import httpx

from mall.catalog.s3 import S3Client, S3Error, bucket_url, uses_path_style
from mall.config import Settings
from mall.errors import ServiceUnavailable

log = logging.getLogger("mall.storage")

REF_PREFIX = "/uploads/"
NAME_PATTERN = re.compile(r"^[0-9a-f]{64}\.(?:jpg|png|gif|webp)$")
# A name is its content: clients and CDNs may keep an image forever.
IMMUTABLE = "public, max-age=31536000, immutable"


class Blob(Protocol):
    """Checked bytes on their way to storage (an upload's spool): size, hash and type known."""

    @property
    def size(self) -> int: ...
    @property
    def sha256(self) -> str: ...
    @property
    def content_type(self) -> str: ...

    def chunks(self) -> AsyncIterator[bytes]:
        """The bytes from the start, in pieces (read off the event loop when on disk)."""
        ...

    def copy_to(self, out: BinaryIO) -> None:
        """Write the bytes to `out` (blocking: call it in a thread)."""
        ...


class ImageStorage(ABC):
    """A content-addressed store of image files; names match NAME_PATTERN."""

    @abstractmethod
    async def save(self, name: str, blob: Blob) -> None:
        """Store the blob under `name` (storing the same name again is harmless)."""

    @abstractmethod
    async def read(self, name: str) -> bytes | None:
        """The bytes stored under `name`, or None."""

    @abstractmethod
    def url(self, name: str) -> str:
        """The public URL clients load the image from."""

    @abstractmethod
    async def aclose(self) -> None:
        """Release what the storage holds open (connections)."""

    def resolve(self, ref: str) -> str:
        """The public URL of a stored image reference (other URLs pass through)."""
        if ref.startswith(REF_PREFIX):
            return self.url(ref[len(REF_PREFIX) :])
        return ref

    def ref_of(self, url: str) -> str:
        """What to store for a URL a client sent: one of ours becomes a reference."""
        if url.startswith(REF_PREFIX):
            return url
        base = self.url("")
        name = url[len(base) :] if url.startswith(base) else ""
        return REF_PREFIX + name if NAME_PATTERN.match(name) else url


class LocalStorage(ImageStorage):
    """Files in a local directory, served by the app at GET /uploads/<name>."""

    def __init__(self, root: Path, *, base_url: str) -> None:
        self.root = root
        self.base_url = base_url.rstrip("/")

    async def save(self, name: str, blob: Blob) -> None:
        await asyncio.to_thread(self._write, name, blob)

    async def read(self, name: str) -> bytes | None:
        if not NAME_PATTERN.match(name):
            return None
        return await asyncio.to_thread(self._read, name)

    def url(self, name: str) -> str:
        return f"{self.base_url}{REF_PREFIX}{name}"

    async def aclose(self) -> None:
        return None  # files need no connection

    def _write(self, name: str, blob: Blob) -> None:
        if not NAME_PATTERN.match(name):
            raise ValueError(f"not a content-hash image name: {name!r}")
        self.root.mkdir(parents=True, exist_ok=True)
        target = self.root / name
        if target.exists():
            return
        # Write then rename: a reader never sees half a file, and two concurrent uploads
        # of the same image both end with the same complete file.
        fd, tmp = tempfile.mkstemp(dir=self.root, prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as out:
                blob.copy_to(out)
            os.chmod(tmp, 0o644)  # mkstemp makes it private; a web server may serve the dir
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def _read(self, name: str) -> bytes | None:
        try:
            return (self.root / name).read_bytes()
        except FileNotFoundError:
            return None


class S3Storage(ImageStorage):
    """Objects in an S3-compatible bucket (AWS S3, Aliyun OSS, Tencent COS, MinIO), served
    from the bucket or a CDN in front of it; the bucket (or the CDN) must be publicly readable.
    """

    def __init__(self, client: S3Client, *, public_base_url: str, key_prefix: str = "") -> None:
        self.client = client
        self.public_base_url = public_base_url.rstrip("/")
        self.key_prefix = key_prefix

    async def save(self, name: str, blob: Blob) -> None:
        if not NAME_PATTERN.match(name):
            raise ValueError(f"not a content-hash image name: {name!r}")
        key = self.key_prefix + name
        async with self._reaching_storage("store"):
            # Named by content: an object already there holds these very bytes.
            if await self.client.exists(key):
                return
            await self.client.put(
                key,
                body=blob.chunks(),
                size=blob.size,
                sha256=blob.sha256,
                content_type=blob.content_type,
                cache_control=IMMUTABLE,
            )

    async def read(self, name: str) -> bytes | None:
        if not NAME_PATTERN.match(name):
            return None
        async with self._reaching_storage("read"):
            return await self.client.get(self.key_prefix + name)

    def url(self, name: str) -> str:
        return f"{self.public_base_url}/{self.key_prefix}{name}"

    async def aclose(self) -> None:
        await self.client.aclose()

    @contextlib.asynccontextmanager
    async def _reaching_storage(self, action: str) -> AsyncIterator[None]:
        """Turn the object store's failures into a 503 naming it (logged with the reason)."""
        try:
            yield
        except (httpx.HTTPError, S3Error) as exc:
            where = f"S3 bucket {self.client.bucket!r} at {self.client.endpoint}"
            reason = f"{type(exc).__name__}: {exc}"[:200]
            log.error("image storage could not %s: %s: %s", action, where, reason)
            raise ServiceUnavailable(
                f"Image storage is unavailable ({where})",
                details={
                    "storage": "s3",
                    "bucket": self.client.bucket,
                    "endpoint": self.client.endpoint,
                    "reason": reason,
                },
            ) from exc


def from_settings(settings: Settings) -> ImageStorage:
    """The storage MALL_STORAGE names: `local` (the quick-start default) or `s3`."""
    if settings.storage == "local":
        return LocalStorage(settings.upload_dir, base_url=settings.public_base_url)
    if not settings.s3_bucket:
        raise RuntimeError("MALL_STORAGE=s3 needs MALL_S3_BUCKET")
    if not (settings.s3_access_key_id and settings.s3_secret_access_key):
        raise RuntimeError(
            "MALL_STORAGE=s3 needs MALL_S3_ACCESS_KEY_ID and MALL_S3_SECRET_ACCESS_KEY"
        )
    endpoint = settings.s3_endpoint or f"https://s3.{settings.s3_region}.amazonaws.com"
    path_style = uses_path_style(endpoint, settings.s3_addressing_style)
    client = S3Client(
        endpoint=endpoint,
        bucket=settings.s3_bucket,
        region=settings.s3_region,
        access_key_id=settings.s3_access_key_id,
        secret_access_key=settings.s3_secret_access_key,
        path_style=path_style,
        timeout=settings.s3_timeout,
    )
    public = settings.s3_public_base_url or bucket_url(
        endpoint, settings.s3_bucket, path_style=path_style
    )
    return S3Storage(client, public_base_url=public, key_prefix=settings.s3_key_prefix)
