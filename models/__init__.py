"""Every Tortoise model, one module per domain, re-exported here."""

from models.admin import Admin, AdminLog, Role
from models.events import OutboxEvent
from models.identity import Address, RefreshToken, User

__all__ = ["Address", "Admin", "AdminLog", "OutboxEvent", "RefreshToken", "Role", "User"]
