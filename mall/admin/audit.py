"""Who acts: a customer, the system, or a member of staff whose every action is audited.

Services that change something on a staff member's behalf take the `Staff` and write the
audit row inside the change's own transaction (`record`), so a change never commits
without its entry nor an entry without its change.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from models import Admin, AdminLog


@dataclass(frozen=True)
class Staff:
    """The acting admin of a request, where it came from and what it may do."""

    admin: Admin
    permissions: frozenset[str]
    ip: str = ""

    @property
    def actor(self) -> str:
        """How order history and logs name this admin."""
        return f"admin:{self.admin.username}"

    @property
    def is_superuser(self) -> bool:
        return bool(self.admin.is_superuser)

    def may(self, permission: str) -> bool:
        """Whether this admin holds `permission` (a superuser holds every one)."""
        return self.is_superuser or permission in self.permissions


# An actor is a staff member (audited) or a label such as "user:7" or "system:timeout".
Actor = Staff | str


def actor_label(actor: Actor) -> str:
    """The name order history records for an actor."""
    return actor.actor if isinstance(actor, Staff) else actor


async def record(
    staff: Staff | None,
    action: str,
    *,
    target_type: str = "",
    target_id: Any = "",
    detail: dict[str, Any] | None = None,
) -> AdminLog:
    """Append to the audit log (inside the change's transaction): who did what to which
    record, and from where; `None` is the system itself."""
    return await AdminLog.create(
        admin_id=staff.admin.id if staff else None,
        admin_username=staff.admin.username if staff else "system",
        action=action,
        target_type=target_type,
        target_id=str(target_id),
        detail=detail or {},
        ip=staff.ip if staff else "",
    )


async def record_if_staff(
    actor: Actor,
    action: str,
    *,
    target_type: str,
    target_id: Any,
    detail: dict[str, Any] | None = None,
) -> None:
    """`record` when a staff member acts; customers and the system are not audited."""
    if isinstance(actor, Staff):
        await record(actor, action, target_type=target_type, target_id=target_id, detail=detail)
