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


class FlashSale(Model):
    """A flash-sale activity (秒杀): its SKUs sell at their own price from their own stock,
    taken from the SKUs' stock when the activity is created and given back when it ends."""

    id = fields.BigIntField(primary_key=True)
    title = fields.CharField(max_length=64)
    starts_at = fields.DatetimeField(db_index=True)
    ends_at = fields.DatetimeField(db_index=True)
    # When flash_sale.started went out, and when the activity ended (its stock given back;
    # ended early by staff or at ends_at). Orders read the window and ended_at, never these
    # alone.
    started_at = fields.DatetimeField(null=True)
    ended_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "flash_sales"


class FlashSaleItem(Model):
    """One SKU of an activity: its price, the stock left for it, the most one customer buys."""

    id = fields.BigIntField(primary_key=True)
    flash_sale: fields.ForeignKeyRelation[FlashSale] = fields.ForeignKeyField(
        "models.FlashSale", related_name="items", on_delete=fields.CASCADE
    )
    flash_sale_id: int
    sku_id = fields.BigIntField(db_index=True)
    product_id = fields.BigIntField(db_index=True)
    price = fields.BigIntField()
    # Activity stock left (0 once given back at the end), and the stock it started with.
    stock = fields.IntField()
    initial_stock = fields.IntField()
    per_user_limit = fields.IntField()
    # Units in orders not cancelled.
    sold = fields.IntField(default=0)

    class Meta:
        table = "flash_sale_items"


class FlashSaleBuyer(Model):
    """How many units of an activity item a customer holds in orders not cancelled: the row
    the per-user limit is checked and counted on, under its row lock."""

    id = fields.BigIntField(primary_key=True)
    item_id = fields.BigIntField()
    user_id = fields.BigIntField()
    quantity = fields.IntField()

    class Meta:
        table = "flash_sale_buyers"
        unique_together = (("item_id", "user_id"),)


class GroupBuy(Model):
    """A group-buy offer (拼团) on a product: its SKUs at group prices for groups of
    group_size customers, each group open expires_in_hours after it is opened."""

    id = fields.BigIntField(primary_key=True)
    product_id = fields.BigIntField(db_index=True)
    group_size = fields.IntField()
    expires_in_hours = fields.IntField()
    starts_at = fields.DatetimeField()
    ends_at = fields.DatetimeField()
    # {"<sku_id>": price in fen}
    prices: fields.Field[dict[str, int]] = fields.JSONField(default=dict)
    ended_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "group_buys"


class Group(Model):
    """One group of a group-buy: open until group_size members have paid (completed) or
    it expires unfilled (failed: every paid member is refunded)."""

    id = fields.BigIntField(primary_key=True)
    group_buy_id = fields.BigIntField(db_index=True)
    leader_id = fields.BigIntField()
    size = fields.IntField()
    # Places taken (members with an order), and members who have paid.
    members = fields.IntField(default=0)
    paid = fields.IntField(default=0)
    # open -> completed | failed
    status = fields.CharField(max_length=16, default="open")
    expires_at = fields.DatetimeField()
    completed_at = fields.DatetimeField(null=True)
    failed_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "groups"


class GroupMember(Model):
    id = fields.BigIntField(primary_key=True)
    group_id = fields.BigIntField()
    user_id = fields.BigIntField()
    order_id = fields.BigIntField(null=True, unique=True)
    paid = fields.BooleanField(default=False)
    joined_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "group_members"
        unique_together = (("group_id", "user_id"),)
