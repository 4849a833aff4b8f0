"""One-time subscription acceptances (订阅消息): each allows one message of its template.

The shop learns of an acceptance twice: the mini-program reports what wx.requestSubscribe
Message returned (POST /api/v1/me/subscriptions) and WeChat pushes subscribe_msg_popup_
event. The second report of the same acceptance (same customer and template, within a
few minutes, from the other route) confirms the first instead of adding another.
subscribe_msg_change_event with `reject` (turned off in WeChat's settings) ends them all.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any

from tortoise import connections
from tortoise.transactions import in_transaction

from mall.errors import ValidationFailed
from mall.runtime import Runtime
from models import SubscriptionGrant, User

log = logging.getLogger("mall.notify")

# Reports of one acceptance by the two routes arrive within this of each other.
MATCH_WINDOW = timedelta(minutes=10)
SOURCE_API = "api"
SOURCE_POPUP = "popup"


async def configured_template_ids(rt: Runtime) -> set[str]:
    """The template ids the shop sends messages with."""
    templates = (await rt.shop.get()).subscribe_templates
    return {
        config.template_id
        for config in (
            templates.order_paid,
            templates.order_shipped,
            templates.refund_result,
            templates.order_expiring,
        )
        if config is not None
    }


async def _accept(*, user_id: int, template_id: str, source: str) -> None:
    """Record one acceptance, or confirm the other route's report of it."""
    other = SOURCE_POPUP if source == SOURCE_API else SOURCE_API
    async with in_transaction() as conn:
        # One customer's reports are matched one at a time.
        await conn.execute_query("SELECT pg_advisory_xact_lock($1)", [user_id])
        match = (
            await SubscriptionGrant.filter(
                user_id=user_id,
                template_id=template_id,
                source=other,
                confirmed=False,
                created_at__gte=datetime.now(UTC) - MATCH_WINDOW,
            )
            .order_by("id")
            .first()
        )
        if match is not None:
            await SubscriptionGrant.filter(id=match.id).update(confirmed=True)
            return
        await SubscriptionGrant.create(
            user_id=user_id, template_id=template_id, source=source, state="available"
        )


async def report(rt: Runtime, *, user: User, accepted: list[str]) -> dict[str, int]:
    """The mini-program's report of accepted templates; the customer's open acceptances."""
    known = await configured_template_ids(rt)
    unknown = sorted(set(accepted) - known)
    if unknown:
        raise ValidationFailed(
            details=[
                {
                    "field": "accepted",
                    "message": f"not a template of this shop: {', '.join(unknown)}",
                    "type": "unknown_template",
                }
            ]
        )
    for template_id in dict.fromkeys(accepted):
        await _accept(user_id=user.id, template_id=template_id, source=SOURCE_API)
    return await available(user_id=user.id)


async def available(*, user_id: int) -> dict[str, int]:
    """Messages the customer may still get, per template id."""
    rows = await connections.get("default").execute_query_dict(
        "SELECT template_id, count(*) AS n FROM subscription_grants"
        " WHERE user_id = $1 AND state = 'available' GROUP BY template_id",
        [user_id],
    )
    return {str(r["template_id"]): int(r["n"]) for r in rows}


def _items(payload: dict[str, Any]) -> list[dict[str, Any]]:
    # WeChat sends one item as an object and several as an array.
    items = payload.get("List")
    if isinstance(items, dict):
        items = [items]
    return [i for i in items or [] if isinstance(i, dict) and isinstance(i.get("TemplateId"), str)]


async def _user_of(payload: dict[str, Any]) -> User | None:
    openid = payload.get("FromUserName")
    user = await User.get_or_none(openid=openid) if isinstance(openid, str) else None
    if user is None:
        log.warning("subscription push for an unknown customer %r", openid)
    return user


async def on_popup(*, payload: dict[str, Any]) -> None:
    """subscribe_msg_popup_event: each `accept` is one more message allowed."""
    user = await _user_of(payload)
    if user is None:
        return
    for item in _items(payload):
        if item.get("SubscribeStatusString") == "accept":
            await _accept(user_id=user.id, template_id=item["TemplateId"], source=SOURCE_POPUP)


async def on_change(*, payload: dict[str, Any]) -> None:
    """subscribe_msg_change_event: a template turned off ends its open acceptances."""
    user = await _user_of(payload)
    if user is None:
        return
    for item in _items(payload):
        if item.get("SubscribeStatusString") == "reject":
            await SubscriptionGrant.filter(
                user_id=user.id, template_id=item["TemplateId"], state="available"
            ).update(state="revoked")
