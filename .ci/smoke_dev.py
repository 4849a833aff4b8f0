"""Start `mall dev` on the embedded servers, check it serves and logs in, stop it; twice."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def request(url: str, body: dict | None = None, token: str | None = None) -> tuple[int, dict]:
    data = json.dumps(body).encode() if body is not None else None
    headers = {"Content-Type": "application/json"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    req = urllib.request.Request(url, data=data, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, json.loads(resp.read() or b"{}")
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}")


def order_and_cancel(base: str, token: str, attempt: int) -> None:
    """An order placed and cancelled on the embedded servers (the order statements and
    their SQL functions from the migrations run there too)."""
    api = f"{base}/api/v1"
    status, address = request(
        f"{api}/addresses",
        {
            "name": "张三",
            "phone": "13800138000",
            "province": "广东省",
            "city": "广州市",
            "district": "海珠区",
            "detail": "新港中路397号",
        },
        token,
    )
    assert status == 201, (status, address)
    status, page = request(f"{api}/products?page_size=1")
    assert status == 200 and page["items"], (status, page)
    status, product = request(f"{api}/products/{page['items'][0]['id']}")
    assert status == 200, (status, product)
    sku = next(s for s in product["skus"] if s["stock"] > 0)
    status, order = request(
        f"{api}/orders",
        {"items": [{"sku_id": sku["id"], "quantity": 1}], "address_id": address["id"]},
        token,
    )
    assert status == 201 and order["status"] == "pending_payment", (status, order)
    status, cancelled = request(f"{api}/orders/{order['id']}/cancel", {}, token)
    assert status == 200 and cancelled["status"] == "cancelled", (status, cancelled)
    print(f"run {attempt}: order {order['order_no']} placed and cancelled")


def main() -> int:
    port = free_port()
    data_dir = Path(tempfile.mkdtemp(prefix="mall-dev-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("MALL_")}
    env["MALL_DEV_ADMIN_PASSWORD"] = "smoke-test-password"
    bin_dir = Path(sys.executable).parent
    cmd = [str(bin_dir / "mall"), "dev", "--port", str(port), "--data-dir", str(data_dir)]
    first_user_id: int | None = None
    for attempt in (1, 2):  # the second run must reuse the data of the first
        proc = subprocess.Popen(
            cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 180
            while time.monotonic() < deadline:
                if proc.poll() is not None:
                    print(proc.stdout.read() if proc.stdout else "")
                    print(f"mall dev exited early with {proc.returncode}")
                    return 1
                try:
                    status, _ = request(f"{base}/health/ready")
                    if status == 200:
                        break
                except OSError:
                    pass
                time.sleep(1)
            else:
                print("mall dev did not become ready")
                return 1
            status, body = request(
                f"{base}/api/v1/auth/wechat/login",
                {"code": "smoke:1" if attempt == 1 else "smoke:2"},
            )
            assert status == 200 and body["access_token"], (status, body)
            user_id = body["user"]["id"]
            status, admin = request(
                f"{base}/api/admin/auth/login",
                {"username": "admin", "password": "smoke-test-password"},
            )
            assert status == 200, (status, admin)
            print(f"run {attempt}: ready, WeChat login ok (user {user_id}), admin login ok")
            order_and_cancel(base, body["access_token"], attempt)
            if first_user_id is not None:
                assert user_id == first_user_id, "the second run did not reuse the data"
            first_user_id = first_user_id or user_id
        finally:
            proc.send_signal(signal.SIGINT)
            try:
                out, _ = proc.communicate(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()
                out, _ = proc.communicate()
                print(out)
                print("mall dev did not stop within 60 s of Ctrl-C")
                return 1
        if proc.returncode not in (0, -signal.SIGINT, 130):
            print(out)
            print(f"mall dev exited with {proc.returncode} after Ctrl-C")
            return 1
        print(f"run {attempt}: stopped cleanly")
    print("quick start smoke test passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
