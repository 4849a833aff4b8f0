"""Marketing and retention: favorites and the keywords staff pin to the search box."""

from tortoise import fields
from tortoise.models import Model


class Favorite(Model):
    """A product a customer keeps (one row per customer and product)."""

    id = fields.BigIntField(primary_key=True)
    user_id = fields.BigIntField()
    product_id = fields.BigIntField(db_index=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "favorites"
        unique_together = (("user_id", "product_id"),)


class PinnedKeyword(Model):
    """A keyword staff put first among the hot keywords."""

    id = fields.BigIntField(primary_key=True)
    keyword = fields.CharField(max_length=64, unique=True)
    sort_order = fields.IntField(default=0)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "pinned_keywords"
