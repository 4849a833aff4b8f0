"""Review models of the mini-program and admin APIs."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from mall.web import PageQuery, Schema

ReviewState = Literal["published", "held", "checking", "hidden", "rejected"]


class AuthorOut(Schema):
    nickname: str
    avatar_url: str


class PublicReviewOut(Schema):
    id: int
    rating: int
    content: str
    images: list[str]
    author: AuthorOut
    reply: str | None
    replied_at: datetime | None
    created_at: datetime


class ReviewPageOut(Schema):
    items: list[PublicReviewOut]
    total: int
    page: int
    page_size: int
    rating_count: int
    rating_avg: float | None


class MediaCheckOut(Schema):
    media_url: str
    verdict: Literal["pending", "pass", "review", "risky"]


class AdminReviewOut(Schema):
    id: int
    order_id: int
    order_item_id: int
    product_id: int
    product_title: str = Field(description="the product's title as it is now")
    user_id: int
    author: AuthorOut = Field(description="the customer as they appear now (nickname, avatar)")
    rating: int
    content: str
    images: list[str]
    state: ReviewState
    moderation_note: str
    media_checks: list[MediaCheckOut]
    reply: str | None
    replied_at: datetime | None
    published_at: datetime | None
    created_at: datetime


class AdminReviewQuery(PageQuery):
    state: ReviewState | None = None


class ReplyIn(Schema):
    content: str = Field(min_length=1, max_length=500)
