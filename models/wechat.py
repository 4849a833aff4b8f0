"""What the shop owes WeChat and what WeChat told it: shipping uploads, subscription
acceptances and messages, image checks, and how far the outbox has been read."""

from typing import Any

from tortoise import fields
from tortoise.models import Model

from models.base import Timestamped


class ShippingSync(Timestamped, Model):
    """The upload of one shipped order to WeChat's 发货信息管理 (money stays frozen until)."""

    id = fields.BigIntField(primary_key=True)
    order: fields.OneToOneRelation[Any] = fields.OneToOneField(
        "models.Order", related_name="shipping_sync", on_delete=fields.CASCADE
    )
    # pending -> synced | failed; failed -> pending (a retry, automatic or by staff)
    state = fields.CharField(max_length=16, db_index=True)
    error = fields.CharField(max_length=255, null=True)
    attempts = fields.IntField(default=0)
    # When the next automatic attempt is due; None: none is (synced, or retries ran out).
    next_attempt_at = fields.DatetimeField(null=True, db_index=True)
    # A worker holds the row while it calls WeChat; a crashed one's claim runs out.
    claimed_until = fields.DatetimeField(null=True)
    synced_at = fields.DatetimeField(null=True)
    transaction_id = fields.CharField(max_length=64, default="")
    # The body last uploaded, for staff and for support tickets with WeChat.
    upload: fields.Field[dict[str, Any]] = fields.JSONField(default=dict)
    confirm_reminded_at = fields.DatetimeField(null=True)
    settled_at = fields.DatetimeField(null=True)

    class Meta:
        table = "shipping_syncs"


class SubscriptionGrant(Model):
    """One one-time acceptance of a subscription template: it allows one message."""

    id = fields.BigIntField(primary_key=True)
    user_id = fields.BigIntField()
    template_id = fields.CharField(max_length=128)
    # available -> used (a message took it) | refused (43101) | revoked (turned off)
    state = fields.CharField(max_length=16, default="available")
    # api: the mini-program reported it; popup: WeChat pushed it. The other report of the
    # same acceptance confirms it instead of adding a second one.
    source = fields.CharField(max_length=8)
    confirmed = fields.BooleanField(default=False)
    created_at = fields.DatetimeField(auto_now_add=True)
    used_at = fields.DatetimeField(null=True)

    class Meta:
        table = "subscription_grants"
        indexes = (("user_id", "template_id", "state"),)


class SubscribeMessage(Timestamped, Model):
    """One subscription message owed for one event of one order (sent once, if at all)."""

    id = fields.BigIntField(primary_key=True)
    # "<kind>:<order id>": at most one message per kind of event per order.
    key = fields.CharField(max_length=96, unique=True)
    kind = fields.CharField(max_length=24)
    user_id = fields.BigIntField(db_index=True)
    order_id = fields.BigIntField(null=True)
    # The outbox event it answers (None for order_expiring, which a schedule finds).
    outbox_id = fields.BigIntField(null=True, db_index=True)
    openid = fields.CharField(max_length=64, default="")
    template_id = fields.CharField(max_length=128, default="")
    grant_id = fields.BigIntField(null=True)
    data: fields.Field[dict[str, str]] = fields.JSONField(default=dict)
    page = fields.CharField(max_length=255, default="")
    # pending -> sending -> sent | refused | failed | unknown; skipped: nothing to send
    state = fields.CharField(max_length=16, db_index=True)
    error = fields.CharField(max_length=255, null=True)
    attempts = fields.IntField(default=0)
    next_attempt_at = fields.DatetimeField(null=True)
    claimed_until = fields.DatetimeField(null=True)
    sent_at = fields.DatetimeField(null=True)

    class Meta:
        table = "subscribe_messages"


class ReviewMediaCheck(Timestamped, Model):
    """WeChat's asynchronous check of one review image (mediaCheckAsync, then a push)."""

    id = fields.BigIntField(primary_key=True)
    review: fields.ForeignKeyRelation[Any] = fields.ForeignKeyField(
        "models.Review", related_name="media_checks", on_delete=fields.CASCADE
    )
    media_url = fields.CharField(max_length=512)
    # Set once WeChat took the check; the wxa_media_check push names it.
    trace_id = fields.CharField(max_length=64, null=True, unique=True)
    # pending -> pass | review | risky
    verdict = fields.CharField(max_length=16, default="pending")
    label = fields.IntField(null=True)
    attempts = fields.IntField(default=0)
    next_attempt_at = fields.DatetimeField(null=True)
    error = fields.CharField(max_length=255, null=True)

    class Meta:
        table = "review_media_checks"


class OutboxReader(Model):
    """How far a worker that reacts to outbox events has read (by outbox id)."""

    name = fields.CharField(max_length=32, primary_key=True)
    last_id = fields.BigIntField(default=0)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "outbox_readers"
