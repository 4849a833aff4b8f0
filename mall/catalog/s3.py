"""The few S3 calls image storage needs (HEAD, PUT, GET of one object), signed with SigV4.

AWS S3, Aliyun OSS, Tencent COS and MinIO all accept these requests signed with AWS
Signature Version 4. Three calls do not justify botocore (and aiohttp beside our httpx),
so the requests are signed here (the signing is checked against botocore's in the tests).
The payload hash SigV4 needs is the content hash the object is named by, so a body is
signed without being read twice and streams from its spool file.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
from collections.abc import AsyncIterable, Mapping
from datetime import UTC, datetime
from urllib.parse import quote, unquote, urlsplit

import httpx

ALGORITHM = "AWS4-HMAC-SHA256"
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()


class S3Error(Exception):
    """The object store answered with an error status."""

    def __init__(self, status: int, body: bytes) -> None:
        self.status = status
        self.code = _error_code(body)
        super().__init__(f"HTTP {status}" + (f" {self.code}" if self.code else ""))


def _error_code(body: bytes) -> str:
    # <Error><Code>NoSuchBucket</Code>...: the code is enough for a log line.
    start = body.find(b"<Code>")
    end = body.find(b"</Code>", start)
    return body[start + 6 : end].decode(errors="replace")[:64] if start >= 0 < end else ""


def _hmac(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode(), hashlib.sha256).digest()


def sign_v4(
    *,
    method: str,
    url: str,
    headers: Mapping[str, str],
    payload_sha256: str,
    access_key_id: str,
    secret_access_key: str,
    region: str,
    now: datetime,
    service: str = "s3",
) -> dict[str, str]:
    """`headers` plus x-amz-date, x-amz-content-sha256 and Authorization (SigV4, header form).

    Every header given is signed; `host` is added from the URL when not given."""
    parts = urlsplit(url)
    amz_date = now.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    signed = {name.lower(): " ".join(str(value).split()) for name, value in headers.items()}
    signed.setdefault("host", parts.netloc)
    signed["x-amz-date"] = amz_date
    signed["x-amz-content-sha256"] = payload_sha256
    names = sorted(signed)
    query = "&".join(
        f"{quote(k, safe='-_.~')}={quote(v, safe='-_.~')}"
        for k, v in sorted(
            (pair.partition("=")[0], pair.partition("=")[2])
            for pair in parts.query.split("&")
            if pair
        )
    )
    canonical_request = "\n".join(
        [
            method.upper(),
            # S3 signs the path encoded once (slashes kept), whatever the URL's own escaping.
            quote(unquote(parts.path) or "/", safe="/-_.~"),
            query,
            "".join(f"{name}:{signed[name]}\n" for name in names),
            ";".join(names),
            payload_sha256,
        ]
    )
    day = amz_date[:8]
    scope = f"{day}/{region}/{service}/aws4_request"
    string_to_sign = "\n".join(
        [ALGORITHM, amz_date, scope, hashlib.sha256(canonical_request.encode()).hexdigest()]
    )
    key = _hmac(("AWS4" + secret_access_key).encode(), day)
    for part in (region, service, "aws4_request"):
        key = _hmac(key, part)
    signature = hmac.new(key, string_to_sign.encode(), hashlib.sha256).hexdigest()
    authorization = (
        f"{ALGORITHM} Credential={access_key_id}/{scope}, "
        f"SignedHeaders={';'.join(names)}, Signature={signature}"
    )
    return {**headers, **signed, "authorization": authorization}


def uses_path_style(endpoint: str, style: str) -> bool:
    """`auto`: path style for an IP address or localhost (MinIO, a test server), else virtual."""
    if style != "auto":
        return style == "path"
    host = urlsplit(endpoint).hostname or ""
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def bucket_url(endpoint: str, bucket: str, *, path_style: bool) -> str:
    """The bucket's base URL on the endpoint (no trailing slash)."""
    parts = urlsplit(endpoint.rstrip("/"))
    if path_style:
        return f"{parts.scheme}://{parts.netloc}{parts.path}/{bucket}"
    return f"{parts.scheme}://{bucket}.{parts.netloc}{parts.path}"


class S3Client:
    """HEAD, PUT and GET of objects in one bucket; the HTTP client opens on first use."""

    def __init__(
        self,
        *,
        endpoint: str,
        bucket: str,
        region: str,
        access_key_id: str,
        secret_access_key: str,
        path_style: bool,
        timeout: float,
    ) -> None:
        self.endpoint = endpoint.rstrip("/")
        self.bucket = bucket
        self.region = region
        self.base_url = bucket_url(endpoint, bucket, path_style=path_style)
        self._access_key_id = access_key_id
        self._secret_access_key = secret_access_key
        self._timeout = timeout
        self._http: httpx.AsyncClient | None = None

    @property
    def http(self) -> httpx.AsyncClient:
        if self._http is None:
            self._http = httpx.AsyncClient(timeout=self._timeout)
        return self._http

    async def aclose(self) -> None:
        if self._http is not None:
            await self._http.aclose()
            self._http = None

    def object_url(self, key: str) -> str:
        return f"{self.base_url}/{quote(key, safe='/-_.~')}"

    def _signed(
        self, method: str, url: str, headers: Mapping[str, str], payload_sha256: str
    ) -> dict[str, str]:
        return sign_v4(
            method=method,
            url=url,
            headers=headers,
            payload_sha256=payload_sha256,
            access_key_id=self._access_key_id,
            secret_access_key=self._secret_access_key,
            region=self.region,
            now=datetime.now(UTC),
        )

    async def exists(self, key: str) -> bool:
        """Whether the object is known to be there (HEAD)."""
        url = self.object_url(key)
        response = await self.http.head(url, headers=self._signed("HEAD", url, {}, EMPTY_SHA256))
        # S3 answers 403, not 404, for a missing object to a key that may not list the
        # bucket: not known to be there. A key that may not write either fails on the PUT.
        if response.status_code in (403, 404):
            return False
        if response.status_code != 200:
            raise S3Error(response.status_code, b"")
        return True

    async def put(
        self,
        key: str,
        *,
        body: AsyncIterable[bytes],
        size: int,
        sha256: str,
        content_type: str,
        cache_control: str,
    ) -> None:
        """Upload an object of `size` bytes whose SHA-256 is `sha256`, streaming `body`."""
        url = self.object_url(key)
        headers = {
            "content-type": content_type,
            "cache-control": cache_control,
        }
        signed = self._signed("PUT", url, headers, sha256)
        # S3 needs the length up front (no chunked uploads): httpx streams with it.
        signed["content-length"] = str(size)
        response = await self.http.put(url, content=body, headers=signed)
        if response.status_code != 200:
            raise S3Error(response.status_code, response.content)

    async def get(self, key: str) -> bytes | None:
        """The object's bytes, or None when there is no such object."""
        url = self.object_url(key)
        response = await self.http.get(url, headers=self._signed("GET", url, {}, EMPTY_SHA256))
        if response.status_code == 404 and _error_code(response.content) != "NoSuchBucket":
            return None
        if response.status_code != 200:
            raise S3Error(response.status_code, response.content)
        return response.content
