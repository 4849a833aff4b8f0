"""Shop staff: accounts, roles with permissions, and the audit log."""

from typing import Any

from tortoise import fields
from tortoise.models import Model

from models.base import Timestamped


class Role(Timestamped, Model):
    id = fields.BigIntField(primary_key=True)
    name = fields.CharField(max_length=64, unique=True)
    description = fields.CharField(max_length=255, default="")
    permissions: fields.Field[list[str]] = fields.JSONField(default=list)

    admins: fields.ManyToManyRelation["Admin"]

    class Meta:
        table = "roles"


class Admin(Timestamped, Model):
    id = fields.BigIntField(primary_key=True)
    username = fields.CharField(max_length=64, unique=True)
    password_hash = fields.CharField(max_length=128)
    display_name = fields.CharField(max_length=64, default="")
    is_active = fields.BooleanField(default=True)
    is_superuser = fields.BooleanField(default=False)
    last_login_at = fields.DatetimeField(null=True)
    roles: fields.ManyToManyRelation[Role] = fields.ManyToManyField(
        "models.Role", related_name="admins", through="admin_roles"
    )

    class Meta:
        table = "admins"


class AdminLog(Model):
    id = fields.BigIntField(primary_key=True)
    admin: fields.ForeignKeyNullableRelation[Admin] = fields.ForeignKeyField(
        "models.Admin", related_name="logs", null=True, on_delete=fields.SET_NULL
    )
    admin_username = fields.CharField(max_length=64)
    action = fields.CharField(max_length=64, db_index=True)
    target_type = fields.CharField(max_length=32, default="")
    target_id = fields.CharField(max_length=64, default="")
    detail: fields.Field[dict[str, Any]] = fields.JSONField(default=dict)
    ip = fields.CharField(max_length=64, default="")
    created_at = fields.DatetimeField(auto_now_add=True, db_index=True)

    class Meta:
        table = "admin_logs"
        ordering = ("-id",)
