"""What an uploaded file really is, read from its bytes (never from its name or header)."""

from __future__ import annotations

from dataclasses import dataclass

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# JPEG start-of-frame markers carry the dimensions; C4 (DHT), C8 (JPG), CC (DAC) do not.
JPEG_SOF = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}
JPEG_STANDALONE = frozenset({0x01, *range(0xD0, 0xD9)})
MAX_SIDE = 10_000
# Decoders downstream (thumbnails, the mini-program) allocate width*height*4 bytes.
MAX_PIXELS = 40_000_000


@dataclass(frozen=True)
class ImageKind:
    extension: str
    content_type: str


JPEG = ImageKind("jpg", "image/jpeg")
PNG = ImageKind("png", "image/png")
GIF = ImageKind("gif", "image/gif")
WEBP = ImageKind("webp", "image/webp")
KINDS = {kind.extension: kind for kind in (JPEG, PNG, GIF, WEBP)}


@dataclass(frozen=True)
class ImageInfo:
    kind: ImageKind
    width: int
    height: int


def sniff(data: bytes) -> ImageInfo | None:
    """The image type and dimensions from the header, or None for anything else."""
    found: tuple[ImageKind, int, int] | None = None
    if data.startswith(PNG_SIGNATURE) and data[12:16] == b"IHDR":
        found = PNG, _be(data[16:20]), _be(data[20:24])
    elif data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        found = GIF, _le(data[6:8]), _le(data[8:10])
    elif data.startswith(b"\xff\xd8\xff"):
        size = _jpeg_size(data)
        found = (JPEG, *size) if size else None
    elif data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        size = _webp_size(data)
        found = (WEBP, *size) if size else None
    if found is None:
        return None
    kind, width, height = found
    if not (0 < width <= MAX_SIDE and 0 < height <= MAX_SIDE and width * height <= MAX_PIXELS):
        return None
    return ImageInfo(kind, width, height)


def _be(raw: bytes) -> int:
    return int.from_bytes(raw, "big")


def _le(raw: bytes) -> int:
    return int.from_bytes(raw, "little")


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    i = 2
    while i + 9 <= len(data):
        if data[i] != 0xFF:
            return None
        marker = data[i + 1]
        if marker == 0xFF:  # fill byte
            i += 1
        elif marker in JPEG_STANDALONE:
            i += 2
        elif marker in JPEG_SOF:
            return _be(data[i + 7 : i + 9]), _be(data[i + 5 : i + 7])
        else:
            i += 2 + _be(data[i + 2 : i + 4])
    return None


def _webp_size(data: bytes) -> tuple[int, int] | None:
    chunk = data[12:16]
    if chunk == b"VP8 " and len(data) >= 30 and data[23:26] == b"\x9d\x01\x2a":
        return _le(data[26:28]) & 0x3FFF, _le(data[28:30]) & 0x3FFF
    if chunk == b"VP8L" and len(data) >= 25 and data[20] == 0x2F:
        bits = _le(data[21:25])
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    if chunk == b"VP8X" and len(data) >= 30:
        return _le(data[24:27]) + 1, _le(data[27:30]) + 1
    return None
