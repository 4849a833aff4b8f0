"""A real S3-compatible server for tests: moto's standalone server on a free loopback port.

It checks SigV4 signatures once `enforce_auth` has run (moto lets the first requests in
unsigned, so the test's own setup can create the user, key and bucket first).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

START_TIMEOUT = 60.0  # a generous bound: a busy machine starts processes slowly
REGION = "us-east-1"
ALLOW_S3 = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}],
    }
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class S3Server:
    """One `python -m moto.server` process with a bucket and a key allowed to use it."""

    port: int
    log_path: Path
    process: subprocess.Popen[bytes] | None = None
    access_key_id: str = ""
    secret_access_key: str = ""

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(self.port)],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    async def wait_ready(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        async with httpx.AsyncClient(timeout=2) as http:
            while True:
                assert self.process is not None and self.process.poll() is None, self.log()
                with contextlib.suppress(httpx.HTTPError):
                    if (await http.get(f"{self.endpoint}/moto-api/data.json")).is_success:
                        return
                assert time.monotonic() < deadline, f"moto did not start\n{self.log()}"
                await asyncio.sleep(0.1)

    def client(self, service: str, **keys: str) -> Any:
        """A boto3 client of this server (the tests' independent view of the bucket)."""
        import boto3

        return boto3.client(
            service,
            endpoint_url=self.endpoint,
            region_name=REGION,
            aws_access_key_id=keys.get("access_key_id", "testing"),
            aws_secret_access_key=keys.get("secret_access_key", "testing"),
        )

    def s3(self) -> Any:
        return self.client(
            "s3", access_key_id=self.access_key_id, secret_access_key=self.secret_access_key
        )

    def create_user_and_bucket(self, bucket: str) -> None:
        """An IAM user whose key may do anything in S3, and a versioned bucket (versions
        show how often an object was written)."""
        iam = self.client("iam")
        iam.create_user(UserName="mall")
        iam.put_user_policy(UserName="mall", PolicyName="s3", PolicyDocument=ALLOW_S3)
        key = iam.create_access_key(UserName="mall")["AccessKey"]
        self.access_key_id, self.secret_access_key = key["AccessKeyId"], key["SecretAccessKey"]
        s3 = self.s3()
        s3.create_bucket(Bucket=bucket)
        s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})

    async def enforce_auth(self) -> None:
        """From now on every request must carry a valid signature of a known key."""
        async with httpx.AsyncClient(timeout=5) as http:
            resp = await http.post(f"{self.endpoint}/moto-api/reset-auth", content=b"0")
            resp.raise_for_status()

    async def stop(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.terminate()
            try:
                await asyncio.to_thread(self.process.wait, 5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                await asyncio.to_thread(self.process.wait)

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-3000:]
        except FileNotFoundError:
            return ""


async def start_s3_server(log_dir: Path, *, bucket: str) -> S3Server:
    """A running server with `bucket`, signatures enforced."""
    server = S3Server(port=free_port(), log_path=log_dir / "moto.log")
    server.start()
    try:
        await server.wait_ready()
        await asyncio.to_thread(server.create_user_and_bucket, bucket)
        await server.enforce_auth()
    except BaseException:
        await server.stop()
        raise
    return server
