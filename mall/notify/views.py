"""POST/GET /api/v1/me/subscriptions: the customer's one-time subscription acceptances."""

from __future__ import annotations

from pydantic import Field
from sanic import Blueprint, Request
from sanic.response import HTTPResponse

from mall.auth.guards import user_required
from mall.context import runtime_of
from mall.notify import subscriptions
from mall.web import Schema, doc, parse_body, render

bp = Blueprint("subscriptions")


class SubscriptionsIn(Schema):
    accepted: list[str] = Field(
        max_length=20,
        description="template ids wx.requestSubscribeMessage returned as `accept`",
    )


class SubscriptionsOut(Schema):
    available: dict[str, int] = Field(description="template id -> messages still allowed")


@bp.post("/me/subscriptions")
@doc(
    summary="Report the templates the customer accepted (each acceptance allows one message)",
    tag="account",
    body=SubscriptionsIn,
    response=SubscriptionsOut,
    secured=True,
)
@user_required
async def report(request: Request) -> HTTPResponse:
    body = parse_body(request, SubscriptionsIn)
    available = await subscriptions.report(
        runtime_of(request), user=request.ctx.user, accepted=body.accepted
    )
    return render(SubscriptionsOut(available=available))


@bp.get("/me/subscriptions")
@doc(
    summary="Messages the customer may still get, per template id",
    tag="account",
    response=SubscriptionsOut,
    secured=True,
)
@user_required
async def available(request: Request) -> HTTPResponse:
    counts = await subscriptions.available(user_id=request.ctx.user.id)
    return render(SubscriptionsOut(available=counts))
