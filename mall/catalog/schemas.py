"""Request and response models of the catalogue (storefront and admin)."""

from __future__ import annotations

import re
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from mall.marketing.flash_schemas import ProductFlashSale
from mall.web import (
    LINE,
    ONE_LINE,
    URL_CHARS,
    Id,
    PageQuery,
    Schema,
    Timestamp,
    inconsistent_error,
    key_error,
    range_error,
)

MAX_PRICE = 10_000_000_000  # fen: 1 亿元
MAX_STOCK = 100_000_000  # keeps stock + any delta inside PostgreSQL's integer
MAX_SKUS = 100
MAX_IMAGES = 20
MAX_SPECS = 5
# The storefront pages through the first 5,000 matches and counts no further (the big
# marketplaces stop at about 100 pages too). Counting every match of a one-character
# keyword rechecks each matching row: 7,500 matches cost 22 ms at 100k products.
MAX_STOREFRONT_RESULTS = 5_000

Price = Annotated[int, Field(ge=0, le=MAX_PRICE, strict=True, description="fen")]
Stock = Annotated[int, Field(ge=0, le=MAX_STOCK, strict=True)]
SortOrder = Annotated[int, Field(ge=-1_000_000, le=1_000_000, strict=True)]
Flag = Annotated[bool, Field(strict=True)]
MAX_SPEC_NAME = 20


def _spec_name(name: str) -> str:
    # A key: OpenAPI 3.0 cannot state its rules, so its refusal has a type of its own.
    if not 1 <= len(name) <= MAX_SPEC_NAME or not re.fullmatch(LINE, name):
        raise key_error(f"a spec name is 1 to {MAX_SPEC_NAME} characters on one line")
    return name


SpecName = Annotated[str, AfterValidator(_spec_name)]
SpecValue = Annotated[str, StringConstraints(min_length=1, max_length=40, pattern=LINE)]
ImageRef = Annotated[
    str,
    StringConstraints(
        max_length=512,
        pattern=rf"^(https?://{URL_CHARS}+|/uploads/[0-9a-f]{{64}}\.(jpg|png|gif|webp))$",
    ),
    Field(description="an http(s) URL, or the url/path POST /api/admin/uploads returned"),
]
SkuCode = Annotated[str, StringConstraints(max_length=64, pattern=r"^[A-Za-z0-9._\-]*$")]
Reason = Annotated[str, StringConstraints(min_length=1, max_length=200, pattern=LINE)]


# --- storefront ---------------------------------------------------------------------------


class Sort(StrEnum):
    NEWEST = "newest"
    PRICE_ASC = "price_asc"
    PRICE_DESC = "price_desc"
    SALES = "sales"


class ProductQuery(PageQuery):
    page: int = Field(
        1,
        ge=1,
        le=MAX_STOREFRONT_RESULTS,
        description=f"only the first {MAX_STOREFRONT_RESULTS:,} matches are paged: a page "
        "past them is empty",
    )
    category_id: Id | None = Field(None, description="includes its sub-categories")
    q: str | None = Field(
        None, max_length=64, description="keywords (all must match title or subtitle)"
    )
    sort: Sort = Sort.NEWEST


class BannerQuery(Schema):
    position: str | None = Field(None, pattern=r"^[a-z0-9_]{1,32}$")


class ProductCard(Schema):
    id: int
    title: str
    subtitle: str
    cover_url: str
    min_price: int
    max_price: int
    sales: int
    stock: int


class ProductPage(Schema):
    """GET /products; total counts at most MAX_STOREFRONT_RESULTS matches."""

    items: list[ProductCard]
    total: int = Field(description=f"matches, counted up to {MAX_STOREFRONT_RESULTS}")
    page: int
    page_size: int


class SkuOut(Schema):
    id: int
    specs: dict[str, str]
    price: int
    stock: int


class SpecOption(Schema):
    name: str
    values: list[str]


class ProductDetail(Schema):
    id: int
    title: str
    subtitle: str
    description: str
    images: list[str]
    cover_url: str
    category_id: int
    min_price: int
    max_price: int
    sales: int
    stock: int
    skus: list[SkuOut]
    spec_options: list[SpecOption] = Field(
        description="spec names and their values in display order, for the SKU picker"
    )
    rating_count: int = Field(description="published reviews")
    rating_avg: float | None = Field(description="their average rating, 1 decimal; null: none")
    updated_at: datetime
    is_favorite: bool | None = Field(
        None, description="whether the logged-in customer keeps it; null without a token"
    )
    flash_sale: ProductFlashSale | None = Field(
        None, description="the live flash sale of the product's SKUs (their price and stock)"
    )


class BannerOut(Schema):
    id: int
    title: str
    image_url: str
    link_type: str
    link: str
    position: str


class BannerList(Schema):
    items: list[BannerOut]


def category_tree_schema(*, admin: bool) -> dict[str, Any]:
    """OpenAPI schema of a category tree (children repeat the node's shape)."""
    props: dict[str, Any] = {"id": {"type": "integer"}, "name": {"type": "string"}}
    if not admin:
        props["icon_url"] = {"type": "string"}
    else:
        props |= {
            "parent_id": {"type": "integer", "nullable": True},
            "icon": {"type": "string"},
            "sort_order": {"type": "integer"},
            "visible": {"type": "boolean"},
            "product_count": {"type": "integer"},
            "created_at": {"type": "string", "format": "date-time"},
            "updated_at": {"type": "string", "format": "date-time"},
        }
    node = {"type": "object", "properties": props, "required": sorted(props)}
    children = {"type": "array", "items": {"type": "object", "description": "a node, again"}}
    node["properties"] = props | {"children": children}
    return {"type": "array", "items": node}


# --- admin: categories ----------------------------------------------------------------------


class CategoryIn(Schema):
    name: Annotated[str, StringConstraints(min_length=1, max_length=32, pattern=LINE)]
    parent_id: Id | None = Field(None, description="an existing category (else 422 unknown_id)")
    icon: ImageRef | Literal[""] = ""
    sort_order: SortOrder = 0
    visible: Flag = True


class CategoryOut(Schema):
    id: int
    name: str
    parent_id: int | None
    icon: str
    sort_order: int
    visible: bool
    created_at: datetime
    updated_at: datetime


# --- admin: products and SKUs -------------------------------------------------------------


class SkuIn(Schema):
    id: Id | None = Field(None, description="an existing SKU of this product (edits only)")
    specs: dict[SpecName, SpecValue] = Field(
        default_factory=dict,
        max_length=MAX_SPECS,
        description=f"spec name -> value; a name is 1 to {MAX_SPEC_NAME} characters on one "
        "line (else 422, type invalid_key)",
    )
    price: Price
    stock: Stock | None = Field(
        None, description="new SKUs: default 0; existing SKUs: left out = unchanged"
    )
    code: SkuCode = ""
    weight: Annotated[
        int | None,
        Field(
            ge=0,
            le=1_000_000,
            description="grams, for freight by weight; new SKUs: default 0; existing SKUs: "
            "left out = unchanged",
        ),
    ] = None


class ProductIn(Schema):
    title: Annotated[str, StringConstraints(min_length=1, max_length=120, pattern=LINE)]
    subtitle: Annotated[str, StringConstraints(max_length=255, pattern=ONE_LINE)] = ""
    category_id: Id = Field(description="an existing category (else 422 unknown_id)")
    description: str = Field("", max_length=20_000)
    images: list[ImageRef] = Field(default_factory=list, max_length=MAX_IMAGES)
    cover: ImageRef | Literal[""] = Field("", description="defaults to the first image")
    on_sale: Flag = False
    freight_template_id: Annotated[
        Id | None,
        Field(
            description="a freight template (else 422 unknown_id); null: the shop's default; "
            "left out of an edit: unchanged"
        ),
    ] = None
    skus: list[SkuIn] = Field(
        min_length=1,
        max_length=MAX_SKUS,
        description="every SKU names the same specs, no two alike in specs, code or id "
        "(else 422, type inconsistent)",
    )

    @field_validator("skus")
    @classmethod
    def _skus_consistent(cls, skus: list[SkuIn]) -> list[SkuIn]:
        names = {frozenset(sku.specs) for sku in skus}
        if len(names) > 1:
            raise inconsistent_error("every SKU must name the same specs")
        if len(skus) > 1 and names == {frozenset()}:
            raise inconsistent_error("several SKUs need specs that tell them apart")
        combos = [frozenset(sku.specs.items()) for sku in skus]
        if len(set(combos)) != len(combos):
            raise inconsistent_error("two SKUs have the same specs")
        codes = [sku.code for sku in skus if sku.code]
        if len(set(codes)) != len(codes):
            raise inconsistent_error("two SKUs have the same code")
        ids = [sku.id for sku in skus if sku.id is not None]
        if len(set(ids)) != len(ids):
            raise inconsistent_error("a SKU id appears twice")
        return skus


class AdminSkuOut(Schema):
    id: int
    specs: dict[str, str]
    price: int
    stock: int
    code: str
    weight: int


class AdminProductOut(Schema):
    id: int
    title: str
    subtitle: str
    category_id: int | None
    description: str
    images: list[str]
    cover: str
    cover_url: str
    on_sale: bool
    freight_template_id: int | None
    sales: int
    min_price: int
    max_price: int
    stock: int
    skus: list[AdminSkuOut]
    created_at: datetime
    updated_at: datetime


class AdminProductRow(Schema):
    id: int
    title: str
    subtitle: str
    category_id: int | None
    cover_url: str
    on_sale: bool
    sales: int
    min_price: int
    max_price: int
    stock: int
    created_at: datetime
    updated_at: datetime


class AdminProductQuery(PageQuery):
    q: str | None = Field(None, max_length=64, description="keywords in title or subtitle")
    category_id: Id | None = Field(None, description="includes its sub-categories")
    on_sale: bool | None = None
    low_stock: bool = Field(False, description="only products with a SKU below the threshold")


class SaleIn(Schema):
    on_sale: Flag


# --- admin: stock ----------------------------------------------------------------------------


class StockSet(Schema):
    stock: Stock
    reason: Reason


class StockAdjust(Schema):
    delta: int = Field(
        ge=-MAX_STOCK,
        le=MAX_STOCK,
        description="added to stock; never 0",
        json_schema_extra={"not": {"enum": [0]}},
    )
    reason: Reason

    @field_validator("delta")
    @classmethod
    def _not_zero(cls, delta: int) -> int:
        if delta == 0:
            raise ValueError("a stock adjustment must change the stock")
        return delta


class StockOut(Schema):
    sku_id: int
    product_id: int
    previous: int
    stock: int
    low: bool = Field(description="below the low-stock threshold")


class LowStockOut(Schema):
    sku_id: int
    product_id: int
    title: str
    cover_url: str
    specs: dict[str, str]
    price: int
    stock: int


class LowStockPage(Schema):
    """GET /api/admin/skus/low-stock: the SKUs the overview's low_stock_skus counts."""

    items: list[LowStockOut]
    total: int
    page: int
    page_size: int
    threshold: int = Field(description="the shop's low_stock_threshold; low means below it")


# --- admin: banners ------------------------------------------------------------------------


class LinkType(StrEnum):
    NONE = "none"
    PRODUCT = "product"
    CATEGORY = "category"
    PAGE = "page"
    URL = "url"


# What link each link_type takes; the document states the same as a oneOf.
LINK_PATTERNS = {
    LinkType.NONE: r"^$",
    LinkType.PRODUCT: r"^[0-9]{1,18}$",
    LinkType.CATEGORY: r"^[0-9]{1,18}$",
    LinkType.PAGE: rf"^/pages/{URL_CHARS}*$",
    LinkType.URL: rf"^https://{URL_CHARS}+$",
}
_BANNER_LINKS: dict[str, Any] = {
    "oneOf": [
        # link_type none (or left out): no link, or an empty one
        {"properties": {"link_type": {"enum": ["none"]}, "link": {"enum": [""]}}},
        *(
            {
                "required": ["link_type", "link"],
                "properties": {
                    "link_type": {"enum": [kind.value]},
                    "link": {"pattern": LINK_PATTERNS[kind]},
                },
            }
            for kind in LinkType
            if kind != LinkType.NONE
        ),
    ]
}


class BannerIn(Schema):
    model_config = ConfigDict(json_schema_extra=_BANNER_LINKS)

    title: Annotated[str, StringConstraints(max_length=64, pattern=ONE_LINE)] = ""
    image: ImageRef
    link_type: LinkType = LinkType.NONE
    link: str = Field(
        "",
        max_length=512,
        description="fits link_type: product/category: its id (an existing one, else 422 "
        "unknown_id); page: a mini-program path (/pages/...); url: an https URL; none: empty",
    )
    position: str = Field("home", pattern=r"^[a-z0-9_]{1,32}$")
    sort_order: SortOrder = 0
    enabled: Flag = True
    starts_at: Timestamp | None = None
    ends_at: Timestamp | None = Field(None, description="after starts_at (else 422, type range)")

    @model_validator(mode="after")
    def _link_and_window(self) -> BannerIn:
        if not re.fullmatch(LINK_PATTERNS[self.link_type], self.link):
            raise ValueError(f"link does not fit link_type {self.link_type.value!r}")
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise range_error("ends_at must be after starts_at")
        return self


class AdminBannerOut(Schema):
    id: int
    title: str
    image: str
    link_type: str
    link: str
    position: str
    sort_order: int
    enabled: bool
    starts_at: datetime | None
    ends_at: datetime | None
    active: bool = Field(description="enabled and inside its window now")
    created_at: datetime
    updated_at: datetime


class AdminBannerQuery(PageQuery):
    position: str | None = Field(None, pattern=r"^[a-z0-9_]{1,32}$")


# --- admin: uploads ------------------------------------------------------------------------


class UploadOut(Schema):
    url: str = Field(description="public URL; stable, since the name is the content hash")
    path: str = Field(description="the same image as a reference, for product/banner fields")
    content_type: str
    size: int
    width: int
    height: int
    sha256: str
