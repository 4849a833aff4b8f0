"""`mall demo`, the walk-through as a command, run as a real process against the test's API
and WeChat simulator: it passes any number of times and names the step that fails."""

from __future__ import annotations

import asyncio
import socket
import sys

import httpx

from models import Order, Sku
from tests.factories import ADMIN_PASSWORD, make_admin, make_product

STEPS = 12


async def run_demo(*args: str) -> tuple[int, str, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "mall.cli",
        "demo",
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), 90)
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


async def test_demo_plays_the_whole_walk_through_twice(
    client: httpx.AsyncClient, base_url: str, wechat_sim: str
) -> None:
    # given an admin, a product in stock, and a newer one sold out (listed first)
    await make_admin("admin")
    _, (sku,) = await make_product(title="手工牛轧糖", skus=[({"口味": "原味"}, 3900, 5)])
    await make_product(title="已售罄", skus=[({"口味": "抹茶"}, 3900, 0)])
    args = ["--api", base_url, "--sim", wechat_sim, "--admin-password", ADMIN_PASSWORD]

    for run in (1, 2):
        # when the demo runs
        code, out, err = await run_demo(*args)

        # then every step is printed and it ends well
        assert code == 0, f"run {run}\n{out}\n{err}"
        assert err == ""
        numbered = [line for line in out.splitlines() if line[:3].strip().rstrip(".").isdigit()]
        assert [int(line.split(".")[0]) for line in numbered] == list(range(1, STEPS + 1)), out
        assert "order.paid on user:" in out and "order.paid on admin" in out
        assert out.splitlines()[-1].startswith("mall demo: done in ")

    # each run was its own customer login, order and payment, through to completion
    orders = await Order.all().order_by("id")
    assert [o.status for o in orders] == ["completed", "completed"]
    assert len({o.order_no for o in orders}) == 2
    assert (await Sku.get(id=sku.id)).stock == 3


async def test_demo_names_the_failed_step_in_one_line(
    client: httpx.AsyncClient, base_url: str, wechat_sim: str
) -> None:
    await make_admin("admin")
    await make_product()

    code, out, err = await run_demo(
        "--api", base_url, "--sim", wechat_sim, "--admin-password", "not-the-password"
    )

    assert code == 1
    (line,) = err.splitlines()
    assert line.startswith(
        "mall demo: step 5 (staff log in; both sockets open) failed: the API refused admin "
        "'admin' (invalid_credentials: "
    )
    assert line.endswith(
        "pass the password `mall dev` printed with --admin-password, or point "
        "--data-dir at its data directory"
    )
    assert " 4. finds a SKU in stock" in out


async def test_demo_without_mall_dev_says_so(tmp_path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]

    code, _, err = await run_demo(
        "--api", f"http://127.0.0.1:{port}", "--data-dir", str(tmp_path), "--admin-password", "x"
    )

    assert code == 1
    assert len(err.splitlines()) == 1, err
    assert err.startswith(
        f"mall demo: step 1 (API ready) failed: cannot reach the API at http://127.0.0.1:{port}"
    )
    assert "is `mall dev` running?" in err
