"""Profile and address models (fields as wx.chooseAddress gives them)."""

from __future__ import annotations

from datetime import datetime

from pydantic import ConfigDict, Field, model_validator

from mall.freight.regions import Province
from mall.web import HTTP_URL, LINE, Schema, at_least_one_field

PHONE_PATTERN = r"^\+?[0-9][0-9\- ]{4,19}$"


class MePatch(Schema):
    """At least one field; a field left out (or null) keeps its value."""

    model_config = ConfigDict(json_schema_extra={"minProperties": 1})

    nickname: str | None = Field(None, min_length=1, max_length=64, pattern=LINE)
    avatar_url: str | None = Field(
        None, max_length=512, pattern=HTTP_URL, description="an http(s) URL"
    )

    _not_empty = model_validator(mode="before")(at_least_one_field)


class AddressIn(Schema):
    name: str = Field(min_length=1, max_length=64, pattern=LINE)
    phone: str = Field(pattern=PHONE_PATTERN, max_length=20)
    province: Province
    city: str = Field(min_length=1, max_length=64, pattern=LINE)
    district: str = Field(min_length=1, max_length=64, pattern=LINE)
    detail: str = Field(min_length=1, max_length=255, pattern=LINE)
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
