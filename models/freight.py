"""Freight templates: shipping fees by province, charged by piece or by weight."""

from typing import Any

from tortoise import fields
from tortoise.models import Model

from models.base import Timestamped


class FreightTemplate(Timestamped, Model):
    id = fields.BigIntField(primary_key=True)
    name = fields.CharField(max_length=64)
    # piece | weight (grams)
    charge_by = fields.CharField(max_length=8)
    # [{"regions": [province, ...] (empty: every other province), "first", "first_fee",
    #   "additional", "additional_fee"}]
    rules: fields.Field[list[dict[str, Any]]] = fields.JSONField(default=list)
    # [{"regions": [...] (empty: everywhere), "min_amount"?, "min_quantity"?}]
    free_rules: fields.Field[list[dict[str, Any]]] = fields.JSONField(default=list)
    excluded_regions: fields.Field[list[str]] = fields.JSONField(default=list)
    # The template of products that name none; without one, the shop's flat settings apply.
    is_default = fields.BooleanField(default=False)

    class Meta:
        table = "freight_templates"
