"""The catalogue: a category tree, products with their SKUs, and home-page banners.

Constraints Tortoise cannot express (CHECKs, partial exclusion constraints, the generated
search column and its trigram index) live in the catalog migration.
"""

from tortoise import fields
from tortoise.models import Model

from models.base import Timestamped


class Category(Timestamped, Model):
    id = fields.BigIntField(primary_key=True)
    parent: fields.ForeignKeyNullableRelation["Category"] = fields.ForeignKeyField(
        "models.Category",
        related_name="children",
        null=True,
        on_delete=fields.RESTRICT,
        db_index=True,
    )
    parent_id: int | None
    name = fields.CharField(max_length=32)
    icon = fields.CharField(max_length=512, default="")
    sort_order = fields.IntField(default=0)
    visible = fields.BooleanField(default=True)

    class Meta:
        table = "categories"


class Product(Timestamped, Model):
    id = fields.BigIntField(primary_key=True)
    # Nullable only for archived products, whose category may be deleted later.
    category: fields.ForeignKeyNullableRelation[Category] = fields.ForeignKeyField(
        "models.Category",
        related_name="products",
        null=True,
        on_delete=fields.SET_NULL,
        db_index=True,
    )
    category_id: int | None
    title = fields.CharField(max_length=120)
    subtitle = fields.CharField(max_length=255, default="")
    description = fields.TextField(default="")
    images: fields.Field[list[str]] = fields.JSONField(default=list)
    # The SKUs' spec names in the merchant's order (jsonb keeps object keys sorted its own
    # way): the rows of the mini-program's SKU picker.
    spec_names: fields.Field[list[str]] = fields.JSONField(default=list)
    cover = fields.CharField(max_length=512, default="")
    on_sale = fields.BooleanField(default=False)
    sales = fields.BigIntField(default=0)
    # Derived from the live SKUs by the catalog service, under the product's row lock.
    min_price = fields.BigIntField(default=0)
    max_price = fields.BigIntField(default=0)
    archived_at = fields.DatetimeField(null=True)
    # Published reviews only, kept by the review service as reviews publish and hide.
    rating_count = fields.IntField(default=0)
    rating_sum = fields.BigIntField(default=0)
    # Its freight template; null: the shop's default template (or flat settings).
    freight_template_id = fields.BigIntField(null=True, db_index=True)

    class Meta:
        table = "products"


class Sku(Timestamped, Model):
    """One buyable variant; archived rather than deleted, since orders and carts point at it."""

    id = fields.BigIntField(primary_key=True)
    product: fields.ForeignKeyRelation[Product] = fields.ForeignKeyField(
        "models.Product", related_name="skus", on_delete=fields.RESTRICT, db_index=True
    )
    product_id: int
    specs: fields.Field[dict[str, str]] = fields.JSONField(default=dict)
    price = fields.BigIntField()
    stock = fields.IntField(default=0)
    code = fields.CharField(max_length=64, default="")
    # Grams, for freight templates that charge by weight.
    weight = fields.IntField(default=0)
    archived_at = fields.DatetimeField(null=True)

    class Meta:
        table = "skus"


class Banner(Timestamped, Model):
    id = fields.BigIntField(primary_key=True)
    title = fields.CharField(max_length=64, default="")
    image = fields.CharField(max_length=512)
    link_type = fields.CharField(max_length=16, default="none")
    link = fields.CharField(max_length=512, default="")
    position = fields.CharField(max_length=32, default="home")
    sort_order = fields.IntField(default=0)
    enabled = fields.BooleanField(default=True)
    starts_at = fields.DatetimeField(null=True)
    ends_at = fields.DatetimeField(null=True)

    class Meta:
        table = "banners"
