"""Subscription message values always fit WeChat's rule for their field type, and new
nicknames go through WeChat's content check."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
from hypothesis import given
from hypothesis import strategies as st

from mall.notify.fields import KINDS, Money, render
from mall.wechat.sim_wxa import value_fits
from models import OutboxEvent
from tests.factories import assert_error, bearer, login

# Every kind the mall renders values for from its own sources (text, money, times).
TEXT_KINDS = [k for k in KINDS if k not in ("time", "date")]


@given(kind=st.sampled_from(TEXT_KINDS), text=st.text(max_size=80))
def test_any_text_is_cut_to_the_field_rule(kind: str, text: str) -> None:
    value = render(kind, text)
    assert value and value_fits(kind, value), (kind, text, value)


@given(
    kind=st.sampled_from(["amount", "number", "thing", "character_string"]),
    fen=st.integers(min_value=0, max_value=10**14),
)
def test_money_renders_as_yuan_within_the_rule(kind: str, fen: int) -> None:
    value = render(kind, Money(fen))
    assert value_fits(kind, value), (kind, fen, value)
    if kind == "amount" and fen < 10**12:
        assert value == f"¥{fen // 100}.{fen % 100:02d}"


@given(
    kind=st.sampled_from(["time", "date", "thing"]),
    stamp=st.datetimes(
        min_value=datetime(2000, 1, 1), max_value=datetime(2999, 1, 1), timezones=st.just(UTC)
    ),
)
def test_times_render_in_shop_time_within_the_rule(kind: str, stamp: datetime) -> None:
    value = render(kind, stamp)
    assert value_fits(kind, value), (kind, stamp, value)


async def test_a_risky_nickname_is_refused_and_one_for_review_is_announced(
    client: httpx.AsyncClient,
) -> None:
    session = await login(client, "nicknamer")
    headers = bearer(session["access_token"])
    risky = await client.patch("/api/v1/me", json={"nickname": "违禁昵称"}, headers=headers)
    assert_error(risky, 422, "content_rejected")
    assert (await client.get("/api/v1/me", headers=headers)).json()["nickname"] != "违禁昵称"

    looked_at = await client.patch("/api/v1/me", json={"nickname": "待审昵称"}, headers=headers)
    assert looked_at.status_code == 200, looked_at.text
    events = await OutboxEvent.filter(channel="admin", name="user.nickname_review")
    assert [e.data["nickname"] for e in events] == ["待审昵称"]
