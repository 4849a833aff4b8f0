"""Request and response models of staff, roles, customers and the audit log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import Field, field_validator

from mall.admin.permissions import ALL_PERMISSIONS
from mall.web import Id, PageQuery, Schema

USERNAME_PATTERN = r"^[A-Za-z0-9_.-]{3,64}$"


# The policy (mall/auth/passwords.py) answers 422 `weak_password` for a short or common
# password, so the schema only bounds the size.
PASSWORD_DOC = "at least 12 characters, not a common password"


class AdminCreate(Schema):
    username: str = Field(pattern=USERNAME_PATTERN)
    password: str = Field(min_length=1, max_length=72, description=PASSWORD_DOC)
    display_name: str = Field("", max_length=64)
    is_superuser: bool = False
    role_ids: list[Id] = Field(default_factory=list, max_length=50)


class AdminUpdate(Schema):
    display_name: str | None = Field(None, max_length=64)
    password: str | None = Field(None, min_length=1, max_length=72, description=PASSWORD_DOC)
    is_active: bool | None = None
    is_superuser: bool | None = None
    role_ids: list[Id] | None = Field(None, max_length=50)


def _known_permissions(value: list[str]) -> list[str]:
    unknown = sorted(set(value) - ALL_PERMISSIONS)
    if unknown:
        raise ValueError(f"unknown permissions: {', '.join(unknown)}")
    return sorted(set(value))


class RoleIn(Schema):
    name: str = Field(min_length=1, max_length=64)
    description: str = Field("", max_length=255)
    permissions: list[str] = Field(default_factory=list, max_length=100)

    _check = field_validator("permissions")(_known_permissions)


class RoleOut(Schema):
    id: int
    name: str
    description: str
    permissions: list[str]
    created_at: datetime


class RoleList(Schema):
    items: list[RoleOut]
    all_permissions: list[str]


class UserQuery(PageQuery):
    q: str | None = Field(None, max_length=64, description="nickname, phone or openid")
    banned: bool | None = None


class UserAdminOut(Schema):
    id: int
    openid: str
    nickname: str
    avatar_url: str
    phone: str | None
    banned: bool
    banned_reason: str
    created_at: datetime
    last_login_at: datetime | None


class BanIn(Schema):
    reason: str = Field("", max_length=255)


class LogQuery(PageQuery):
    admin_id: Id | None = None
    action: str | None = Field(None, max_length=64)
    since: datetime | None = None
    until: datetime | None = None


class LogOut(Schema):
    id: int
    admin_id: int | None
    admin_username: str
    action: str
    target_type: str
    target_id: str
    detail: dict[str, Any]
    ip: str
    created_at: datetime


class AdminQuery(PageQuery):
    q: str | None = Field(None, max_length=64)
