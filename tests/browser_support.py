"""What the browser tests share: Debian's chromium under Playwright (one browser per test
module, a context per test), and the console's sign-in.

Skipped, saying why, where Playwright or chromium is missing. MALL_TEST_SCREENSHOTS=<dir>
keeps the screenshots the tests take.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.factories import ADMIN_PASSWORD

try:
    import playwright.async_api as playwright
except ImportError:  # pragma: no cover - the dev extras install it
    playwright = None

CHROMIUM = os.environ.get("MALL_TEST_CHROMIUM") or shutil.which("chromium")
needs_browser = pytest.mark.skipif(
    playwright is None or CHROMIUM is None,
    reason=(
        "Playwright for Python is not installed: pip install -e '.[dev]'"
        if playwright is None
        else "chromium is not installed: apt-get install -y chromium"
    ),
)
expect: Any = playwright.expect if playwright is not None else None

# Debian's browser, never one Playwright downloads; and no network chatter of its own.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SESSION_KEY = "mall.admin.session"
# What a product picture on another host looks like here: the test never leaves the machine.
PICTURE = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 40 40">'
    '<rect width="40" height="40" fill="#dfe9f3"/>'
    '<path d="M12 14l5-3h6l5 3-2 5-3-1v11H17V18l-3 1z" fill="#7a93ad"/></svg>'
)
DESKTOP = {"width": 1360, "height": 860}
PHONE = {"width": 420, "height": 860}


@pytest.fixture(scope="module")
async def browser() -> AsyncIterator[Any]:
    async with playwright.async_playwright() as pw:
        chromium = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        await chromium.close()


async def new_context(browser: Any, base_url: str, viewport: dict[str, int] = DESKTOP) -> Any:
    """A fresh browser profile (its own sessionStorage: one console each)."""
    ctx = await browser.new_context(
        base_url=base_url, viewport=viewport, locale="zh-CN", timezone_id="Asia/Shanghai"
    )
    # Upper bounds, not waits: a busy 2-core machine runs chromium, the API and the test.
    ctx.set_default_timeout(15_000)
    expect.set_options(timeout=15_000)

    async def picture(route: Any) -> None:
        await route.fulfill(status=200, content_type="image/svg+xml", body=PICTURE)

    await ctx.route(re.compile(r"^https://"), picture)
    return ctx


@pytest.fixture
async def context(browser: Any, base_url: str) -> AsyncIterator[Any]:
    ctx = await new_context(browser, base_url)
    yield ctx
    await ctx.close()


@pytest.fixture
async def sim(wechat_sim: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=wechat_sim, timeout=10) as http:
        yield http


class PageErrors:
    """Uncaught exceptions and console errors of a page (a CSP violation shows up here)."""

    def __init__(self, page: Any) -> None:
        self.messages: list[str] = []
        page.on("pageerror", lambda exc: self.messages.append(f"pageerror: {exc}"))
        page.on("console", self._console)

    def _console(self, message: Any) -> None:
        if message.type == "error":
            self.messages.append(f"console: {message.text}")

    def unexpected(self, *allowed: str) -> list[str]:
        return [m for m in self.messages if not any(a in m for a in allowed)]


async def open_console(
    context: Any, username: str = "root", path: str = "/admin/", *, live: bool = True
) -> tuple[Any, PageErrors]:
    """Sign in on /admin/ and wait for the live connection (or, for an admin without
    orders.read, whom the live feed refuses, for the console to say it is not live)."""
    page = await context.new_page()
    errors = PageErrors(page)
    await page.goto(path)
    await page.fill("#login-username", username)
    await page.fill("#login-password", ADMIN_PASSWORD)
    await page.click("#login-submit")
    state = "open" if live else "off"
    await expect(page.locator("#connection")).to_have_attribute("data-state", state)
    return page, errors


def shots_dir(tmp_path: Path) -> Path:
    """Where screenshots go: MALL_TEST_SCREENSHOTS when it names a directory."""
    target = Path(os.environ.get("MALL_TEST_SCREENSHOTS") or tmp_path)
    target.mkdir(parents=True, exist_ok=True)
    return target
