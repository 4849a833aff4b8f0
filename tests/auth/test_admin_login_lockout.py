"""Staff password logins: every guess is counted before it is checked, so concurrency
cannot buy extra guesses, and one address guessing cannot lock the real admin out."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import httpx
import pytest

from mall.errors import RateLimited, Unauthorized
from mall.runtime import Runtime
from tests.factories import ADMIN_PASSWORD, assert_error, make_admin

LOGIN = "/api/admin/auth/login"


def guess(password: str) -> dict[str, str]:
    return {"username": "root", "password": password}


@pytest.fixture
def limit_of_three(rt: Runtime) -> Iterator[int]:
    """The running app allows 3 staff login attempts per account and address (each attempt
    is a bcrypt check: fewer of them keep these tests quick)."""
    previous = rt.settings
    rt.settings = previous.model_copy(update={"login_limit_per_account": 3})
    yield 3
    rt.settings = previous


async def test_concurrent_guesses_get_no_more_checks_than_the_limit(
    client: httpx.AsyncClient, settings
) -> None:
    await make_admin("root")
    limit = settings.login_limit_per_account
    wrong = [
        asyncio.create_task(client.post(LOGIN, json=guess(f"wrong-guess-{n:02d}")))
        for n in range(24)
    ]
    # The right guess goes while the wrong ones are still being checked (bcrypt takes a
    # while): as soon as the server refuses one of them, or after a second at most.
    deadline = asyncio.get_running_loop().time() + 1.0
    pending = set(wrong)
    while pending and not any(t.result().status_code == 429 for t in wrong if t.done()):
        remaining = deadline - asyncio.get_running_loop().time()
        if remaining <= 0:
            break
        _, pending = await asyncio.wait(
            pending, timeout=remaining, return_when=asyncio.FIRST_COMPLETED
        )
    right = await client.post(LOGIN, json=guess(ADMIN_PASSWORD))
    answers = [*await asyncio.gather(*wrong), right]
    statuses = [a.status_code for a in answers]

    # Only `limit` guesses were ever checked; the right one came after: refused unchecked.
    assert_error(right, 429, "rate_limited")
    assert int(right.headers["Retry-After"]) >= 1
    assert statuses.count(401) == limit, statuses
    assert statuses.count(429) == len(answers) - limit, statuses
    assert_error(await client.post(LOGIN, json=guess(ADMIN_PASSWORD)), 429, "rate_limited")


async def test_guesses_from_one_address_do_not_lock_out_the_admin_elsewhere(
    client: httpx.AsyncClient, base_url: str, limit_of_three: int
) -> None:
    await make_admin("root")
    # The attacker connects from another loopback address.
    transport = httpx.AsyncHTTPTransport(local_address="127.0.0.2")
    async with httpx.AsyncClient(base_url=base_url, transport=transport) as attacker:
        for n in range(limit_of_three):
            assert_error(await attacker.post(LOGIN, json=guess(f"wrong-{n}")), 401)
        assert_error(await attacker.post(LOGIN, json=guess(ADMIN_PASSWORD)), 429)
    # The real admin, from their own address, still gets in.
    assert (await client.post(LOGIN, json=guess(ADMIN_PASSWORD))).status_code == 200


async def test_a_success_forgives_that_address_its_typos(
    client: httpx.AsyncClient, limit_of_three: int
) -> None:
    await make_admin("root")
    for n in range(limit_of_three - 1):
        assert_error(await client.post(LOGIN, json=guess(f"typo-{n}")), 401)
    assert (await client.post(LOGIN, json=guess(ADMIN_PASSWORD))).status_code == 200
    for n in range(limit_of_three - 1):
        assert_error(await client.post(LOGIN, json=guess(f"typo-again-{n}")), 401)
    assert (await client.post(LOGIN, json=guess(ADMIN_PASSWORD))).status_code == 200


async def test_the_account_cap_stops_guessing_spread_over_many_addresses(redis, settings) -> None:
    from mall.auth import service

    await make_admin("root")
    capped = settings.model_copy(update={"login_account_cap": 6})
    # Three addresses, two wrong guesses each: under every per-address limit.
    for n in range(6):
        with pytest.raises(Unauthorized):
            await service.admin_login(
                capped, redis, username="root", password=f"wrong-{n}", ip=f"10.0.0.{n // 2}"
            )
    # A seventh address, even with the right password, meets the account-wide cap.
    with pytest.raises(RateLimited) as info:
        await service.admin_login(
            capped, redis, username="root", password=ADMIN_PASSWORD, ip="10.0.0.9"
        )
    assert info.value.details["retry_after"] > 0
