"""Start `mall dev` on the embedded servers, check it serves and logs in, stop it; twice.

The first time, `mall demo` plays the whole walk-through against it twice in a row, and so
does the README's curl walk-through (its block run with bash); the second time (the data
of the first reused), `mall demo` once more. The console must stay quiet: every line of a
child process is prefixed with its name, and no readiness probe answers 500.
"""

from __future__ import annotations

import json
import os
import re
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


ROOT = Path(__file__).resolve().parent.parent
ADMIN_PASSWORD = "smoke-test-password"
CHILDREN = ("api", "worker", "scheduler", "wechat-sim")


def run_demo(bin_dir: Path, base: str, sim: str, attempt: int, run: int) -> None:
    """`mall demo` against the running `mall dev`: every step, exit code 0."""
    result = subprocess.run(
        [str(bin_dir / "mall"), "demo", "--api", base, "--sim", sim],
        env={**os.environ, "MALL_DEV_ADMIN_PASSWORD": ADMIN_PASSWORD},
        capture_output=True,
        text=True,
        timeout=120,
    )
    print(result.stdout, end="")
    assert result.returncode == 0, f"mall demo failed ({result.returncode}): {result.stderr}"
    assert "12. customer confirms receipt" in result.stdout, result.stdout
    print(f"run {attempt}: mall demo #{run} passed")


def walkthrough_script(port: int, sim_port: int) -> str:
    """The README's curl walk-through, pointed at this instance's ports."""
    readme = (ROOT / "README.md").read_text()
    block = re.search(
        r"<!-- walkthrough:[^>]*-->\n```sh\n(.*?)```\n<!-- /walkthrough -->", readme, re.DOTALL
    )
    assert block is not None, "README.md has no walk-through block"
    script = block.group(1)
    assert "127.0.0.1:8000" in script and "127.0.0.1:8001" in script
    return script.replace("127.0.0.1:8000", f"127.0.0.1:{port}").replace(
        "127.0.0.1:8001", f"127.0.0.1:{sim_port}"
    )


def run_walkthrough(script: str, attempt: int, run: int) -> None:
    """The block as a newcomer pastes it, in bash, stopping at the first failing command."""
    result = subprocess.run(
        ["bash", "-e", "-o", "pipefail", "-c", script],
        env={**os.environ, "MALL_DEV_ADMIN_PASSWORD": ADMIN_PASSWORD},
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    print(result.stdout, end="")
    assert result.returncode == 0, f"walk-through failed ({result.returncode}): {result.stderr}"
    # the simulator's answer, then the order's status after each step
    assert result.stdout.split()[-4:] == ["SUCCESS", "paid", "shipped", "completed"], result.stdout
    print(f"run {attempt}: README walk-through #{run} passed")


def check_console(out: str) -> None:
    """One prefix per child line; no production banner; no readiness 500 at start."""
    assert "mode: production" not in out, "Sanic's production banner in mall dev's console"
    assert "/health/ready 500" not in out, "a readiness probe answered 500"
    for name in CHILDREN:
        assert re.search(rf"^{re.escape(name)} +\| ", out, re.MULTILINE), f"no {name} lines"
    assert "Executing task mall.sweep_orders" not in out, "the periodic sweep logs at INFO"


def main() -> int:
    port = free_port()
    sim_port = free_port()
    data_dir = Path(tempfile.mkdtemp(prefix="mall-dev-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("MALL_")}
    env["MALL_DEV_ADMIN_PASSWORD"] = ADMIN_PASSWORD
    bin_dir = Path(sys.executable).parent
    cmd = [
        str(bin_dir / "mall"),
        "dev",
        "--port",
        str(port),
        "--sim-port",
        str(sim_port),
        "--data-dir",
        str(data_dir),
    ]
    first_user_id: int | None = None
    for attempt in (1, 2):  # the second run must reuse the data of the first
        # A file, not a pipe: nobody reads mall dev's console while it runs.
        console = data_dir / f"console-{attempt}.log"
        with console.open("w") as sink:
            proc = subprocess.Popen(cmd, env=env, stdout=sink, stderr=subprocess.STDOUT, text=True)
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 180
            while time.monotonic() < deadline:
                if proc.poll() is not None:
                    print(console.read_text())
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
                {"username": "admin", "password": ADMIN_PASSWORD},
            )
            assert status == 200, (status, admin)
            print(f"run {attempt}: ready, WeChat login ok (user {user_id}), admin login ok")
            order_and_cancel(base, body["access_token"], attempt)
            sim = f"http://127.0.0.1:{sim_port}"
            for run in (1, 2) if attempt == 1 else (1,):
                run_demo(bin_dir, base, sim, attempt, run)
            if attempt == 1:
                script = walkthrough_script(port, sim_port)
                for run in (1, 2):
                    run_walkthrough(script, attempt, run)
            if first_user_id is not None:
                assert user_id == first_user_id, "the second run did not reuse the data"
            first_user_id = first_user_id or user_id
        except AssertionError:
            print(console.read_text())  # what mall dev said meanwhile
            raise
        finally:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
                print(console.read_text())
                print("mall dev did not stop within 60 s of Ctrl-C")
                return 1
        out = console.read_text()
        if proc.returncode not in (0, -signal.SIGINT, 130):
            print(out)
            print(f"mall dev exited with {proc.returncode} after Ctrl-C")
            return 1
        try:
            check_console(out)
        except AssertionError as exc:
            print(out)
            print(f"run {attempt}: the console: {exc}")
            return 1
        print(f"run {attempt}: stopped cleanly")
    print("quick start smoke test passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
