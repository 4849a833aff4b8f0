"""GET /cart and /cart/items."""

from __future__ import annotations

from sanic import Blueprint, Request
from sanic.response import HTTPResponse, empty

from mall.auth.guards import user_required
from mall.cart import service
from mall.catalog.storage import ImageStorage
from mall.context import runtime_of
from mall.orders.pricing import cover_url
from mall.orders.schemas import CartItemIn, CartItemPatch, CartLineOut, CartOut
from mall.web import doc, parse_body, render
from models import CartItem, Product, Sku

bp = Blueprint("cart")


async def cart_out(items: list[CartItem], images: ImageStorage) -> CartOut:
    skus = {s.id: s for s in await Sku.filter(id__in=[i.sku_id for i in items])}
    products = {p.id: p for p in await Product.filter(id__in={s.product_id for s in skus.values()})}
    lines: list[CartLineOut] = []
    for item in items:
        sku = skus.get(item.sku_id)
        product = products.get(sku.product_id) if sku else None
        available = bool(
            sku
            and product
            and sku.archived_at is None
            and product.archived_at is None
            and product.on_sale
            and sku.stock >= item.quantity
        )
        lines.append(
            CartLineOut(
                id=item.id,
                sku_id=item.sku_id,
                product_id=product.id if product else 0,
                title=product.title if product else "",
                cover_url=cover_url(product.cover, product.images, images) if product else "",
                specs=dict(sku.specs or {}) if sku else {},
                price=sku.price if sku else 0,
                quantity=item.quantity,
                selected=item.selected,
                stock=sku.stock if sku else 0,
                available=available,
            )
        )
    chosen = [ln for ln in lines if ln.selected and ln.available]
    return CartOut(
        items=lines,
        selected_count=sum(ln.quantity for ln in chosen),
        selected_amount=sum(ln.price * ln.quantity for ln in chosen),
    )


@bp.get("/cart")
@doc(
    summary="The cart with current prices and availability",
    tag="cart",
    response=CartOut,
    secured=True,
)
@user_required
async def get_cart(request: Request) -> HTTPResponse:
    return render(
        await cart_out(await service.get_all(user=request.ctx.user), runtime_of(request).images)
    )


@bp.post("/cart/items")
@doc(
    summary="Add a SKU (merged with an existing line)",
    tag="cart",
    body=CartItemIn,
    response=CartOut,
    status=201,
    secured=True,
    errors=(404, 409),
)
@user_required
async def add_item(request: Request) -> HTTPResponse:
    data = parse_body(request, CartItemIn)
    await service.add(user=request.ctx.user, data=data)
    return render(
        await cart_out(await service.get_all(user=request.ctx.user), runtime_of(request).images),
        status=201,
    )


@bp.patch("/cart/items/<item_id:id>")
@doc(
    summary="Change quantity or selection",
    tag="cart",
    body=CartItemPatch,
    response=CartOut,
    secured=True,
    errors=(404, 409),
)
@user_required
async def patch_item(request: Request, item_id: int) -> HTTPResponse:
    data = parse_body(request, CartItemPatch)
    await service.update(user=request.ctx.user, item_id=item_id, data=data)
    return render(
        await cart_out(await service.get_all(user=request.ctx.user), runtime_of(request).images)
    )


@bp.delete("/cart/items/<item_id:id>")
@doc(summary="Remove a line", tag="cart", status=204, secured=True, errors=(404,))
@user_required
async def delete_item(request: Request, item_id: int) -> HTTPResponse:
    await service.delete(user=request.ctx.user, item_id=item_id)
    return empty()
