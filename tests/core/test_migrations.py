"""The models and the aerich migrations agree: `mall migrate` builds what the code expects."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from mall.config import MIGRATIONS_DIR

# Runs in its own process: aerich initialises Tortoise globally, which must not disturb
# the app that the rest of the suite runs in this process.
_CHECK = """
import asyncio, sys
from aerich import Command
from mall.config import Settings, tortoise_config

async def main(location):
    command = Command(tortoise_config=tortoise_config(Settings()), app="models", location=location)
    await command.init()
    print(repr(await command.migrate("drift_check", no_input=True)))

asyncio.run(main(sys.argv[1]))
"""


async def test_no_pending_model_changes(migrated_db: str, tmp_path: Path) -> None:
    location = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS_DIR, location)
    env = {**os.environ, "MALL_DATABASE_URL": migrated_db, "AERICH_NO_TORTOISE_V1_WARNING": "1"}
    result = subprocess.run(  # noqa: ASYNC221 - a one-off check, nothing else runs meanwhile
        [sys.executable, "-c", _CHECK, str(location)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip().splitlines()[-1] == "''", (
        "models changed without a migration: run `aerich migrate --name <change>`\n" + result.stdout
    )
    assert sorted(p.name for p in (location / "models").iterdir()) == sorted(
        p.name for p in (MIGRATIONS_DIR / "models").iterdir()
    )
