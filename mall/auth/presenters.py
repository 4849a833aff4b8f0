"""Customers as the API shows them."""

from __future__ import annotations

from mall.auth.schemas import MeOut, UserOut
from models import User


def me_out(user: User) -> MeOut:
    return MeOut(
        id=user.id,
        nickname=user.nickname,
        avatar_url=user.avatar_url,
        phone=user.phone,
        nickname_pending=user.nickname_pending,
    )


def user_out(user: User) -> UserOut:
    return UserOut(id=user.id, nickname=user.nickname, avatar_url=user.avatar_url, phone=user.phone)
