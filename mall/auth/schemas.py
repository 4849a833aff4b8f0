"""Request and response models of login, refresh, logout and phone binding."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from mall.web import TOKEN, Schema


class WeChatLoginIn(Schema):
    code: str = Field(min_length=1, max_length=128, pattern=TOKEN, description="wx.login() code")


class RefreshIn(Schema):
    refresh_token: str = Field(min_length=1, max_length=2048, pattern=TOKEN)


class PhoneIn(Schema):
    code: str = Field(
        min_length=1, max_length=128, pattern=TOKEN, description="getPhoneNumber code"
    )


class AdminLoginIn(Schema):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=128)


class UserOut(Schema):
    id: int
    nickname: str
    avatar_url: str
    phone: str | None


class MeOut(UserOut):
    nickname_pending: str | None = Field(
        description="a new nickname waiting for staff (WeChat's content check asked for a "
        "look); `nickname` is what others see until it is approved"
    )


class TokensOut(Schema):
    access_token: str
    refresh_token: str
    token_type: Literal["Bearer"] = "Bearer"
    expires_in: int


class UserTokensOut(TokensOut):
    user: UserOut


class RoleBrief(Schema):
    id: int
    name: str


class AdminOut(Schema):
    id: int
    username: str
    display_name: str
    is_active: bool
    is_superuser: bool
    roles: list[RoleBrief]
    permissions: list[str]


class AdminTokensOut(TokensOut):
    admin: AdminOut
