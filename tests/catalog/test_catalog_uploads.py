"""POST /api/admin/uploads: images checked by content, stored by hash, served back."""

from __future__ import annotations

import asyncio
import hashlib
import os
import struct
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from mall.catalog.demo import gradient_png
from mall.catalog.storage import LocalStorage
from mall.config import Settings
from mall.runtime import Runtime
from tests.catalog_support import ADMIN, admin_headers, category
from tests.factories import assert_error

URL = f"{ADMIN}/uploads"


@pytest.fixture
def upload_dir(rt: Runtime, settings: Settings, tmp_path: Path) -> Iterator[Path]:
    """Uploads of this test go to a temporary directory."""
    previous = rt.images
    rt.images = LocalStorage(tmp_path, base_url=settings.public_base_url)
    yield tmp_path
    rt.images = previous


def jpeg_header(width: int, height: int) -> bytes:
    app0 = b"\xff\xe0" + struct.pack(">H", 16) + b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    sof0 = b"\xff\xc0" + struct.pack(">HBHHB", 11, 8, height, width, 1) + b"\x01\x11\x00"
    return b"\xff\xd8" + app0 + sof0 + b"\xff\xd9"


def webp_header(width: int, height: int) -> bytes:
    vp8x = b"VP8X" + struct.pack("<I", 10) + b"\x00\x00\x00\x00"
    vp8x += (width - 1).to_bytes(3, "little") + (height - 1).to_bytes(3, "little")
    return b"RIFF" + struct.pack("<I", 4 + len(vp8x)) + b"WEBP" + vp8x


def gif_header(width: int, height: int) -> bytes:
    return b"GIF89a" + struct.pack("<HH", width, height) + b"\x00\x00\x00;"


async def test_upload_sniffs_stores_and_serves(
    client: httpx.AsyncClient, settings: Settings, upload_dir: Path
) -> None:
    admin = await admin_headers(settings)
    png = gradient_png(32, 16, (255, 0, 0), (0, 0, 255))
    # The name and the declared type say text; the bytes say PNG: the bytes win.
    resp = await client.post(URL, files={"file": ("notes.txt", png, "text/plain")}, headers=admin)
    assert resp.status_code == 201, resp.text
    out = resp.json()
    digest = hashlib.sha256(png).hexdigest()
    assert out == {
        "url": f"{settings.public_base_url}/uploads/{digest}.png",
        "path": f"/uploads/{digest}.png",
        "content_type": "image/png",
        "size": len(png),
        "width": 32,
        "height": 16,
        "sha256": digest,
    }
    assert (upload_dir / f"{digest}.png").read_bytes() == png

    served = await client.get(f"/uploads/{digest}.png")
    assert served.status_code == 200 and served.content == png
    assert served.headers["content-type"] == "image/png"
    assert "immutable" in served.headers["cache-control"]
    again = await client.get(
        f"/uploads/{digest}.png", headers={"If-None-Match": served.headers["etag"]}
    )
    assert again.status_code == 304
    # The same bytes again: the same, stable URL.
    twice = await client.post(URL, files={"file": ("x.png", png, "image/png")}, headers=admin)
    assert twice.json()["url"] == out["url"]

    for data, kind, size in (
        (jpeg_header(640, 480), "jpeg", (640, 480)),
        (webp_header(300, 200), "webp", (300, 200)),
        (gif_header(10, 20), "gif", (10, 20)),
    ):
        resp = await client.post(
            URL, files={"file": ("f", data, "application/octet-stream")}, headers=admin
        )
        assert resp.status_code == 201, (kind, resp.text)
        assert resp.json()["content_type"] == f"image/{kind}"
        assert (resp.json()["width"], resp.json()["height"]) == size

    # An uploaded image works in a product: stored by reference, rendered as the URL.
    cat = await category(client, admin, "服饰")
    made = await client.post(
        f"{ADMIN}/products",
        headers=admin,
        json={
            "title": "T恤",
            "category_id": cat,
            "images": [out["url"]],
            "on_sale": True,
            "skus": [{"specs": {}, "price": 100}],
        },
    )
    assert made.json()["images"] == [out["url"]]
    from models import Product

    assert (await Product.get(id=made.json()["id"])).images == [out["path"]]
    detail = (await client.get(f"/api/v1/products/{made.json()['id']}")).json()
    assert detail["cover_url"] == out["url"]


async def test_uploads_refuse_what_is_not_a_small_image(
    client: httpx.AsyncClient, settings: Settings, upload_dir: Path
) -> None:
    admin = await admin_headers(settings)
    fake_png = b"<svg xmlns='http://www.w3.org/2000/svg'/>"
    err = assert_error(
        await client.post(URL, files={"file": ("a.png", fake_png, "image/png")}, headers=admin),
        422,
        "unsupported_image",
    )
    assert err["details"][0]["field"] == "file"
    huge = gif_header(20_000, 20_000)
    assert_error(await client.post(URL, files={"file": ("a.gif", huge)}, headers=admin), 422)
    truncated = b"\xff\xd8\xff\xe0\x00\x10JFIF"
    assert_error(await client.post(URL, files={"file": ("a.jpg", truncated)}, headers=admin), 422)
    oversize = gradient_png(8, 8, (0, 0, 0), (0, 0, 0)) + b"\x00" * settings.upload_max_bytes
    assert_error(
        await client.post(URL, files={"file": ("a.png", oversize)}, headers=admin),
        413,
        "upload_too_large",
    )
    assert_error(await client.post(URL, files={"other": ("a.png", b"x")}, headers=admin), 422)
    assert_error(await client.post(URL, json={"file": "x"}, headers=admin), 422)
    form = {**admin, "Content-Type": "multipart/form-data; boundary=xyz"}
    assert_error(
        await client.post(URL, content=b"garbage", headers=form), 400, "malformed_multipart"
    )
    cut_short = b'--xyz\r\nContent-Disposition: form-data; name="file"\r\n\r\nGIF89a'
    assert_error(
        await client.post(URL, content=cut_short, headers=form), 400, "malformed_multipart"
    )
    assert await asyncio.to_thread(os.listdir, upload_dir) == []

    assert_error(await client.get(f"/uploads/{'0' * 64}.png"), 404)
    assert_error(await client.get("/uploads/../../etc/passwd"), 404)
    assert_error(await client.get("/uploads/readme.txt"), 404)


async def test_an_upload_far_over_the_limit_is_refused_before_it_is_sent(
    base_url: str, settings: Settings, upload_dir: Path
) -> None:
    """A huge body announced by its Content-Length is refused before any of it is read."""
    admin = await admin_headers(settings)
    host, port = base_url.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    head = (
        "POST /api/admin/uploads HTTP/1.1\r\n"
        f"Host: {host}\r\n"
        f"Authorization: {admin['Authorization']}\r\n"
        "Content-Type: multipart/form-data; boundary=xyz\r\n"
        f"Content-Length: {50 * settings.upload_max_bytes}\r\n"
        "Expect: 100-continue\r\n\r\n"
    )
    writer.write(head.encode())
    await writer.drain()
    # Sanic sends `100 Continue` ahead of any final answer; the 413 follows, body unsent.
    answer = await asyncio.wait_for(reader.readuntil(b"}}}"), 10)
    writer.close()
    assert b"HTTP/1.1 413" in answer and b'"upload_too_large"' in answer, answer
    assert await asyncio.to_thread(os.listdir, upload_dir) == []
