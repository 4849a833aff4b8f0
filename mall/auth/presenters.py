"""Customers as the API shows them."""

from __future__ import annotations

from mall.auth.schemas import UserOut
from models import User


def user_out(user: User) -> UserOut:
    return UserOut(id=user.id, nickname=user.nickname, avatar_url=user.avatar_url, phone=user.phone)
