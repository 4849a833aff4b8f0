"""The outbox: every event is written in the transaction of the change that caused it."""

from typing import Any

from tortoise import fields
from tortoise.models import Model


class OutboxEvent(Model):
    id = fields.BigIntField(primary_key=True)
    channel = fields.CharField(max_length=64)
    name = fields.CharField(max_length=64)
    data: fields.Field[dict[str, Any]] = fields.JSONField()
    # Published rows past MALL_OUTBOX_RETENTION_DAYS are deleted by created_at, in batches
    # (mall/events.py purge_published).
    created_at = fields.DatetimeField(auto_now_add=True, db_index=True)
    published_at = fields.DatetimeField(null=True)
    stream_id = fields.CharField(max_length=32, null=True)
    # A publisher claims a row for a short lease before sending it; a crashed claim
    # expires and the sweeper sends the row instead.
    claimed_until = fields.DatetimeField(null=True)

    class Meta:
        table = "outbox_events"
