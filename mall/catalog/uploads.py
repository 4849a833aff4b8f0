"""Image uploads: checked by content, stored under their content hash.

An upload streams: the multipart body is parsed as it arrives, the file part is hashed
while it is read and kept in memory only up to SPOOL_MEMORY_BYTES (past that it goes to a
temporary file), and reading stops as soon as it passes the size limit. Whatever the
upload limit, a request holds at most SPOOL_MEMORY_BYTES of the image in memory.
"""

from __future__ import annotations

import asyncio
import hashlib
import tempfile
from collections.abc import AsyncIterable, AsyncIterator
from dataclasses import dataclass, field
from typing import IO, TYPE_CHECKING, BinaryIO

from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header

from mall.admin import audit
from mall.admin.audit import Staff
from mall.catalog.images import ImageInfo, sniff
from mall.catalog.storage import REF_PREFIX, ImageStorage
from mall.errors import BadRequest, PayloadTooLarge, ValidationFailed

if TYPE_CHECKING:
    from python_multipart.multipart import MultipartCallbacks

# Kept in memory; a larger upload is written to a temporary file past this. The image
# header (type and dimensions) must lie within these first bytes.
SPOOL_MEMORY_BYTES = 256 * 1024
READ_CHUNK = 64 * 1024
# The multipart envelope and any small fields beside the file.
FORM_OVERHEAD_BYTES = 64 * 1024
FILE_FIELD = "file"


@dataclass(frozen=True)
class StoredImage:
    name: str
    sha256: str
    size: int
    info: ImageInfo

    @property
    def ref(self) -> str:
        return REF_PREFIX + self.name


class Spool:
    """One upload's bytes: hashed as written, in memory up to `memory_bytes`, then on disk.

    The first `memory_bytes` stay in memory either way (`head`, for sniffing the type)."""

    def __init__(self, *, memory_bytes: int = SPOOL_MEMORY_BYTES) -> None:
        self.memory_bytes = memory_bytes
        self.size = 0
        self.content_type = "application/octet-stream"
        self._hash = hashlib.sha256()
        self._memory = bytearray()
        self._file: IO[bytes] | None = None

    @property
    def sha256(self) -> str:
        return self._hash.hexdigest()

    @property
    def head(self) -> bytes:
        return bytes(self._memory[: self.memory_bytes])

    async def write(self, data: bytes) -> None:
        """Append `data` (the file is written off the event loop)."""
        self._hash.update(data)
        self.size += len(data)
        if self._file is None and len(self._memory) + len(data) <= self.memory_bytes:
            self._memory += data
            return
        file = self._file
        if file is None:
            file = self._file = await asyncio.to_thread(tempfile.TemporaryFile)
            await asyncio.to_thread(file.write, self._memory)
            # The memory keeps the head only: the first memory_bytes.
            self._memory += data[: self.memory_bytes - len(self._memory)]
        await asyncio.to_thread(file.write, data)

    async def chunks(self) -> AsyncIterator[bytes]:
        """The bytes from the start (storage.Blob)."""
        if self._file is None:
            yield bytes(self._memory)
            return
        file = self._file
        await asyncio.to_thread(file.seek, 0)
        while chunk := await asyncio.to_thread(file.read, READ_CHUNK):
            yield chunk

    def copy_to(self, out: BinaryIO) -> None:
        """Write the bytes to `out`; blocking (storage.Blob)."""
        if self._file is None:
            out.write(self._memory)
            return
        self._file.seek(0)
        while chunk := self._file.read(READ_CHUNK):
            out.write(chunk)

    async def aclose(self) -> None:
        if self._file is not None:
            await asyncio.to_thread(self._file.close)
            self._file = None


def _too_large(max_bytes: int, **seen: int) -> PayloadTooLarge:
    return PayloadTooLarge(
        f"Images are limited to {max_bytes} bytes",
        code="upload_too_large",
        details={"max_bytes": max_bytes, **seen},
    )


def _missing_file() -> ValidationFailed:
    return ValidationFailed(
        "Send the image as multipart/form-data field 'file'",
        details=[{"field": FILE_FIELD, "message": "required", "type": "missing"}],
    )


@dataclass
class _FormReader:
    """Callbacks of the multipart parser: keeps the first part named `file`, drops the rest.

    The parser calls back synchronously; file data is queued in `pending` and written to
    the spool by the caller between parser writes."""

    pending: list[bytes] = field(default_factory=list)
    filename: str | None = None
    found: bool = False
    finished: bool = False
    _in_file: bool = False
    _header_name: bytes = b""
    _header_value: bytes = b""
    _disposition: bytes = b""

    def callbacks(self) -> MultipartCallbacks:
        return {
            "on_part_begin": self._part_begin,
            "on_header_field": self._header_field,
            "on_header_value": self._header_value_data,
            "on_header_end": self._header_end,
            "on_headers_finished": self._headers_finished,
            "on_part_data": self._part_data,
            "on_part_end": self._part_end,
            "on_end": self._end,
        }

    def _part_begin(self) -> None:
        self._disposition = b""
        self._header_name = self._header_value = b""

    def _header_field(self, data: bytes, start: int, end: int) -> None:
        self._header_name += data[start:end]

    def _header_value_data(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]

    def _header_end(self) -> None:
        if self._header_name.lower() == b"content-disposition":
            self._disposition = self._header_value
        self._header_name = self._header_value = b""

    def _headers_finished(self) -> None:
        _, params = parse_options_header(self._disposition)
        if not self.found and params.get(b"name") == FILE_FIELD.encode():
            self.found = self._in_file = True
            self.filename = params.get(b"filename", b"").decode("utf-8", "replace")

    def _part_data(self, data: bytes, start: int, end: int) -> None:
        if self._in_file:
            self.pending.append(data[start:end])

    def _part_end(self) -> None:
        self._in_file = False

    def _end(self) -> None:
        self.finished = True


async def receive_image(
    *,
    storage: ImageStorage,
    content_type: str,
    body: AsyncIterable[bytes] | None,
    content_length: int | None,
    max_bytes: int,
    staff: Staff | None,
) -> StoredImage:
    """Stream a multipart/form-data body's `file` part into storage and log who uploaded
    it (413 past max_bytes, 422 for anything but a supported image)."""
    kind, params = parse_options_header(content_type)
    boundary = params.get(b"boundary")
    if body is None or kind != b"multipart/form-data" or not boundary:
        raise _missing_file()
    if content_length is not None and content_length > max_bytes + FORM_OVERHEAD_BYTES:
        # Refused before reading: a client that sent `Expect: 100-continue` sends nothing.
        raise _too_large(max_bytes, content_length=content_length)
    form = _FormReader()
    try:
        parser = MultipartParser(boundary, form.callbacks())
    except ValueError as exc:
        raise BadRequest("Malformed multipart boundary", code="malformed_multipart") from exc
    spool = Spool()
    try:
        received = 0
        async for chunk in body:
            received += len(chunk)
            # Other parts are dropped, not kept, but must not make the body endless.
            if received > max_bytes + FORM_OVERHEAD_BYTES:
                raise _too_large(max_bytes, received=received)
            try:
                parser.write(chunk)
            except MultipartParseError as exc:
                raise BadRequest(
                    "Malformed multipart/form-data body", code="malformed_multipart"
                ) from exc
            for piece in form.pending:
                if spool.size + len(piece) > max_bytes:
                    raise _too_large(max_bytes, received=spool.size + len(piece))
                await spool.write(piece)
            form.pending.clear()
        if not form.found:
            raise _missing_file()
        if not form.finished:
            raise BadRequest("The multipart/form-data body ends early", code="malformed_multipart")
        return await _store(storage=storage, spool=spool, filename=form.filename or "", staff=staff)
    finally:
        await spool.aclose()


async def store_image(
    *, storage: ImageStorage, data: bytes, max_bytes: int, filename: str, staff: Staff | None
) -> StoredImage:
    """Keep a JPEG, PNG, GIF or WebP image given as bytes (413 over max_bytes, 422 for
    anything else) and log who uploaded it. The same bytes uploaded twice get the same
    name: the URL of an image never changes."""
    if len(data) > max_bytes:
        raise _too_large(max_bytes, size=len(data))
    spool = Spool(memory_bytes=max(len(data), 1))
    try:
        await spool.write(data)
        return await _store(storage=storage, spool=spool, filename=filename, staff=staff)
    finally:
        await spool.aclose()


async def _store(
    *, storage: ImageStorage, spool: Spool, filename: str, staff: Staff | None
) -> StoredImage:
    info = sniff(spool.head)
    if info is None:
        raise ValidationFailed(
            "Not a JPEG, PNG, GIF or WebP image (or its dimensions are out of range)",
            code="unsupported_image",
            details=[{"field": FILE_FIELD, "message": "not a supported image", "type": "image"}],
        )
    spool.content_type = info.kind.content_type
    name = f"{spool.sha256}.{info.kind.extension}"
    await storage.save(name, spool)
    await audit.record(
        staff,
        "upload.create",
        target_type="upload",
        target_id=spool.sha256[:16],
        detail={"name": name, "size": spool.size, "filename": filename[:100]},
    )
    return StoredImage(name=name, sha256=spool.sha256, size=spool.size, info=info)
