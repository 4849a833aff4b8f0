"""Images in an S3-compatible bucket: uploads through the admin API land in a real S3 server
(moto's, on loopback, checking signatures), products show them under the public base URL."""

from __future__ import annotations

import asyncio
import hashlib
import os
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from mall.catalog import storage as catalog_storage
from mall.catalog.demo import gradient_png
from mall.catalog.s3 import sign_v4
from mall.catalog.storage import S3Storage
from mall.catalog.uploads import SPOOL_MEMORY_BYTES
from mall.config import Settings
from mall.runtime import Runtime
from tests.catalog_support import ADMIN, admin_headers, category
from tests.factories import assert_error
from tests.s3_server import S3Server, start_s3_server

URL = f"{ADMIN}/uploads"
BUCKET = "mall-images"
CDN = "https://img.example-cdn.test/shop"


@pytest.fixture(scope="module")
async def s3_server(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[S3Server]:
    server = await start_s3_server(tmp_path_factory.mktemp("s3"), bucket=BUCKET)
    yield server
    await server.stop()


def s3_settings(settings: Settings, server: S3Server, **extra: Any) -> Settings:
    return settings.model_copy(
        update={
            "storage": "s3",
            "s3_bucket": BUCKET,
            "s3_endpoint": server.endpoint,
            "s3_access_key_id": server.access_key_id,
            "s3_secret_access_key": server.secret_access_key,
            **extra,
        }
    )


@pytest.fixture
async def bucket_storage(
    rt: Runtime, settings: Settings, s3_server: S3Server
) -> AsyncIterator[S3Storage]:
    """The app stores images in the bucket, under a key prefix of this test, behind a CDN."""
    prefix = f"t-{uuid.uuid4().hex[:8]}/"
    storage = catalog_storage.from_settings(
        s3_settings(settings, s3_server, s3_public_base_url=CDN, s3_key_prefix=prefix)
    )
    assert isinstance(storage, S3Storage)
    previous = rt.images
    rt.images = storage
    yield storage
    rt.images = previous
    await storage.aclose()


def versions(server: S3Server, prefix: str) -> list[dict[str, Any]]:
    """Every version of every object under `prefix` (the bucket keeps them all)."""
    listed = server.s3().list_object_versions(Bucket=BUCKET, Prefix=prefix)
    return list(listed.get("Versions", []))


async def test_upload_goes_to_the_bucket_once_and_products_show_the_cdn_url(
    client: httpx.AsyncClient, settings: Settings, s3_server: S3Server, bucket_storage: S3Storage
) -> None:
    admin = await admin_headers(settings)
    prefix = bucket_storage.key_prefix
    png = gradient_png(40, 30, (0, 128, 0), (255, 255, 0))
    digest = hashlib.sha256(png).hexdigest()

    resp = await client.post(URL, files={"file": ("a.bin", png, "text/plain")}, headers=admin)
    assert resp.status_code == 201, resp.text
    out = resp.json()
    assert out["url"] == f"{CDN}/{prefix}{digest}.png"
    assert out["path"] == f"/uploads/{digest}.png"
    assert (out["content_type"], out["width"], out["height"]) == ("image/png", 40, 30)

    s3 = s3_server.s3()
    head = await asyncio.to_thread(s3.head_object, Bucket=BUCKET, Key=f"{prefix}{digest}.png")
    assert head["ContentType"] == "image/png"
    assert head["ContentLength"] == len(png)
    assert "immutable" in head["CacheControl"]
    obj = await asyncio.to_thread(s3.get_object, Bucket=BUCKET, Key=f"{prefix}{digest}.png")
    assert obj["Body"].read() == png

    # The same bytes again (under another file name): same URL, still one version stored.
    again = await client.post(URL, files={"file": ("b.png", png, "image/png")}, headers=admin)
    assert again.status_code == 201 and again.json()["url"] == out["url"]
    assert len(await asyncio.to_thread(versions, s3_server, prefix)) == 1

    # The product keeps the reference and renders the CDN URL.
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
    assert made.status_code == 201, made.text
    from models import Product

    assert (await Product.get(id=made.json()["id"])).images == [out["path"]]
    detail = (await client.get(f"/api/v1/products/{made.json()['id']}")).json()
    assert detail["images"] == [out["url"]] and detail["cover_url"] == out["url"]
    # The API still serves the image itself (from the bucket) at its path.
    served = await client.get(out["path"])
    assert served.status_code == 200 and served.content == png


async def test_a_large_upload_streams_through_a_file_into_the_bucket(
    client: httpx.AsyncClient, settings: Settings, s3_server: S3Server, bucket_storage: S3Storage
) -> None:
    admin = await admin_headers(settings)
    # Bytes after IEND are ignored by decoders; here they make the upload larger than what
    # an upload keeps in memory, so it is spooled to a file and streamed from there.
    big = gradient_png(8, 8, (1, 2, 3), (4, 5, 6)) + os.urandom(SPOOL_MEMORY_BYTES * 3)
    assert len(big) < settings.upload_max_bytes
    resp = await client.post(URL, files={"file": ("big.png", big)}, headers=admin)
    assert resp.status_code == 201, resp.text
    assert resp.json()["size"] == len(big)
    key = bucket_storage.key_prefix + resp.json()["path"].rsplit("/", 1)[1]
    obj = await asyncio.to_thread(s3_server.s3().get_object, Bucket=BUCKET, Key=key)
    assert obj["Body"].read() == big


async def test_the_bucket_refuses_nothing_we_did_not_check(
    client: httpx.AsyncClient, settings: Settings, s3_server: S3Server, bucket_storage: S3Storage
) -> None:
    admin = await admin_headers(settings)
    svg = b"<svg xmlns='http://www.w3.org/2000/svg'/>"
    assert_error(
        await client.post(URL, files={"file": ("a.png", svg, "image/png")}, headers=admin),
        422,
        "unsupported_image",
    )
    oversize = gradient_png(8, 8, (0, 0, 0), (0, 0, 0)) + b"\x00" * settings.upload_max_bytes
    err = assert_error(
        await client.post(URL, files={"file": ("a.png", oversize)}, headers=admin),
        413,
        "upload_too_large",
    )
    assert err["details"]["max_bytes"] == settings.upload_max_bytes
    assert await asyncio.to_thread(versions, s3_server, bucket_storage.key_prefix) == []


async def test_wrong_keys_or_a_server_that_is_down_is_a_503_naming_the_storage(
    rt: Runtime,
    client: httpx.AsyncClient,
    settings: Settings,
    s3_server: S3Server,
    tmp_path: Path,
) -> None:
    admin = await admin_headers(settings)
    png = gradient_png(12, 12, (9, 9, 9), (200, 0, 0))
    previous = rt.images
    # The server checks signatures: a wrong secret is refused (and is the storage's fault,
    # not the client's).
    rt.images = catalog_storage.from_settings(
        s3_settings(settings, s3_server, s3_secret_access_key="not-the-secret")
    )
    try:
        err = assert_error(
            await client.post(URL, files={"file": ("a.png", png)}, headers=admin),
            503,
            "service_unavailable",
        )
        assert err["details"]["storage"] == "s3" and "403" in err["details"]["reason"]
        await rt.images.aclose()

        # A server of its own, stopped once it has the image.
        down = await start_s3_server(tmp_path, bucket=BUCKET)
        rt.images = catalog_storage.from_settings(s3_settings(settings, down))
        ok = await client.post(URL, files={"file": ("a.png", png)}, headers=admin)
        assert ok.status_code == 201, ok.text
        await down.stop()
        for resp in (
            await client.post(URL, files={"file": ("b.png", png + b"x")}, headers=admin),
            await client.get(ok.json()["path"]),
        ):
            err = assert_error(resp, 503, "service_unavailable")
            assert err["details"]["storage"] == "s3"
            assert err["details"]["bucket"] == BUCKET
            assert err["details"]["endpoint"] == down.endpoint
            assert BUCKET in err["message"] and down.endpoint in err["message"]
    finally:
        await rt.images.aclose()
        rt.images = previous


def test_settings_choose_the_storage_and_its_public_urls(settings: Settings) -> None:
    assert type(catalog_storage.from_settings(settings)).__name__ == "LocalStorage"
    s3 = settings.model_copy(
        update={
            "storage": "s3",
            "s3_bucket": "shop",
            "s3_access_key_id": "id",
            "s3_secret_access_key": "secret",
        }
    )
    name = "ab" * 32 + ".png"
    cases = [
        # Virtual-hosted names for cloud endpoints (OSS and COS accept nothing else).
        (
            {"s3_endpoint": "https://oss-cn-hangzhou.aliyuncs.com"},
            "https://shop.oss-cn-hangzhou.aliyuncs.com/",
        ),
        ({"s3_region": "eu-west-1"}, "https://shop.s3.eu-west-1.amazonaws.com/"),
        # Path style for an address or localhost (MinIO), or when asked for.
        ({"s3_endpoint": "http://127.0.0.1:9000"}, "http://127.0.0.1:9000/shop/"),
        (
            {"s3_endpoint": "http://minio:9000", "s3_addressing_style": "path"},
            "http://minio:9000/shop/",
        ),
        (
            {"s3_public_base_url": "https://cdn.test/img/", "s3_key_prefix": "p/"},
            "https://cdn.test/img/p/",
        ),
    ]
    for update, base in cases:
        storage = catalog_storage.from_settings(s3.model_copy(update=update))
        assert storage.url(name) == base + name, update
        # A URL of ours sent back by a client is stored as the reference.
        assert storage.ref_of(base + name) == f"/uploads/{name}"
    with pytest.raises(RuntimeError, match="MALL_S3_BUCKET"):
        catalog_storage.from_settings(s3.model_copy(update={"s3_bucket": ""}))


SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"


def test_sigv4_matches_aws_example_and_botocore() -> None:
    from botocore.auth import S3SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    when = datetime(2013, 5, 24, tzinfo=UTC)
    # AWS's documented example (GET Object with a Range header).
    signed = sign_v4(
        method="GET",
        url="https://examplebucket.s3.amazonaws.com/test.txt",
        headers={"Range": "bytes=0-9"},
        payload_sha256=hashlib.sha256(b"").hexdigest(),
        access_key_id="AKIAIOSFODNN7EXAMPLE",
        secret_access_key=SECRET,
        region="us-east-1",
        now=when,
    )
    assert signed["authorization"].endswith(
        "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, "
        "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"
    )
    # And whatever botocore signs the same requests as.
    for method, url, headers, region in [
        ("PUT", "http://127.0.0.1:9000/bucket/p/x.png", {"Content-Type": "image/png"}, "us-east-1"),
        ("HEAD", "https://b.oss-cn-hangzhou.aliyuncs.com/a%20b/c.jpg", {}, "oss-cn-hangzhou"),
        (
            "GET",
            "https://cos.ap-guangzhou.myqcloud.com/b/k.webp?x-id=GetObject",
            {},
            "ap-guangzhou",
        ),
    ]:
        payload = hashlib.sha256(url.encode()).hexdigest()
        ours = sign_v4(
            method=method,
            url=url,
            headers=headers,
            payload_sha256=payload,
            access_key_id="AKIAIOSFODNN7EXAMPLE",
            secret_access_key=SECRET,
            region=region,
            now=when,
        )
        request = AWSRequest(
            method=method,
            url=url,
            headers={
                **headers,
                "Host": urlsplit(url).netloc,
                "X-Amz-Date": ours["x-amz-date"],
                "X-Amz-Content-SHA256": payload,
            },
        )
        request.context["timestamp"] = ours["x-amz-date"]
        auth = S3SigV4Auth(Credentials("AKIAIOSFODNN7EXAMPLE", SECRET), "s3", region)
        expected = auth.signature(
            auth.string_to_sign(request, auth.canonical_request(request)), request
        )
        assert ours["authorization"].endswith(f"Signature={expected}"), url


async def test_spool_keeps_only_its_head_in_memory() -> None:
    from mall.catalog.uploads import Spool

    spool = Spool(memory_bytes=1000)
    data = os.urandom(10_000)
    for i in range(0, len(data), 700):
        await spool.write(data[i : i + 700])
    assert spool.size == len(data) and spool.sha256 == hashlib.sha256(data).hexdigest()
    # The rest is in a temporary file, read back in order.
    assert spool.head == data[:1000] and len(spool._memory) == 1000
    assert b"".join([chunk async for chunk in spool.chunks()]) == data
    await spool.aclose()
