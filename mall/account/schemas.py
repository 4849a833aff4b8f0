"""Profile and address models (fields as wx.chooseAddress gives them)."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field, HttpUrl

from mall.web import Schema

PHONE_PATTERN = r"^\+?[0-9][0-9\- ]{4,19}$"


class MePatch(Schema):
    nickname: str | None = Field(None, min_length=1, max_length=64)
    avatar_url: HttpUrl | None = Field(None, description="http(s) URL, at most 512 characters")


class AddressIn(Schema):
    name: str = Field(min_length=1, max_length=64)
    phone: str = Field(pattern=PHONE_PATTERN, max_length=20)
    province: str = Field(min_length=1, max_length=64)
    city: str = Field(min_length=1, max_length=64)
    district: str = Field(min_length=1, max_length=64)
    detail: str = Field(min_length=1, max_length=255)
    is_default: bool = False


class AddressOut(Schema):
    id: int
    name: str
    phone: str
    province: str
    city: str
    district: str
    detail: str
    is_default: bool
    created_at: datetime
    updated_at: datetime


class AddressList(Schema):
    items: list[AddressOut]
