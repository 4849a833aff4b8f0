"""Subscription message values always fit WeChat's rule for their field type, and new
nicknames go through WeChat's content check."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
from hypothesis import given
from hypothesis import strategies as st

from mall.notify.fields import KINDS, Money, render
from mall.wechat.sim_wxa import value_fits
from models import AdminLog, OutboxEvent, User
from tests.factories import admin_login, assert_error, bearer, login, make_admin

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


async def test_a_risky_nickname_is_refused_and_one_for_review_is_held_for_staff(
    client: httpx.AsyncClient,
) -> None:
    session = await login(client, "nicknamer")
    headers = bearer(session["access_token"])
    before = session["user"]["nickname"]
    risky = await client.patch("/api/v1/me", json={"nickname": "违禁昵称"}, headers=headers)
    assert_error(risky, 422, "content_rejected")
    assert (await client.get("/api/v1/me", headers=headers)).json()["nickname"] != "违禁昵称"

    looked_at = await client.patch("/api/v1/me", json={"nickname": "待审昵称"}, headers=headers)
    assert looked_at.status_code == 200, looked_at.text
    # Held: the owner sees it waiting, everyone else still sees the old nickname.
    assert looked_at.json()["nickname"] == before
    assert looked_at.json()["nickname_pending"] == "待审昵称"
    me = (await client.get("/api/v1/me", headers=headers)).json()
    assert (me["nickname"], me["nickname_pending"]) == (before, "待审昵称")
    assert (await User.get(id=session["user"]["id"])).nickname == before
    events = await OutboxEvent.filter(channel="admin", name="user.nickname_review")
    assert [e.data["nickname"] for e in events] == ["待审昵称"]

    # Asking again for the held one checks nothing new; a nickname that passes replaces it.
    again = await client.patch("/api/v1/me", json={"nickname": "待审昵称"}, headers=headers)
    assert again.json()["nickname_pending"] == "待审昵称"
    assert await OutboxEvent.filter(name="user.nickname_review").count() == 1
    clean = await client.patch("/api/v1/me", json={"nickname": "茶友"}, headers=headers)
    assert (clean.json()["nickname"], clean.json()["nickname_pending"]) == ("茶友", None)


async def test_staff_approve_or_reject_a_held_nickname(client: httpx.AsyncClient) -> None:
    await make_admin("moderator", superuser=False, permissions=["users.read", "reviews.write"])
    await make_admin("viewer", superuser=False, permissions=["users.read"])
    staff = bearer((await admin_login(client, "moderator"))["access_token"])
    viewer = bearer((await admin_login(client, "viewer"))["access_token"])
    first, second = await login(client, "held-one"), await login(client, "held-two")
    for session, name in ((first, "待审一号"), (second, "待审二号")):
        held = await client.patch(
            "/api/v1/me", json={"nickname": name}, headers=bearer(session["access_token"])
        )
        assert held.json()["nickname_pending"] == name

    waiting = await client.get("/api/admin/users?nickname_pending=true", headers=staff)
    assert waiting.status_code == 200, waiting.text
    assert {u["nickname_pending"] for u in waiting.json()["items"]} == {"待审一号", "待审二号"}
    rest = await client.get("/api/admin/users?nickname_pending=false", headers=staff)
    assert all(u["nickname_pending"] is None for u in rest.json()["items"])

    url = f"/api/admin/users/{first['user']['id']}/nickname"
    refused = await client.post(url, json={"approve": True, "nickname": "待审一号"}, headers=viewer)
    assert_error(refused, 403, "permission_denied")
    stale = await client.post(url, json={"approve": True, "nickname": "别的"}, headers=staff)
    assert_error(stale, 409, "nickname_changed")
    approved = await client.post(url, json={"approve": True, "nickname": "待审一号"}, headers=staff)
    assert approved.status_code == 200, approved.text
    assert (approved.json()["nickname"], approved.json()["nickname_pending"]) == ("待审一号", None)
    again = await client.post(url, json={"approve": True, "nickname": "待审一号"}, headers=staff)
    assert_error(again, 409, "nothing_pending")

    second_id = second["user"]["id"]
    rejected = await client.post(
        f"/api/admin/users/{second_id}/nickname",
        json={"approve": False, "nickname": "待审二号"},
        headers=staff,
    )
    assert rejected.status_code == 200, rejected.text
    kept = await User.get(id=second_id)
    assert (kept.nickname, kept.nickname_pending) == (second["user"]["nickname"], None)
    me = (await client.get("/api/v1/me", headers=bearer(second["access_token"]))).json()
    assert me["nickname_pending"] is None

    missing = await client.post(
        "/api/admin/users/987654321/nickname",
        json={"approve": True, "nickname": "x"},
        headers=staff,
    )
    assert_error(missing, 404, "user_not_found")
    actions = await AdminLog.filter(target_type="user").values_list("action", flat=True)
    assert sorted(actions) == ["user.nickname_approve", "user.nickname_reject"]
