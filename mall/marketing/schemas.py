"""Favorites, footprints, search history and hot keywords, as the API shows them."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import Field

from mall.web import LINE, PageQuery, Schema


class ProductLine(Schema):
    product_id: int
    title: str
    cover_url: str
    min_price: int
    available: bool = Field(description="the storefront shows the product now")


class FavoriteOut(ProductLine):
    favorited_at: datetime


class FootprintOut(ProductLine):
    day: date = Field(description="the shop's calendar day (Asia/Shanghai) of the view")
    viewed_at: datetime = Field(description="the latest view that day")


class SearchTermOut(Schema):
    keyword: str
    searched_at: datetime


class SearchHistoryOut(Schema):
    items: list[SearchTermOut]


class HotKeywordOut(Schema):
    keyword: str
    pinned: bool = Field(description="pinned by staff (listed before the most searched)")


class HotKeywordsOut(Schema):
    items: list[HotKeywordOut]


class PinnedKeywordIn(Schema):
    keyword: str = Field(min_length=1, max_length=64, pattern=LINE)
    sort_order: int = Field(0, ge=-1_000_000, le=1_000_000)


class PinnedKeywordOut(Schema):
    id: int
    keyword: str
    sort_order: int
    created_at: datetime


class PinnedKeywordQuery(PageQuery):
    pass
