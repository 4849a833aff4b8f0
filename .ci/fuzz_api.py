"""Fuzz the API from its own OpenAPI document with Schemathesis, against `mall dev`.

Starts `mall dev` on the embedded servers (a fresh data directory, a free port), runs
`st run` with every check (positive data acceptance as in .ci/fuzz_hooks.py), all phases
including stateful testing, customer and admin tokens, a fixed seed and a time box; then
stops mall dev and fails on any finding, and on any traceback or error in its log.

    python .ci/fuzz_api.py            # CI: a few minutes, seed 1
    python .ci/fuzz_api.py --long     # 30 minutes, a random seed (printed; --seed repeats it)
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
SPARE_ADMINS = 5
# Log lines that are findings even when every response was fine.
LOG_FINDINGS = re.compile(r"Traceback|\bERROR\b|\bCRITICAL\b")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def post(url: str, body: dict, token: str | None = None) -> tuple[int, dict]:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(url, data=json.dumps(body).encode(), headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}")


def wait_ready(base: str, proc: subprocess.Popen, deadline: float) -> None:
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"mall dev exited early with {proc.returncode}")
        try:
            with urllib.request.urlopen(f"{base}/health/ready", timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(1)
    raise RuntimeError("mall dev did not become ready")


def admins(base: str, password: str) -> list[list[str]]:
    """The seeded admin and a few spare superusers (the fuzzer may change a password)."""
    status, body = post(f"{base}/api/admin/auth/login", {"username": "admin", "password": password})
    if status != 200:
        raise RuntimeError(f"admin login failed: {status} {body}")
    accounts = [["admin", password]]
    for index in range(SPARE_ADMINS):
        spare = [f"fuzz-admin-{index}", secrets.token_urlsafe(18)]
        status, made = post(
            f"{base}/api/admin/admins",
            {"username": spare[0], "password": spare[1], "is_superuser": True},
            body["access_token"],
        )
        if status != 201:
            raise RuntimeError(f"could not create a spare admin: {status} {made}")
        accounts.append(spare)
    return accounts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--long", action="store_true", help="30 minutes, a random seed")
    parser.add_argument("--seed", type=int, help="Hypothesis seed (default 1, random with --long)")
    parser.add_argument("--max-time", type=int, help="seconds of testing (default 240, 1800 long)")
    parser.add_argument("--workers", type=int, default=1, help="concurrent requests")
    args = parser.parse_args()
    seed = args.seed if args.seed is not None else (random.randrange(2**31) if args.long else 1)
    max_time = args.max_time or (1800 if args.long else 240)

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    data_dir = Path(tempfile.mkdtemp(prefix="mall-fuzz-"))
    password = secrets.token_urlsafe(18)
    env = {k: v for k, v in os.environ.items() if not k.startswith("MALL_")}
    env |= {
        "MALL_DEV_ADMIN_PASSWORD": password,
        # Thousands of requests from one address and one account are the point here.
        "MALL_RATE_LIMIT_ENABLED": "false",
        "MALL_LOG_LEVEL": "WARNING",
    }
    log_path = data_dir / "mall-dev.log"
    cmd = [str(BIN / "mall"), "dev", "--port", str(port), "--data-dir", str(data_dir / "dev")]
    print(f"fuzz: mall dev on {base} (log {log_path}), seed {seed}, {max_time} s", flush=True)
    with log_path.open("w") as log:
        proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT, text=True)
        try:
            wait_ready(base, proc, time.monotonic() + 240)
            st_env = dict(os.environ)
            st_env |= {
                "SCHEMATHESIS_HOOKS": "fuzz_hooks",
                "PYTHONPATH": os.pathsep.join(filter(None, [str(HERE), env.get("PYTHONPATH")])),
                "MALL_FUZZ_BASE_URL": base,
                "MALL_FUZZ_ADMINS": json.dumps(admins(base, password)),
            }
            report_dir = data_dir / "report"
            st = [
                str(BIN / "st"),
                "run",
                f"{base}/docs/openapi.json",
                "--checks",
                "all",
                # replaced by fuzz_hooks.positive_data_accepted_or_unstated_rule
                "--exclude-checks",
                "positive_data_acceptance",
                "--phases",
                "examples,coverage,fuzzing,stateful",
                "--seed",
                str(seed),
                "--max-time",
                str(max_time),
                "--workers",
                str(args.workers),
                "--request-timeout",
                "30",
                "--continue-on-failure",
                "--report",
                "junit",
                "--report-dir",
                str(report_dir),
            ]
            if args.long:
                st += ["--max-examples", "500"]
            started = time.monotonic()
            # run in the data directory: schemathesis keeps a cache in its working directory
            result = subprocess.run(st, env=st_env, cwd=data_dir, check=False)
            print(
                f"fuzz: schemathesis exited {result.returncode} after "
                f"{time.monotonic() - started:.0f} s (report in {report_dir})",
                flush=True,
            )
        finally:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
    findings = [line for line in log_path.read_text().splitlines() if LOG_FINDINGS.search(line)]
    if findings:
        print(f"fuzz: {len(findings)} error lines in the mall dev log, the first ones:")
        print("\n".join(findings[:40]))
    if result.returncode != 0 or findings:
        print(f"fuzz: FAILED (the server's log and the report are kept in {data_dir})")
        return 1
    shutil.rmtree(data_dir, ignore_errors=True)
    print("fuzz: no findings")
    return 0


if __name__ == "__main__":
    sys.exit(main())
