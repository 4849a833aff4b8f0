"""Coupon templates staff define and the coupons customers claim."""

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model

from models.base import Timestamped


class CouponState(StrEnum):
    """claimed -> locked (an unpaid order holds it) -> used (paid); locked -> claimed
    (cancelled); used -> claimed (refunded); expired is derived from the validity window."""

    CLAIMED = "claimed"
    LOCKED = "locked"
    USED = "used"
    EXPIRED = "expired"


class CouponTemplate(Timestamped, Model):
    id = fields.BigIntField(primary_key=True)
    name = fields.CharField(max_length=64)
    # fixed: amount_off fen when goods >= threshold; percent: percent_off % off, capped.
    kind = fields.CharField(max_length=8)
    amount_off = fields.BigIntField(default=0)
    percent_off = fields.IntField(default=0)
    max_discount = fields.BigIntField(null=True)
    threshold = fields.BigIntField(default=0)
    # Validity: a fixed window, or valid_days after the claim.
    valid_from = fields.DatetimeField(null=True)
    valid_until = fields.DatetimeField(null=True)
    valid_days = fields.IntField(null=True)
    total_limit = fields.IntField(null=True)
    per_user_limit = fields.IntField(default=1)
    issued_count = fields.IntField(default=0)
    # all | categories | products, with the ids in scope_ids.
    scope = fields.CharField(max_length=16, default="all")
    scope_ids: fields.Field[list[int]] = fields.JSONField(default=list)
    active = fields.BooleanField(default=True)

    class Meta:
        table = "coupon_templates"


class UserCoupon(Model):
    id = fields.BigIntField(primary_key=True)
    user_id = fields.BigIntField(db_index=True)
    template: fields.ForeignKeyRelation[CouponTemplate] = fields.ForeignKeyField(
        "models.CouponTemplate", related_name="issued", on_delete=fields.RESTRICT
    )
    # claimed -> locked (by an unpaid order) -> used | back to claimed; expired.
    state = fields.CharField(max_length=8, db_index=True)
    order_id = fields.BigIntField(null=True)
    valid_from = fields.DatetimeField()
    valid_until = fields.DatetimeField()
    claimed_at = fields.DatetimeField(auto_now_add=True)
    used_at = fields.DatetimeField(null=True)

    class Meta:
        table = "user_coupons"
