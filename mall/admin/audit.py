"""Who acts: a customer, the system, or a member of staff whose every action is audited.

Services that change something on a staff member's behalf take the `Staff` and write the
audit row inside the change's own transaction (`record`), so a change never commits
without its entry nor an entry without its change. With each row goes an admin.action
event on the admin channel (what changed and who changed it), so every open console
follows; the request that made the change publishes it once the change has committed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from mall import events
from models import Admin, AdminLog, OutboxEvent


@dataclass(frozen=True)
class Staff:
    """The acting admin of a request, where it came from and what it may do."""

    admin: Admin
    permissions: frozenset[str]
    ip: str = ""
    # admin.action events of this request's changes, published after they commit
    announced: list[OutboxEvent] = field(default_factory=list, compare=False, repr=False)

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
    record, and from where; `None` is the system itself. Its admin.action event is added
    to `staff.announced` for the request to publish after commit."""
    entry = await AdminLog.create(
        admin_id=staff.admin.id if staff else None,
        admin_username=staff.admin.username if staff else "system",
        action=action,
        target_type=target_type,
        target_id=str(target_id),
        detail=detail or {},
        ip=staff.ip if staff else "",
    )
    # What changed, not how: the detail (old values, reasons) stays in the log, which needs
    # logs.read, while every admin's socket reads the admin channel.
    event = await events.record(
        channel=events.ADMIN_CHANNEL,
        name=events.EventName.ADMIN_ACTION,
        data={
            "log_id": entry.id,
            "action": action,
            "target_type": target_type,
            "target_id": entry.target_id,
            "admin_id": staff.admin.id if staff else None,
            "admin_username": entry.admin_username,
        },
    )
    if staff is not None:
        staff.announced.append(event)
    return entry


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
