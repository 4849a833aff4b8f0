"""Mini-program customers, their addresses and their login sessions."""

from tortoise import fields
from tortoise.models import Model

from models.base import Timestamped


class User(Timestamped, Model):
    id = fields.BigIntField(primary_key=True)
    openid = fields.CharField(max_length=64, unique=True)
    unionid = fields.CharField(max_length=64, null=True, db_index=True)
    nickname = fields.CharField(max_length=64, default="")
    # A new nickname WeChat's content check wants a person to look at: shown to nobody but
    # its owner until staff approve it (then it becomes `nickname`).
    nickname_pending = fields.CharField(max_length=64, null=True)
    avatar_url = fields.CharField(max_length=512, default="")
    phone = fields.CharField(max_length=32, null=True, db_index=True)
    banned = fields.BooleanField(default=False)
    banned_reason = fields.CharField(max_length=255, default="")
    last_login_at = fields.DatetimeField(null=True)

    class Meta:
        table = "users"


class Address(Timestamped, Model):
    id = fields.BigIntField(primary_key=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="addresses", on_delete=fields.CASCADE
    )
    name = fields.CharField(max_length=64)
    phone = fields.CharField(max_length=32)
    province = fields.CharField(max_length=64)
    city = fields.CharField(max_length=64)
    district = fields.CharField(max_length=64)
    detail = fields.CharField(max_length=255)
    is_default = fields.BooleanField(default=False)

    class Meta:
        table = "addresses"


class RefreshToken(Model):
    """One issued refresh token; a family is one login's chain of rotations."""

    jti = fields.CharField(max_length=64, primary_key=True)
    family = fields.CharField(max_length=64, db_index=True)
    audience = fields.CharField(max_length=16)
    subject = fields.BigIntField(db_index=True)
    issued_at = fields.DatetimeField(auto_now_add=True)
    expires_at = fields.DatetimeField(db_index=True)
    used_at = fields.DatetimeField(null=True)
    revoked_at = fields.DatetimeField(null=True)

    class Meta:
        table = "refresh_tokens"
