"""The quick start's demo shop: categories, ~20 products with SKUs and images, banners.

Images are real PNG files (colour gradients) made here with zlib, stored like uploads.
Idempotent: categories are matched by name and parent, products and banners by title.
"""

from __future__ import annotations

import functools
import struct
import zlib
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from mall.catalog import banners, categories, service
from mall.catalog.cache import CatalogCache
from mall.catalog.images import PNG_SIGNATURE
from mall.catalog.schemas import BannerIn, CategoryIn, LinkType, ProductIn, SkuIn
from mall.catalog.storage import ImageStorage
from mall.catalog.uploads import store_image
from mall.runtime import Runtime
from models import Banner, Category, Product

RGB = tuple[int, int, int]
IMAGE_SIZE = 480
BANNER_SIZE = (750, 300)

# (parent, name, sort_order)
CATEGORIES: list[tuple[str | None, str, int]] = [
    (None, "服饰", 1),
    ("服饰", "男装", 1),
    ("服饰", "女装", 2),
    (None, "数码", 2),
    ("数码", "耳机音箱", 1),
    ("数码", "手机配件", 2),
    (None, "家居", 3),
    ("家居", "杯壶水具", 1),
    ("家居", "床上用品", 2),
    (None, "食品", 4),
    ("食品", "茶叶", 1),
    ("食品", "零食", 2),
]

COLOURS: dict[str, RGB] = {
    "白": (240, 240, 236),
    "黑": (40, 40, 44),
    "红": (208, 58, 52),
    "蓝": (52, 98, 186),
    "灰": (150, 150, 155),
    "粉": (236, 160, 180),
    "绿": (70, 150, 90),
    "米": (226, 214, 186),
    "棕": (140, 96, 60),
}

# (category, title, subtitle, base colour, spec axes, base price in fen, stock per SKU)
PRODUCTS: list[tuple[str, str, str, str, dict[str, list[str]], int, int]] = [
    (
        "男装",
        "纯棉圆领短袖T恤",
        "新疆长绒棉 透气不变形",
        "白",
        {"颜色": ["白", "黑", "蓝"], "尺码": ["M", "L", "XL"]},
        5900,
        120,
    ),
    (
        "男装",
        "商务免烫长袖衬衫",
        "抗皱免烫 修身版型",
        "蓝",
        {"颜色": ["白", "蓝"], "尺码": ["39", "40", "41", "42"]},
        12900,
        60,
    ),
    (
        "男装",
        "弹力休闲牛仔裤",
        "四面弹 直筒宽松",
        "蓝",
        {"颜色": ["蓝", "黑"], "尺码": ["30", "32", "34"]},
        15900,
        80,
    ),
    (
        "男装",
        "轻薄防风连帽夹克",
        "春秋外套 防泼水面料",
        "灰",
        {"颜色": ["灰", "黑"], "尺码": ["L", "XL"]},
        22900,
        40,
    ),
    (
        "女装",
        "法式碎花连衣裙",
        "雪纺面料 收腰显瘦",
        "粉",
        {"颜色": ["粉", "蓝"], "尺码": ["S", "M", "L"]},
        19900,
        50,
    ),
    (
        "女装",
        "高腰阔腿休闲裤",
        "垂感西装裤 通勤百搭",
        "米",
        {"颜色": ["米", "黑"], "尺码": ["S", "M", "L"]},
        13900,
        70,
    ),
    (
        "女装",
        "羊毛混纺针织开衫",
        "软糯亲肤 秋冬打底",
        "米",
        {"颜色": ["米", "灰", "粉"], "尺码": ["均码"]},
        16900,
        8,
    ),
    (
        "耳机音箱",
        "降噪真无线蓝牙耳机",
        "主动降噪 30小时续航",
        "白",
        {"颜色": ["白", "黑"]},
        29900,
        200,
    ),
    (
        "耳机音箱",
        "便携防水蓝牙音箱",
        "IPX7防水 户外露营",
        "绿",
        {"颜色": ["绿", "黑", "蓝"]},
        19900,
        90,
    ),
    (
        "手机配件",
        "氮化镓65W快充充电器",
        "三口快充 折叠插脚",
        "白",
        {"规格": ["单充电器", "充电器+数据线"]},
        9900,
        300,
    ),
    (
        "手机配件",
        "磁吸无线充电宝10000mAh",
        "轻薄便携 支持边充边放",
        "灰",
        {"颜色": ["灰", "白"]},
        14900,
        5,
    ),
    ("手机配件", "编织快充数据线", "Type-C 耐弯折", "黑", {"长度": ["1米", "2米"]}, 2900, 500),
    (
        "杯壶水具",
        "316不锈钢保温杯",
        "12小时保温 大容量",
        "红",
        {"颜色": ["红", "蓝", "白"], "容量": ["400ml", "600ml"]},
        8900,
        150,
    ),
    (
        "杯壶水具",
        "手冲咖啡壶套装",
        "细口壶 滤杯 分享壶",
        "棕",
        {"规格": ["基础款", "豪华款"]},
        16800,
        30,
    ),
    ("杯壶水具", "玻璃冷水壶", "耐高温 大容量1.8L", "蓝", {}, 4900, 100),
    (
        "床上用品",
        "全棉四件套",
        "A类母婴级 磨毛亲肤",
        "灰",
        {"颜色": ["灰", "米", "蓝"], "尺寸": ["1.5米床", "1.8米床"]},
        39900,
        25,
    ),
    ("床上用品", "慢回弹记忆棉枕头", "护颈助眠 可拆洗", "白", {}, 12900, 60),
    ("茶叶", "明前西湖龙井", "2024新茶 250g罐装", "绿", {"规格": ["250g", "500g"]}, 26800, 40),
    ("茶叶", "云南普洱熟茶饼", "357g 古树原料", "棕", {}, 15800, 35),
    ("零食", "每日坚果混合装", "7种坚果果干 独立小包", "棕", {"规格": ["15包", "30包"]}, 6900, 400),
    (
        "零食",
        "手工牛轧糖",
        "台湾风味 少糖配方",
        "米",
        {"口味": ["原味", "抹茶", "蔓越莓"]},
        3900,
        6,
    ),
]


@functools.lru_cache(maxsize=64)
def gradient_png(width: int, height: int, top: RGB, bottom: RGB, inset: float = 0.0) -> bytes:
    """A real PNG file (stdlib only): a vertical colour gradient, with a white panel in the
    middle when inset > 0 (its margin as a fraction of the width), so products differ."""
    margin = round(width * inset)
    panel_rows = range(margin, height - margin) if inset else range(0)
    rows = []
    for y in range(height):
        t = y / max(height - 1, 1)
        pixel = bytes(round(a + (b - a) * t) for a, b in zip(top, bottom, strict=True))
        if y in panel_rows:
            line = pixel * margin + b"\xfa\xfa\xf7" * (width - 2 * margin) + pixel * margin
        else:
            line = pixel * width
        rows.append(b"\x00" + line)  # filter type 0 per scanline

    def chunk(tag: bytes, data: bytes) -> bytes:
        body = tag + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB
    return (
        PNG_SIGNATURE
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"".join(rows), 9))
        + chunk(b"IEND", b"")
    )


def _lighter(colour: RGB, amount: float = 0.45) -> RGB:
    r, g, b = (round(c + (255 - c) * amount) for c in colour)
    return r, g, b


async def _image(
    storage: ImageStorage, colour: RGB, size: tuple[int, int], inset: float = 0.0
) -> str:
    data = gradient_png(*size, _lighter(colour), colour, inset)
    stored = await store_image(
        storage=storage, data=data, max_bytes=len(data), filename="demo.png", staff=None
    )
    return stored.ref


def _skus(axes: dict[str, list[str]], price: int, stock: int) -> list[SkuIn]:
    combos: list[dict[str, str]] = [{}]
    for name, values in axes.items():
        combos = [{**combo, name: value} for combo in combos for value in values]
    # Later values cost a little more (a bigger size, a larger pack), as in real shops.
    return [
        SkuIn(
            id=None,
            specs=combo,
            price=price + 1000 * sum(axes[name].index(value) for name, value in combo.items()),
            stock=stock,
        )
        for combo in combos
    ]


async def _category_ids(cache: CatalogCache, storage: ImageStorage) -> dict[str, int]:
    ids: dict[str, int] = {}
    for parent, name, sort_order in CATEGORIES:
        parent_id = ids[parent] if parent else None
        existing = await Category.filter(name=name, parent_id=parent_id).first()
        if existing is None:
            existing = await categories.create(
                cache=cache,
                storage=storage,
                data=CategoryIn(name=name, parent_id=parent_id, sort_order=sort_order),
                staff=None,
            )
        ids[name] = existing.id
    return ids


async def seed_shop(rt: Runtime) -> None:
    """Create whatever of the demo shop is missing (through the services, so a running
    shop's cache learns of the new data)."""
    cache, storage = rt.catalog_cache, rt.images
    category_ids = await _category_ids(cache, storage)
    product_ids: dict[str, int] = {}
    for index, (category, title, subtitle, colour, axes, price, stock) in enumerate(PRODUCTS):
        existing = await Product.filter(title=title, archived_at=None).first()
        if existing is not None:
            product_ids[title] = existing.id
            continue
        shades = [COLOURS[v] for v in axes.get("颜色", []) if v in COLOURS] or [COLOURS[colour]]
        inset = 0.12 + 0.04 * (index % 5)  # a differently framed picture per product
        size = (IMAGE_SIZE, IMAGE_SIZE)
        images = [await _image(storage, shade, size, inset) for shade in shades]
        product = await service.create_product(
            rt,
            staff=None,
            data=ProductIn(
                title=title,
                subtitle=subtitle,
                category_id=category_ids[category],
                description=f"{title}：{subtitle}。",
                images=images,
                cover="",
                on_sale=True,
                skus=_skus(axes, price, stock),
            ),
        )
        product_ids[title] = product.id
    await _seed_banners(cache, storage, category_ids, product_ids)


async def _seed_banners(
    cache: CatalogCache,
    storage: ImageStorage,
    category_ids: dict[str, int],
    product_ids: dict[str, int],
) -> None:
    now = datetime.now(UTC)
    wanted: Sequence[dict[str, Any]] = [
        {
            "title": "新品上市",
            "colour": (52, 98, 186),
            "link_type": LinkType.CATEGORY,
            "link": str(category_ids["服饰"]),
            "sort_order": 1,
        },
        {
            "title": "降噪耳机限时特惠",
            "colour": (40, 40, 44),
            "link_type": LinkType.PRODUCT,
            "link": str(product_ids["降噪真无线蓝牙耳机"]),
            "sort_order": 2,
            "ends_at": now + timedelta(days=30),
        },
        {
            "title": "好茶季",
            "colour": (70, 150, 90),
            "link_type": LinkType.CATEGORY,
            "link": str(category_ids["茶叶"]),
            "sort_order": 3,
        },
    ]
    for banner in wanted:
        if await Banner.filter(title=banner["title"]).exists():
            continue
        image = await _image(storage, banner["colour"], BANNER_SIZE)
        await banners.create(
            cache=cache,
            storage=storage,
            data=BannerIn(
                title=banner["title"],
                image=image,
                position="home",
                link_type=banner["link_type"],
                link=banner["link"],
                sort_order=banner["sort_order"],
                ends_at=banner.get("ends_at"),
            ),
            staff=None,
        )
