"""Where uploaded images live. Files are named by their content hash, so a name is final.

The catalogue stores an uploaded image as the reference `/uploads/<name>` and renders it
through the storage's public URL, so moving the files (another host, an object store)
needs no data migration. Other http(s) URLs are kept as given.
"""

from __future__ import annotations

import asyncio
import os
import re
import tempfile
from abc import ABC, abstractmethod
from pathlib import Path

from mall.config import Settings

REF_PREFIX = "/uploads/"
# Matched with fullmatch (`$` would also accept a trailing newline).
NAME_PATTERN = re.compile(r"[0-9a-f]{64}\.(?:jpg|png|gif|webp)")


class ImageStorage(ABC):
    """A content-addressed store of image files; names match NAME_PATTERN."""

    @abstractmethod
    async def save(self, name: str, data: bytes) -> None:
        """Store the bytes under `name` (storing the same name again is harmless)."""

    @abstractmethod
    async def read(self, name: str) -> bytes | None:
        """The bytes stored under `name`, or None."""

    @abstractmethod
    async def exists(self, name: str) -> bool:
        """Whether an image is stored under `name`."""

    @abstractmethod
    def url(self, name: str) -> str:
        """The public URL clients load the image from."""

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
        return REF_PREFIX + name if NAME_PATTERN.fullmatch(name) else url


class LocalStorage(ImageStorage):
    """Files in a local directory, served by the app at GET /uploads/<name>."""

    def __init__(self, root: Path, *, base_url: str) -> None:
        self.root = root
        self.base_url = base_url.rstrip("/")

    async def save(self, name: str, data: bytes) -> None:
        await asyncio.to_thread(self._write, name, data)

    async def read(self, name: str) -> bytes | None:
        if not NAME_PATTERN.fullmatch(name):
            return None
        return await asyncio.to_thread(self._read, name)

    async def exists(self, name: str) -> bool:
        if not NAME_PATTERN.fullmatch(name):
            return False
        return await asyncio.to_thread((self.root / name).is_file)

    def url(self, name: str) -> str:
        return f"{self.base_url}{REF_PREFIX}{name}"

    def _write(self, name: str, data: bytes) -> None:
        if not NAME_PATTERN.fullmatch(name):
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
                out.write(data)
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


def from_settings(settings: Settings) -> ImageStorage:
    """The storage the settings configure (a local directory for now)."""
    return LocalStorage(settings.upload_dir, base_url=settings.public_base_url)
