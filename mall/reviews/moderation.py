"""Content security (内容安全) for what customers write: msgSecCheck on text, while they
wait, and mediaCheckAsync on images, whose verdicts come later as wxa_media_check pushes.

A review moves: held (a person should look) | checking (images out with WeChat) |
published; checking -> published when every image passed, held when one needs a person,
rejected when one is risky. Staff show (approve) or hide any review.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any

from tortoise.transactions import in_transaction

from mall.errors import UpstreamError, ValidationFailed
from mall.jobs import TaskName
from mall.reviews import ratings
from mall.runtime import Runtime
from mall.wechat import wxa
from mall.wechat.miniprogram import MiniProgramClient, WeChatError
from models import Review, ReviewMediaCheck, User

log = logging.getLogger("mall.reviews")

BACKOFF = (10, 60, 300, 1800)


def _now() -> datetime:
    return datetime.now(UTC)


def content_rejected(field: str, label: int) -> ValidationFailed:
    return ValidationFailed(
        "WeChat's content check refused this text",
        code="content_rejected",
        details=[{"field": field, "message": "violates content rules", "label": label}],
    )


async def check_text(
    *, client: MiniProgramClient, openid: str, content: str, scene: int, field: str
) -> wxa.SecVerdict | None:
    """msgSecCheck v2; 422 content_rejected when risky. None when WeChat cannot be asked."""
    try:
        verdict = await wxa.msg_sec_check(client, openid=openid, content=content, scene=scene)
    except WeChatError as exc:
        log.warning("msgSecCheck failed (%s): the text goes to staff", exc)
        return None
    if verdict.suggest == "risky":
        raise content_rejected(field, verdict.label)
    return verdict


async def check_nickname(*, client: MiniProgramClient, user: User, nickname: str) -> str:
    """A new nickname: risky -> 422; review -> kept from view until staff approve; pass."""
    try:
        verdict = await wxa.msg_sec_check(
            client, openid=user.openid, content=nickname, scene=wxa.SCENE_PROFILE
        )
    except WeChatError as exc:
        raise UpstreamError(
            "WeChat's content check is unavailable; try again",
            code="content_check_unavailable",
            details={"errcode": exc.errcode},
        ) from None
    if verdict.suggest == "risky":
        raise content_rejected("nickname", verdict.label)
    return verdict.suggest


async def submit(rt: Runtime, *, review_id: int) -> int:
    """Hand a review's unsent images to mediaCheckAsync; failures retry with backoff."""
    review = await Review.get_or_none(id=review_id)
    if review is None:
        return 0
    user = await User.get(id=review.user_id)
    sent = 0
    checks = await ReviewMediaCheck.filter(review_id=review_id, trace_id=None, verdict="pending")
    for check in checks:
        try:
            trace_id = await wxa.media_check_async(
                rt.wechat, openid=user.openid, media_url=check.media_url, scene=wxa.SCENE_COMMENT
            )
        except WeChatError as exc:
            attempts = check.attempts + 1
            due = None
            if attempts <= len(BACKOFF):
                due = _now() + timedelta(
                    seconds=BACKOFF[attempts - 1] * rt.settings.wechat_retry_scale
                )
            await ReviewMediaCheck.filter(id=check.id).update(
                attempts=attempts, next_attempt_at=due, error=f"{exc.errcode}: {exc.errmsg}"[:255]
            )
            if due is None:
                await _hold(review_id, "WeChat's image check could not be reached; please look")
            continue
        await ReviewMediaCheck.filter(id=check.id).update(
            trace_id=trace_id, attempts=check.attempts + 1, next_attempt_at=None, error=None
        )
        sent += 1
    return sent


async def submit_due(rt: Runtime) -> int:
    """Images whose check is due (never sent, or a retry), for the periodic sweep."""
    review_ids = await ReviewMediaCheck.filter(
        trace_id=None, verdict="pending", next_attempt_at__lte=_now()
    ).values_list("review_id", flat=True)
    sent = 0
    for review_id in dict.fromkeys(review_ids):
        sent += await submit(rt, review_id=int(str(review_id)))
    return sent


async def kick(rt: Runtime, review_id: int) -> None:
    """Queue the image checks now (after commit); the sweep catches a lost kick."""
    await rt.jobs.kick(TaskName.CHECK_REVIEW_MEDIA, review_id=review_id)


async def _hold(review_id: int, note: str) -> None:
    await Review.filter(id=review_id, state="checking").update(state="held", moderation_note=note)


async def on_media_check(rt: Runtime, *, payload: dict[str, Any]) -> None:
    """wxa_media_check: record the verdict; a review whose images are all judged settles."""
    trace_id = payload.get("trace_id")
    result = payload.get("result") if isinstance(payload.get("result"), dict) else {}
    assert isinstance(result, dict)
    suggest = result.get("suggest")
    if suggest is None and "isrisky" in payload:  # version 1 pushes
        suggest = "risky" if payload.get("isrisky") else "pass"
    check = await ReviewMediaCheck.get_or_none(trace_id=trace_id) if trace_id else None
    if check is None or suggest not in ("pass", "review", "risky"):
        log.warning("wxa_media_check for an unknown check %r (%r)", trace_id, suggest)
        return
    label = int(result.get("label") or 0) if str(result.get("label", "")).isdigit() else None
    await ReviewMediaCheck.filter(id=check.id).update(verdict=suggest, label=label)
    await settle(rt, review_id=check.review_id)  # type: ignore[attr-defined]


async def settle(rt: Runtime, *, review_id: int) -> str:
    """Decide a review in `checking` (or `held`, for risky images) from its image verdicts."""
    verdicts = await ReviewMediaCheck.filter(review_id=review_id).values_list("verdict", "label")
    async with in_transaction():
        review = await Review.filter(id=review_id).select_for_update().first()
        if review is None:
            return "gone"
        risky = [label for verdict, label in verdicts if verdict == "risky"]
        if risky and review.state in ("checking", "held"):
            await ratings.move(review, "rejected", note=f"an image is risky (label {risky[0]})")
            outcome = "rejected"
        elif review.state != "checking" or any(v == "pending" for v, _ in verdicts):
            return review.state
        elif any(v == "review" for v, _ in verdicts):
            await ratings.move(review, "held", note="an image needs a person's look")
            outcome = "held"
        else:
            await ratings.move(review, "published")
            outcome = "published"
    await ratings.refresh_product(rt, review.product_id)
    return outcome
