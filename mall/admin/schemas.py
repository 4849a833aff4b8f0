"""Request and response models of staff, roles, customers and the audit log."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    ConfigDict,
    Field,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from mall.admin.permissions import ALL_PERMISSIONS
from mall.auth.passwords import MIN_LENGTH
from mall.web import (
    LINE,
    NO_NUL,
    ONE_LINE,
    Id,
    PageQuery,
    Schema,
    Timestamp,
    at_least_one_field,
)

USERNAME_PATTERN = r"^[A-Za-z0-9_.-]{3,64}$"


# The schema states the length; the policy (mall/auth/passwords.py) also answers 422
# `weak_password` for a common or repetitive password, rules no schema can state.
PASSWORD_HELP = (
    "at least 12 characters, not a common password (422 weak_password); at most 72 bytes "
    "in UTF-8 (bcrypt's limit), so fewer characters outside ASCII"
)
# Documented as the schema's minLength; checked by the policy, so a short one is the same
# 422 weak_password (type too_short) as any other weak password.
POLICY_LENGTH: dict[str, Any] = {"minLength": MIN_LENGTH}
ROLE_IDS_HELP = "ids of existing roles (422 unknown_id names any that is not)"


class AdminCreate(Schema):
    username: str = Field(pattern=USERNAME_PATTERN)
    password: str = Field(
        min_length=1,
        max_length=72,
        pattern=NO_NUL,
        description=PASSWORD_HELP,
        json_schema_extra=POLICY_LENGTH,
    )
    display_name: str = Field("", max_length=64, pattern=ONE_LINE)
    is_superuser: bool = False
    role_ids: list[Id] = Field(default_factory=list, max_length=50, description=ROLE_IDS_HELP)


class AdminUpdate(Schema):
    """At least one field; a field left out (or null) keeps its value."""

    model_config = ConfigDict(json_schema_extra={"minProperties": 1})

    display_name: str | None = Field(None, max_length=64, pattern=ONE_LINE)
    password: str | None = Field(
        None,
        min_length=1,
        max_length=72,
        pattern=NO_NUL,
        description=PASSWORD_HELP,
        json_schema_extra=POLICY_LENGTH,
    )
    is_active: bool | None = None
    is_superuser: bool | None = None
    role_ids: list[Id] | None = Field(None, max_length=50, description=ROLE_IDS_HELP)

    _not_empty = model_validator(mode="before")(at_least_one_field)


def _known_permission(value: str) -> str:
    if value not in ALL_PERMISSIONS:
        raise ValueError(f"unknown permission {value!r}")
    return value


PermissionName = Annotated[
    str,
    AfterValidator(_known_permission),
    WithJsonSchema({"type": "string", "enum": sorted(ALL_PERMISSIONS)}),
]


class RoleIn(Schema):
    name: str = Field(min_length=1, max_length=64, pattern=LINE)
    description: str = Field("", max_length=255, pattern=ONE_LINE)
    permissions: list[PermissionName] = Field(default_factory=list, max_length=100)

    @field_validator("permissions")
    @classmethod
    def _as_set(cls, value: list[str]) -> list[str]:
        return sorted(set(value))


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
    nickname_pending: bool | None = Field(
        None, description="true: only customers with a new nickname waiting for staff"
    )


class UserAdminOut(Schema):
    id: int
    openid: str
    nickname: str
    nickname_pending: str | None = Field(
        description="a new nickname WeChat's content check held for staff (approve or "
        "reject it: POST /api/admin/users/<id>/nickname)"
    )
    avatar_url: str
    phone: str | None
    banned: bool
    banned_reason: str
    created_at: datetime
    last_login_at: datetime | None


class NicknameDecision(Schema):
    approve: bool = Field(description="true: the held nickname becomes the customer's")
    nickname: str = Field(
        min_length=1,
        max_length=64,
        pattern=LINE,
        description="the held nickname staff looked at: 409 nickname_changed when the "
        "customer has held another one since",
    )


class BanIn(Schema):
    reason: str = Field("", max_length=255, pattern=ONE_LINE)


class LogQuery(PageQuery):
    admin_id: Id | None = None
    action: str | None = Field(None, max_length=64)
    since: Timestamp | None = None
    until: Timestamp | None = None


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
