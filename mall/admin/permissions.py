"""The permission catalogue; every admin route names the one it needs."""

from __future__ import annotations

from enum import StrEnum


class Permission(StrEnum):
    ADMINS_READ = "admins.read"
    ADMINS_WRITE = "admins.write"
    ROLES_READ = "roles.read"
    ROLES_WRITE = "roles.write"
    USERS_READ = "users.read"
    USERS_BAN = "users.ban"
    LOGS_READ = "logs.read"
    CATALOG_READ = "catalog.read"
    CATALOG_WRITE = "catalog.write"
    STOCK_WRITE = "stock.write"
    UPLOADS_WRITE = "uploads.write"
    ORDERS_READ = "orders.read"
    ORDERS_WRITE = "orders.write"
    # Changing what an unpaid order costs, and taking every order's addresses out as a file.
    ORDERS_PRICE = "orders.price"
    ORDERS_EXPORT = "orders.export"
    REFUNDS_WRITE = "refunds.write"
    AFTER_SALES_READ = "after_sales.read"
    AFTER_SALES_WRITE = "after_sales.write"
    COUPONS_READ = "coupons.read"
    COUPONS_WRITE = "coupons.write"
    SETTINGS_READ = "settings.read"
    SETTINGS_WRITE = "settings.write"
    STATS_READ = "stats.read"
    REVIEWS_READ = "reviews.read"
    REVIEWS_WRITE = "reviews.write"
    MARKETING_READ = "marketing.read"
    MARKETING_WRITE = "marketing.write"
    # WeChat Pay's daily bills against our payments: read them, run a day, re-query a trade.
    RECONCILIATIONS_READ = "reconciliations.read"
    RECONCILIATIONS_WRITE = "reconciliations.write"


ALL_PERMISSIONS = frozenset(p.value for p in Permission)

# Roles the seed creates; shops edit them or add their own through /api/admin/roles.
DEFAULT_ROLES: dict[str, tuple[str, frozenset[str]]] = {
    "operator": (
        "Runs the shop day to day: catalog, stock, orders, coupons",
        frozenset(
            {
                Permission.CATALOG_READ,
                Permission.CATALOG_WRITE,
                Permission.STOCK_WRITE,
                Permission.UPLOADS_WRITE,
                Permission.ORDERS_READ,
                Permission.ORDERS_WRITE,
                Permission.ORDERS_PRICE,
                Permission.ORDERS_EXPORT,
                Permission.REFUNDS_WRITE,
                Permission.AFTER_SALES_READ,
                Permission.AFTER_SALES_WRITE,
                Permission.COUPONS_READ,
                Permission.COUPONS_WRITE,
                Permission.USERS_READ,
                Permission.STATS_READ,
                Permission.REVIEWS_READ,
                Permission.REVIEWS_WRITE,
                Permission.MARKETING_READ,
                Permission.MARKETING_WRITE,
                Permission.RECONCILIATIONS_READ,
                Permission.RECONCILIATIONS_WRITE,
            }
        ),
    ),
    "viewer": (
        "Reads everything, changes nothing",
        frozenset(p.value for p in Permission if p.value.endswith(".read")),
    ),
}
